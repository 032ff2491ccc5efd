/**
 * Further integrands G_k = ∫ g_k weighed on the points of F = ∫ f: estimates against exact
 * values, the covariance matrix of (F, G_1, ..., G_m), ratios G_k/F against the spread over
 * seeds, and the support check.
 */
import { integrateOptionsSchema } from '../../src/options';
import { runUniform } from '../../src/estimate/evaluate';
import { emptyMoments, integralEstimate } from '../../src/estimate/stats';
import { prepareProblem, runIntegrateDetailed } from '../../src/integrate';
import { closeStrata, emptyObservableMoments, mergeObservableMoments, accumulateObservables } from '../../src/observables/moments';
import { parseHistogramSpec, observableOptionsSchema, type ObservableOptionsInput } from '../../src/observables/options';
import { covarianceMatrix, integralOf, ratioToF } from '../../src/observables/summary';
import { buildProblem } from '../../src/problem';
import { resultSchema } from '../../src/report/schema';
import { renderText } from '../../src/report/text';
import { Rng } from '../../src/rng';

const A = 3;
/** ∫∫_[0,1]^2 cos(A x1 + x2) and sin(A x1 + x2): real and imaginary parts of -(e^{iA} - 1)(e^{i} - 1)/A. */
const exactCos = (-Math.cos(A + 1) + Math.cos(A) + Math.cos(1) - 1) / A;
const exactSin = (Math.sin(1) - Math.sin(A + 1) + Math.sin(A)) / A;
const F_EXPR = '1 + x1*x2';
const exactF = 1.25;

const observables: ObservableOptionsInput = {
  also: [
    { expression: `cos(${A}*x1 + x2)`, label: 'Re' },
    { expression: `sin(${A}*x1 + x2)`, label: 'Im' },
  ],
};

function options(method: 'vegas' | 'uniform', seed: number, samples: number, extra: Record<string, unknown> = {}) {
  return integrateOptionsSchema.parse({ expression: F_EXPR, dim: 2, method, samples, seed, baseline: false, ...extra });
}

/** Cholesky of a symmetric matrix with a relative tolerance: true when positive semi-definite. */
function isPsd(c: number[][]): boolean {
  const n = c.length;
  const scale = Math.max(...c.map((r, i) => Math.abs(r[i])));
  const L = Array.from({ length: n }, () => new Array(n).fill(0));
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let s = c[i][j];
      for (let k = 0; k < j; k++) s -= L[i][k] * L[j][k];
      if (i === j) {
        if (s < -1e-10 * scale) return false;
        L[i][i] = Math.sqrt(Math.max(s, 0));
      } else L[i][j] = L[j][j] > 0 ? s / L[j][j] : 0;
    }
  }
  return true;
}

function stats(v: number[]): { mean: number; sd: number } {
  const mean = v.reduce((a, b) => a + b, 0) / v.length;
  const sd = Math.sqrt(v.reduce((a, b) => a + (b - mean) ** 2, 0) / (v.length - 1));
  return { mean, sd };
}

