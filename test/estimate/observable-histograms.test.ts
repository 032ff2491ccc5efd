/**
 * Histograms of observables: per bin the integral of f over {x: h(x) in the bin}, against the
 * exact bin integrals of a product Gaussian (erf differences) with a chi2 test, the normalised
 * mode, and the underflow/overflow cells.
 */
import { integrateOptionsSchema } from '../../src/options';
import { prepareProblem, runIntegrateDetailed } from '../../src/integrate';
import { erf } from '../../src/integrand';
import type { ObservableOptionsInput } from '../../src/observables/options';
import { resultSchema, type ObservablesReport } from '../../src/report/schema';
import { renderText } from '../../src/report/text';
import { XMLParser, XMLValidator } from 'fast-xml-parser';

const S = 0.15;
const MU = 0.5;
const F_EXPR = `exp(-((x1 - ${MU})^2 + (x2 - ${MU})^2) / (2 * ${S}^2))`;
/** ∫_a^b exp(-(x - MU)^2 / (2 S^2)) dx. */
const gaussMass = (a: number, b: number) =>
  S * Math.sqrt(Math.PI / 2) * (erf((b - MU) / (S * Math.SQRT2)) - erf((a - MU) / (S * Math.SQRT2)));
const axis = gaussMass(0, 1);
const exactF = axis * axis;
const BINS = 20;

/** Items of each mark group of `type` (rect, rule, ...) with role "mark" in an SVG. */
function markItems(svg: string, type: string): number[] {
  type Node = Record<string, unknown>;
  const tree = new XMLParser({ ignoreAttributes: false, preserveOrder: true }).parse(svg) as Node[];
  const out: number[] = [];
  const walk = (nodes: Node[]) => {
    for (const node of nodes) {
      const attrs = (node[':@'] ?? {}) as Record<string, string>;
      const tag = Object.keys(node).find((k) => k !== ':@') as string;
      const children = (node[tag] ?? []) as Node[];
      if (tag === 'g' && (attrs['@_class'] ?? '').startsWith(`mark-${type} role-mark`)) out.push(children.length);
      if (Array.isArray(children)) walk(children);
    }
  };
  walk(tree);
  return out;
}

async function histogramRun(
  method: 'uniform' | 'vegas',
  seed: number,
  histograms: ObservableOptionsInput['histograms'],
  histNormalize = false,
) {
  const options = integrateOptionsSchema.parse({ expression: F_EXPR, dim: 2, method, samples: 100000, seed, baseline: false });
  const out = await runIntegrateDetailed(prepareProblem(options, undefined, undefined, { histograms, histNormalize }));
  return resultSchema.parse(out.result);
}

/** chi2 of the bins against exact contents, and the bins used. */
function chi2(h: ObservablesReport['histograms'][number], exact: (lo: number, hi: number) => number): { chi2: number; dof: number } {
  let c = 0;
  let dof = 0;
  for (const b of h.bins) {
    expect(b.mean).not.toBeNull();
    expect(b.sdev).not.toBeNull();
    const e = exact(b.lo, b.hi);
    c += (((b.mean as number) - e) / (b.sdev as number)) ** 2;
    dof++;
  }
  return { chi2: c, dof };
}

