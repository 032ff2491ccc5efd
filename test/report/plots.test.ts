/**
 * The pictures: every SVG is well-formed XML with the marks its picture needs (one bar per
 * bin, the q line, error bars, the reference level when given), titles carry ESS, the largest
 * weight and k-hat when the result has one, and index.html is self-contained.
 */
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { plotRecorder } from '../../src/cli/plotOutput';
import { integrateCommandSchema } from '../../src/cli/options';
import { prepareProblem, runIntegrateDetailed } from '../../src/integrate';
import { renderIndex, renderPictures, type Picture } from '../../src/report/plots';
import type { IntegrationResult, TrainingReport } from '../../src/report/schema';
import { resultSchema } from '../../src/report/schema';

type Node = Record<string, unknown>;

/** Items of each mark group of `type` (rect, line, rule, text, ...) with role "mark". */
export function markItems(svg: string, type: string): number[] {
  const tree = new XMLParser({ ignoreAttributes: false, preserveOrder: true }).parse(svg) as Node[];
  const out: number[] = [];
  const walk = (nodes: Node[]) => {
    for (const node of nodes) {
      const attrs = (node[':@'] ?? {}) as Record<string, string>;
      const tag = Object.keys(node).find((k) => k !== ':@')!;
      const children = (node[tag] ?? []) as Node[];
      const cls = attrs['@_class'] ?? '';
      if (tag === 'g' && cls.startsWith(`mark-${type} role-mark`)) out.push(children.length);
      if (Array.isArray(children)) walk(children);
    }
  };
  walk(tree);
  return out;
}

const svgOf = (pictures: Picture[], file: string) => {
  const p = pictures.find((q) => q.file === file);
  if (!p) throw new Error(`no ${file}`);
  return p.svg;
};

/** A history as the trainer reports it: 30 epochs of a falling loss and rel. sd. */
function training(): TrainingReport {
  const history = Array.from({ length: 30 }, (_, i) => ({ epoch: 10 * (i + 1), loss: 4 * 0.9 ** i, integral: 1, relSdev: 2 * 0.93 ** i }));
  return {
    epochs: 300,
    batch: 1000,
    calls: 300_000,
    seconds: 1,
    loss: 'variance',
    finalLoss: history[29].loss,
    finalBatchRelSdev: history[29].relSdev,
    stoppedEarly: false,
    stopReason: null,
    lrReductions: 0,
    history,
  };
}

let result: IntegrationResult;

beforeAll(async () => {
  const options = integrateCommandSchema.parse({
    expression: 'exp(-sum((x-0.5).^2)/0.04)',
    dim: 3,
    method: 'uniform',
    samples: 30000,
    plot: 'unused',
    plotPair: '1,3',
    quiet: true,
  });
  const prepared = prepareProblem(options);
  const plots = plotRecorder(options, prepared.problem)!;
  const out = await runIntegrateDetailed(prepared, plots.hooks);
  result = plots.attach(out.result);
  result.training = training();
});

describe('pictures', () => {
  test('the result with histograms passes the schema, and its histograms hold the evaluation sample', () => {
    const parsed = resultSchema.parse(result);
    expect(parsed.histograms?.calls).toBe(result.estimate.calls);
    expect(parsed.histograms?.pair?.dims).toEqual([1, 3]);
    expect(parsed.histograms!.sumW / parsed.histograms!.calls).toBeCloseTo(result.estimate.integral.mean, 12);
  });

  test('every SVG is well-formed and has the marks of its picture', async () => {
    const t0 = performance.now();
    const pictures = await renderPictures(result);
    const ms = performance.now() - t0;
    expect(pictures.map((p) => p.file)).toEqual(['training.svg', 'marginals.svg', 'pair.svg', 'weights.svg']);
    for (const p of pictures) expect(XMLValidator.validate(p.svg)).toBe(true);
    const h = result.histograms!;
    // marginals: per dimension one bar per bin, one error bar per bin and one q line
    const bins = h.marginals[0].sumW.length;
    expect(markItems(svgOf(pictures, 'marginals.svg'), 'rect')).toEqual([bins, bins, bins]);
    expect(markItems(svgOf(pictures, 'marginals.svg'), 'rule')).toEqual([bins, bins, bins]);
    expect(markItems(svgOf(pictures, 'marginals.svg'), 'line')).toEqual([1, 1, 1]);
    // the pair: p and q heat maps over every cell
    const cells = h.pair!.x.bins * h.pair!.y.bins;
    expect(markItems(svgOf(pictures, 'pair.svg'), 'rect')).toEqual([cells, cells]);
    // training: a line per panel, no reference level without one
    expect(markItems(svgOf(pictures, 'training.svg'), 'line')).toEqual([1, 1]);
    expect(markItems(svgOf(pictures, 'training.svg'), 'rule')).toEqual([]);
    // weights: one bar per non-empty bin and the rule at w = mean w
    const weights = svgOf(pictures, 'weights.svg');
    expect(markItems(weights, 'rect')).toEqual([h.weights.counts.filter((c) => c > 0).length]);
    expect(markItems(weights, 'rule')).toEqual([1]);
    expect(weights).toContain(`ESS ${Number(result.estimate.ess.toPrecision(4))} of 30000 calls`);
    expect(weights).toContain('max weight');
    if (result.estimate.khat === null) expect(weights).not.toContain('k-hat');
    else expect(weights).toContain(`Pareto k-hat`);
    expect(ms).toBeLessThan(30000);
  });

  test('optional fields: the adaptive map level in the training picture and k-hat in the weights title', async () => {
    const extended = structuredClone(result) as IntegrationResult & { estimate: { paretoK: number }; training: { mapRelSdev: number } };
    extended.estimate.paretoK = 0.4321;
    extended.training.mapRelSdev = 0.8;
    const pictures = await renderPictures(extended);
    const train = svgOf(pictures, 'training.svg');
    expect(markItems(train, 'rule')).toEqual([1]);
    expect(train).toContain('adaptive map alone: 0.8');
    expect(svgOf(pictures, 'weights.svg')).toContain('Pareto k-hat 0.432');
  });

  test('without histograms only the training history is drawn; index.html is self-contained', async () => {
    const bare = { ...result, histograms: undefined };
    const pictures = await renderPictures(bare);
    expect(pictures.map((p) => p.file)).toEqual(['training.svg']);
    const all = await renderPictures(result);
    const html = renderIndex(result, all);
    expect((html.match(/<svg /g) ?? []).length).toBe(4);
    // nothing fetched: no scripts, links, images or sources; url() only to ids on the page
    expect(/<script|<link|<img|\ssrc=|href="http/i.test(html)).toBe(false);
    const refs = [...html.matchAll(/url\(([^)]*)\)/g)].map((m) => m[1]);
    for (const ref of refs) expect(html.includes(`id="${ref.slice(1)}"`) && ref.startsWith('#')).toBe(true);
    const ids = [...html.matchAll(/\bid="([^"]+)"/g)].map((m) => m[1]);
    expect(new Set(ids).size).toBe(ids.length);
    expect(html).toContain('exp(-sum((x-0.5).^2)/0.04)');
    expect(html).toContain('ESS');
  });
});