describe('further integrands on the points of F', () => {
  for (const method of ['uniform', 'vegas'] as const) {
    test(`${method}: cos and sin of one phase against their exact values, with a symmetric PSD covariance`, async () => {
      const prepared = prepareProblem(options(method, 11, 40000), undefined, undefined, observables);
      const out = await runIntegrateDetailed(prepared);
      const r = resultSchema.parse(out.result);
      const o = r.observables;
      expect(o).toBeDefined();
      if (!o) return;
      expect(o.integrals.map((g) => g.label)).toEqual(['Re', 'Im']);
      const [re, im] = o.integrals;
      for (const [g, exact] of [
        [re, exactCos],
        [im, exactSin],
      ] as const) {
        expect(g.integral.sdev).toBeGreaterThan(0);
        expect(Math.abs((g.integral.mean as number) - exact)).toBeLessThan(4 * (g.integral.sdev as number));
        expect(g.ratio).not.toBeNull();
        expect(Math.abs((g.ratio?.mean as number) - exact / exactF)).toBeLessThan(4 * (g.ratio?.sdev as number));
        expect(g.outsideSupport).toBe(0);
      }
      const c = o.covariance.matrix as number[][];
      expect(o.covariance.labels).toEqual(['F', 'Re', 'Im']);
      for (let a = 0; a < 3; a++) for (let b = 0; b < 3; b++) expect(c[a][b]).toBe(c[b][a]);
      expect(isPsd(c)).toBe(true);
      // F's variance in the matrix is the estimate's (stratified under VEGAS+, iid otherwise)
      expect(c[0][0]).toBeCloseTo(r.estimate.integral.sdev ** 2, 12);
      expect(Math.abs(c[0][0] / r.estimate.integral.sdev ** 2 - 1)).toBeLessThan(1e-9);
      expect(re.integral.sdev).toBeCloseTo(Math.sqrt(c[1][1]), 14);
      expect(renderText(r)).toContain('further integrands');
    });
  }

  test('the ratio errors match the spread of the ratios over seeds (uniform and VEGAS+)', async () => {
    for (const [method, seeds, n] of [
      ['uniform', 40, 2000],
      ['vegas', 16, 8000],
    ] as const) {
      const ratios: number[] = [];
      const errors: number[] = [];
      const reMeans: number[] = [];
      const reErrors: number[] = [];
      for (let s = 1; s <= seeds; s++) {
        const out = await runIntegrateDetailed(prepareProblem(options(method, s, n), undefined, undefined, observables));
        const g = out.result.observables?.integrals[0];
        ratios.push(g?.ratio?.mean as number);
        errors.push(g?.ratio?.sdev as number);
        reMeans.push(g?.integral.mean as number);
        reErrors.push(g?.integral.sdev as number);
      }
      const spread = stats(ratios).sd;
      const quoted = stats(errors).mean;
      expect(quoted / spread).toBeGreaterThan(method === 'uniform' ? 0.7 : 0.55);
      expect(quoted / spread).toBeLessThan(method === 'uniform' ? 1.4 : 1.8);
      const reSpread = stats(reMeans).sd;
      expect(stats(reErrors).mean / reSpread).toBeGreaterThan(method === 'uniform' ? 0.7 : 0.55);
      expect(stats(reErrors).mean / reSpread).toBeLessThan(method === 'uniform' ? 1.4 : 1.8);
    }
  }, 120000);

  test('without observables the result has no observables section and the same numbers', async () => {
    const plain = await runIntegrateDetailed(prepareProblem(options('vegas', 3, 20000)));
    const withObs = await runIntegrateDetailed(prepareProblem(options('vegas', 3, 20000), undefined, undefined, observables));
    expect(plain.result.observables).toBeUndefined();
    expect(withObs.result.estimate.integral).toEqual(plain.result.estimate.integral);
    expect(withObs.result.estimate.khat).toEqual(plain.result.estimate.khat);
  });

  test('a g non-zero where f is zero is flagged under a learned sampler, not under uniform sampling', async () => {
    const obs: ObservableOptionsInput = { also: [{ expression: 'x1 > 0.5 ? 1 : 0', label: 'right' }] };
    const opts = (method: 'vegas' | 'uniform') =>
      integrateOptionsSchema.parse({ expression: 'x1 < 0.5 ? exp(-x2) : 0', dim: 2, method, samples: 20000, seed: 2, baseline: false });
    const vegas = await runIntegrateDetailed(prepareProblem(opts('vegas'), undefined, undefined, obs));
    const g = vegas.result.observables?.integrals[0];
    expect(g?.outsideSupport).toBeGreaterThan(0);
    expect(g?.reliable).toBe(false);
    expect(vegas.result.warnings.some((w) => w.startsWith('right: g is non-zero at'))).toBe(true);
    const uniform = await runIntegrateDetailed(prepareProblem(opts('uniform'), undefined, undefined, obs));
    const u = uniform.result.observables?.integrals[0];
    expect(u?.outsideSupport).toBeGreaterThan(0);
    expect(uniform.result.warnings.some((w) => w.startsWith('right: g is non-zero at'))).toBe(false);
    expect(Math.abs((u?.integral.mean as number) - 0.5)).toBeLessThan(4 * (u?.integral.sdev as number));
  });

  test('the streaming stratified covariance equals the per-hypercube formula and merges with iid parts', () => {
    // three hypercubes of 2, 3 and 4 points, m = 1
    const w = [1, 3, 2, 2, 5, 0.5, 1.5, 2.5, 4];
    const g = [2, 1, 0, 4, 1, 1, 3, 2, 0.5];
    const ids = [0, 0, 1, 1, 1, 2, 2, 2, 2];
    const om = emptyObservableMoments(1, []);
    // two chunks that split hypercube 1
    const chunk = (lo: number, hi: number) => ({
      n: hi - lo,
      f: w.slice(lo, hi),
      w: w.slice(lo, hi),
      wg: [g.slice(lo, hi)],
      g: [g.slice(lo, hi)],
      h: [],
      groups: ids.slice(lo, hi),
    });
    accumulateObservables(om, chunk(0, 3), []);
    accumulateObservables(om, chunk(3, 9), []);
    closeStrata(om);
    let vff = 0;
    let vfg = 0;
    let vgg = 0;
    for (const h of [0, 1, 2]) {
      const idx = ids.map((v, i) => (v === h ? i : -1)).filter((i) => i >= 0);
      const n = idx.length;
      const sf = idx.reduce((s, i) => s + w[i], 0);
      const sg = idx.reduce((s, i) => s + g[i], 0);
      vff += (n * idx.reduce((s, i) => s + w[i] * w[i], 0) - sf * sf) / (n - 1);
      vfg += (n * idx.reduce((s, i) => s + w[i] * g[i], 0) - sf * sg) / (n - 1);
      vgg += (n * idx.reduce((s, i) => s + g[i] * g[i], 0) - sg * sg) / (n - 1);
    }
    const c = covarianceMatrix(om);
    const N = w.length;
    expect(c[0][0]).toBeCloseTo(vff / N / N, 14);
    expect(c[0][1]).toBeCloseTo(vfg / N / N, 14);
    expect(c[1][1]).toBeCloseTo(vgg / N / N, 14);
    expect(integralOf(om, 1).mean).toBeCloseTo(g.reduce((a, b) => a + b, 0) / N, 14);
    const r = ratioToF(om, 1);
    expect(r.mean).toBeCloseTo(g.reduce((a, b) => a + b, 0) / w.reduce((a, b) => a + b, 0), 14);
    // an iid part joins with its iid covariance of the sums
    const iid = emptyObservableMoments(1, []);
    accumulateObservables(iid, { n: 3, f: [1, 2, 3], w: [1, 2, 3], wg: [[3, 2, 2]], g: [[3, 2, 2]], h: [], groups: null }, []);
    const merged = mergeObservableMoments(om, iid, om.n, iid.n);
    const v3 = (3 * (1 + 4 + 9) - 36) / 2;
    expect((merged.strataCov?.[0] as number) * merged.scale ** 2).toBeCloseTo(vff + v3, 12);
    expect(merged.n).toBe(12);
  });

  test('a buildProblem with observables evaluates them on runUniform points (no per-point mathjs)', async () => {
    const problem = buildProblem({ expression: F_EXPR, dim: 2, observables });
    expect(problem.observables?.also.map((k) => k.expression)).toEqual([`cos(${A}*x1 + x2)`, `sin(${A}*x1 + x2)`]);
    const m = await runUniform(problem, 5000, new Rng(3, 1), emptyMoments(2, 0), 'error');
    expect(m.observables?.n).toBe(5000);
    const f = integralEstimate(m);
    const o = m.observables;
    if (!o) return;
    expect(integralOf(o, 0).mean).toBeCloseTo(f.mean, 12);
    expect(integralOf(o, 0).sdev).toBeCloseTo(f.sdev, 12);
  });
});