describe('histograms of observables', () => {
  // chi2 of 20 bins: its 0.1% and 99.9% quantiles are 5.9 and 45.3, so chi2/dof lies in
  // [0.3, 2.27] but for one seed in a thousand
  const BOUNDS = [0.3, 2.27];

  test('uniform: the x1 marginal of a product Gaussian against exact bin integrals (chi2), with underflow and overflow', async () => {
    const r = await histogramRun('uniform', 5, [
      { observable: 'x1', lo: 0, hi: 1, bins: BINS },
      { observable: 'x1', lo: 0.2, hi: 0.7, bins: 5 },
    ]);
    const [h, cut] = r.observables?.histograms ?? [];
    expect(h.normalized).toBe(false);
    expect(h.bins).toHaveLength(BINS);
    expect(h.bins[0].lo).toBe(0);
    expect(h.bins[BINS - 1].hi).toBe(1);
    const { chi2: c, dof } = chi2(h, (lo, hi) => gaussMass(lo, hi) * axis);
    expect(c / dof).toBeGreaterThan(BOUNDS[0]);
    expect(c / dof).toBeLessThan(BOUNDS[1]);
    expect(h.underflow).toEqual({ mean: 0, sdev: 0 });
    expect(h.overflow).toEqual({ mean: 0, sdev: 0 });
    // the bins add up to F
    const total = h.bins.reduce((s, b) => s + (b.mean as number), 0);
    expect(total).toBeCloseTo(r.estimate.integral.mean, 12);
    // a narrower range: what lies outside goes to underflow and overflow
    const under = gaussMass(0, 0.2) * axis;
    const over = gaussMass(0.7, 1) * axis;
    expect(Math.abs((cut.underflow.mean as number) - under)).toBeLessThan(4 * (cut.underflow.sdev as number));
    expect(Math.abs((cut.overflow.mean as number) - over)).toBeLessThan(4 * (cut.overflow.sdev as number));
    expect(renderText(r)).toContain('histogram of x1 on [0, 1), 20 bins: integral of f per bin');
  });

  test('VEGAS+: the same marginal (iid bin errors, conservative under stratification)', async () => {
    const r = await histogramRun('vegas', 7, [{ observable: 'x1', lo: 0, hi: 1, bins: BINS }]);
    const h = (r.observables?.histograms ?? [])[0];
    const { chi2: c, dof } = chi2(h, (lo, hi) => gaussMass(lo, hi) * axis);
    expect(c / dof).toBeLessThan(BOUNDS[1]);
  });

  test('normalised: bin contents / F with delta-method errors against the exact fractions', async () => {
    const r = await histogramRun('uniform', 9, [{ observable: 'x1', lo: 0, hi: 1, bins: BINS }], true);
    const h = (r.observables?.histograms ?? [])[0];
    expect(h.normalized).toBe(true);
    const { chi2: c, dof } = chi2(h, (lo, hi) => (gaussMass(lo, hi) * axis) / exactF);
    expect(c / dof).toBeGreaterThan(BOUNDS[0]);
    expect(c / dof).toBeLessThan(BOUNDS[1]);
    const total = h.bins.reduce((s, b) => s + (b.mean as number), 0);
    expect(total).toBeCloseTo(1, 12);
    // a fraction's error is below the bin integral's relative error (F's fluctuation cancels in part)
    expect(renderText(r)).toContain('fraction of F per bin');
  });

  test('an observable that is not a number at some points fills the undefined cell', async () => {
    const r = await histogramRun('uniform', 3, [{ observable: 'sqrt(x1 - 0.5)', lo: 0, hi: 1, bins: 4 }]);
    const h = (r.observables?.histograms ?? [])[0];
    const exact = gaussMass(0, 0.5) * axis;
    expect(Math.abs((h.undefined.mean as number) - exact)).toBeLessThan(4 * (h.undefined.sdev as number));
  });

  test('the pictures include each observable histogram with error bars', async () => {
    const r = await histogramRun('uniform', 4, [
      { observable: 'x1', lo: 0, hi: 1, bins: 10 },
      { observable: 'x1 * x2', lo: 0, hi: 1, bins: 6 },
    ]);
    const { renderPictures } = await import('../../src/report/plots');
    const pictures = await renderPictures(r);
    const pic = pictures.find((p) => p.file === 'observables.svg');
    expect(pic).toBeDefined();
    const svg = pic?.svg ?? '';
    expect(XMLValidator.validate(svg)).toBe(true);
    expect(svg).toContain('histograms of observables');
    // one bar and one error bar per bin of both histograms
    expect(markItems(svg, 'rect')).toEqual([10, 6]);
    expect(markItems(svg, 'rule')).toEqual([10, 6]);
  }, 60000);
});