describe('observable options', () => {
  test('defaults, labels and the text form of a histogram', () => {
    expect(observableOptionsSchema.parse({})).toEqual({ also: [], histograms: [], histNormalize: false });
    expect(parseHistogramSpec('x1+x2:0:2:40')).toEqual({ observable: 'x1+x2', lo: 0, hi: 2, bins: 40 });
    expect(parseHistogramSpec('a ? b : c:-1:1e0:5').observable).toBe('a ? b : c');
    expect(() => parseHistogramSpec('x1:1:0:5')).toThrow(/lo must be below hi/);
    expect(() => parseHistogramSpec('x1:0:1')).toThrow(/needs an expression/);
    expect(() => parseHistogramSpec('x1:0:1:2.5')).toThrow();
    const p = buildProblem({ expression: '1', dim: 2, observables: { also: [{ expression: 'x1' }, { expression: 'x2' }] } });
    expect(p.observables?.spec.also.map((a) => a.label)).toEqual(['G1', 'G2']);
    expect(() => buildProblem({ expression: '1', dim: 2, observables: { also: [{ expression: 'x3' }] } })).toThrow(/integrand G1/);
    expect(() =>
      buildProblem({
        expression: '1',
        dim: 2,
        observables: {
          also: [
            { expression: 'x1', label: 'a' },
            { expression: 'x2', label: 'a' },
          ],
        },
      }),
    ).toThrow(/two integrands/);
    expect(buildProblem({ expression: '1', dim: 2, observables: {} }).observables).toBeUndefined();
  });

  test('a non-finite g stops the run naming it, or counts as zero with --nan zero', async () => {
    const obs: ObservableOptionsInput = { also: [{ expression: '1/(x1 - x1)', label: 'bad' }] };
    const problem = buildProblem({ expression: '1', dim: 1, observables: obs });
    await expect(runUniform(problem, 100, new Rng(1, 1), emptyMoments(1, 0), 'error')).rejects.toThrow(/the integrand bad is/);
    const m = await runUniform(problem, 100, new Rng(1, 1), emptyMoments(1, 0), 'zero');
    expect(m.observables?.integrands[0].nonFinite).toBe(100);
  });
});
