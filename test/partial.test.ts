import { integrateOptionsSchema } from '../src/options';
import { UsageError } from '../src/errors';
import { prepareProblem, runIntegrateDetailed } from '../src/integrate';
import type { ObservableMoments } from '../src/observables/moments';
import type { ObservableOptionsInput } from '../src/observables/options';
import {
  accumulate,
  emptyMoments,
  integralEstimate,
  mergeMoments,
  setStratifiedVariance,
  trimTails,
  type Moments,
} from '../src/estimate/stats';
import { paretoKHat, TAIL_KEEP } from '../src/estimate/tail';
import { summarize } from '../src/estimate/summary';
import {
  checkMergeable,
  mergePartials,
  partialFromRun,
  partialSchema,
  type NamedPartial,
  type PartialDocument,
  type StreamRecord,
} from '../src/partial';
import type { TrainingReport } from '../src/report/schema';
import { resultSchema } from '../src/report/schema';
import { Rng } from '../src/rng';

/** Moments of n weights w = 3 u1^2 (u uniform) with one event (u1 > 0.5). */
function moments(seed: number, n: number): Moments {
  const rng = new Rng(seed, 3);
  const m = emptyMoments(2, 1);
  const x = new Float64Array(2 * n);
  rng.fill(x);
  const w = new Float64Array(n);
  const hit = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    w[i] = 3 * x[2 * i] ** 2;
    hit[i] = x[2 * i] > 0.5 ? 1 : 0;
  }
  accumulate(m, w, x, n, [hit]);
  return m;
}

const training = (calls: number): TrainingReport => ({
  epochs: 10,
  batch: calls / 10,
  calls,
  seconds: 2,
  loss: 'variance',
  finalLoss: 0.1,
  finalBatchRelSdev: 0.3,
  stoppedEarly: false,
  stopReason: null,
  lrReductions: 0,
  history: [],
});

/** The streams a single run with these fields draws from. */
function streamsOf(d: Pick<PartialDocument, 'seed' | 'method' | 'flowDigest' | 'baseline' | 'iterations'>): StreamRecord[] {
  if (d.seed === null) return [];
  const calls = d.iterations.reduce((s, m) => s + m.n, 0);
  const out: StreamRecord[] = [{ seed: d.seed, stream: 'evaluate', flowDigest: d.method === 'flow' ? d.flowDigest : null, calls }];
  if (d.baseline) out.push({ seed: d.seed, stream: 'baseline', flowDigest: null, calls: d.baseline.n });
  return out;
}

function doc(seed: number, over: Partial<PartialDocument> = {}): PartialDocument {
  const fields = {
    format: 'iflow-partial' as const,
    version: 2 as const,
    iflow: '0.1.0',
    command: 'integrate' as const,
    problem: {
      expression: '3*x1^2',
      dim: 2,
      bounds: [
        [0, 1],
        [0, 1],
      ] as [number, number][],
      params: { a: 2 },
      events: ['x1 > 0.5'],
    },
    method: 'uniform' as const,
    seed,
    parts: 1,
    interrupted: false,
    iterations: [moments(seed, 3000), moments(seed + 1000, 2000)],
    baseline: null,
    training: null,
    flow: null,
    flowDigest: null,
    backend: null,
    seconds: { train: 0, evaluate: 1, baseline: 0, total: 1.5 },
    ...over,
  };
  return partialSchema.parse({ ...fields, streams: over.streams ?? streamsOf(fields) });
}

const named = (docs: PartialDocument[]): NamedPartial[] => docs.map((d, i) => ({ name: `part-${i + 1}.json`, doc: d }));

describe('partial documents and merge', () => {
  test('moments survive a JSON round trip exactly', () => {
    const d = doc(1);
    expect(partialSchema.parse(JSON.parse(JSON.stringify(d)))).toEqual(d);
  });

  test('a stratified variance (varSumW) survives the JSON round trip and the merge', () => {
    const strat = (seed: number) => {
      const m = moments(seed, 3000);
      setStratifiedVariance(m, { varSumW: 40 + seed });
      return m;
    };
    const d = doc(1, { iterations: [strat(1), strat(2)] });
    const back = partialSchema.parse(JSON.parse(JSON.stringify(d)));
    expect(back.iterations[0].varSumW).toBe(d.iterations[0].varSumW);
    const { partial } = mergePartials(named([d, doc(5, { iterations: [strat(5)] })]));
    const total = partial.iterations.reduce((a, b) => mergeMoments(a, b), emptyMoments(2, 1));
    expect(total.varSumW! * total.scale * total.scale).toBeCloseTo(41 + 42 + 45, 9);
    expect(integralEstimate(total).sdev).toBeCloseTo(Math.sqrt(128) / 9000, 12);
  });

  test('the merged estimate is the summary of the summed moments; each file is one iteration', () => {
    const docs = [doc(1), doc(2), doc(3)];
    const { result, partial } = mergePartials(named(docs));
    resultSchema.parse(result);
    const perFile = docs.map((d) => mergeMoments(mergeMoments(emptyMoments(2, 1), d.iterations[0]), d.iterations[1]));
    const total = perFile.reduce((a, b) => mergeMoments(a, b), emptyMoments(2, 1));
    // the verdict adds the files' Q to that of the weights
    expect(result.estimate).toEqual({ ...summarize(total, ['x1 > 0.5']), verdict: result.estimate.verdict });
    expect(result.estimate.verdict.reliable).toBe(result.Q! >= 0.05);
    expect(result.iterations.map((r) => r.calls)).toEqual([5000, 5000, 5000]);
    expect(result.iterations[1].integral.mean).toBe(integralEstimate(perFile[1]).mean);
    expect(result.command).toBe('merge');
    expect(result.seed).toBeNull();
    expect(result.seconds.total).toBeCloseTo(4.5, 12);
    expect(partial.parts).toBe(3);
    expect(partial.iterations).toEqual(trimTails(perFile));
    // merging merged documents gives the same estimate and k-hat (its Q compares other iterations)
    const again = mergePartials(named([partial]));
    expect({ ...again.result.estimate, verdict: null }).toEqual({ ...result.estimate, verdict: null });
    expect(result.estimate.khat).not.toBeNull();
  });

  test.each<[string, Partial<PartialDocument>, RegExp]>([
    [
      'expression',
      {
        problem: {
          expression: '3*x2^2',
          dim: 2,
          bounds: [
            [0, 1],
            [0, 1],
          ],
          params: { a: 2 },
          events: ['x1 > 0.5'],
        },
      },
      /expression "3\*x2\^2" vs "3\*x1\^2"/,
    ],
    [
      'bounds',
      {
        problem: {
          expression: '3*x1^2',
          dim: 2,
          bounds: [
            [0, 1],
            [0, 2],
          ],
          params: { a: 2 },
          events: ['x1 > 0.5'],
        },
      },
      /bounds/,
    ],
    [
      'params',
      {
        problem: {
          expression: '3*x1^2',
          dim: 2,
          bounds: [
            [0, 1],
            [0, 1],
          ],
          params: { a: 3 },
          events: ['x1 > 0.5'],
        },
      },
      /params/,
    ],
    [
      'events',
      {
        problem: {
          expression: '3*x1^2',
          dim: 2,
          bounds: [
            [0, 1],
            [0, 1],
          ],
          params: { a: 2 },
          events: ['x1 > 0.6'],
        },
      },
      /events/,
    ],
    ['method', { method: 'flow' }, /method flow vs uniform/],
  ])('a different %s is a UsageError naming both files', (_what, over, message) => {
    const parts = named([doc(1), doc(2, over)]);
    expect(() => checkMergeable(parts)).toThrow(UsageError);
    expect(() => checkMergeable(parts)).toThrow(/part-2\.json describes a different problem than part-1\.json/);
    expect(() => checkMergeable(parts)).toThrow(message);
  });

  test('the same seed twice is refused; the same seed with another flow is not', () => {
    expect(() => checkMergeable(named([doc(1), doc(1)]))).toThrow(
      /part-2\.json and part-1\.json hold the same samples \(the uniform samples of seed 1\)/,
    );
    const flow = { method: 'flow' as const, command: 'evaluate' as const };
    expect(() => checkMergeable(named([doc(1, { ...flow, flowDigest: 'a' }), doc(1, { ...flow, flowDigest: 'b' })]))).not.toThrow();
    expect(() => checkMergeable(named([doc(1, { ...flow, flowDigest: 'a' }), doc(1, { ...flow, flowDigest: 'a' })]))).toThrow(
      /the flow samples of seed 1, flow a/,
    );
    expect(() =>
      checkMergeable([
        { name: 'a.json', doc: doc(1) },
        { name: 'a.json', doc: doc(1) },
      ]),
    ).toThrow(/a\.json is given twice/);
    expect(() => checkMergeable([])).toThrow(/nothing to merge/);
  });

  test('a part inside a merged file is refused, naming both files', () => {
    const merged = mergePartials(named([doc(1), doc(2)])).partial;
    expect(merged.streams.map((s) => s.seed)).toEqual([1, 2]);
    const parts = [
      { name: 'merged.json', doc: merged },
      { name: 'part-2.json', doc: doc(2) },
    ];
    expect(() => checkMergeable(parts)).toThrow(UsageError);
    expect(() => checkMergeable(parts)).toThrow(/part-2\.json and merged\.json hold the same samples \(the uniform samples of seed 2\)/);
    // the merged file with another run is fine, and its k-hat comes from the pooled tail
    const again = mergePartials([
      { name: 'merged.json', doc: merged },
      { name: 'part-3.json', doc: doc(3) },
    ]);
    expect(again.partial.streams.map((s) => s.seed)).toEqual([1, 2, 3]);
    const all = [doc(1), doc(2), doc(3)].flatMap((d) => d.iterations).reduce((a, b) => mergeMoments(a, b), emptyMoments(2, 1));
    expect(again.result.estimate.khat).toBe(paretoKHat(all.top, all.n));
  });

  test('two copies of one merged file are refused', () => {
    const merged = mergePartials(named([doc(1), doc(2)])).partial;
    const copy = JSON.parse(JSON.stringify(merged));
    expect(() =>
      checkMergeable([
        { name: 'm.json', doc: merged },
        { name: 'm-copy.json', doc: partialSchema.parse(copy) },
      ]),
    ).toThrow(/m-copy\.json and m\.json hold the same samples \(the uniform samples of seed 1\)/);
  });

  test('two flow runs of one seed with different flows share their uniform baseline: refused', () => {
    const flowRun = (digest: string) =>
      doc(1, { method: 'flow', flowDigest: digest, baseline: moments(60, 1000), training: training(4000) });
    const parts = [
      { name: 'a.json', doc: flowRun('aaaa') },
      { name: 'b.json', doc: flowRun('bbbb') },
    ];
    expect(() => checkMergeable(parts)).toThrow(/b\.json and a\.json hold the same samples \(the uniform baseline of seed 1\)/);
  });

  test('a document with samples but no streams is refused', () => {
    expect(() => checkMergeable(named([doc(1, { streams: [] }), doc(2)]))).toThrow(/does not list the random streams/);
  });

  test('partial documents keep only the tail the pooled k-hat needs', () => {
    const n = 20000;
    const rng = new Rng(9, 3);
    const iterations = [0, 1, 2].map(() => {
      const m = emptyMoments(1, 0);
      const w = new Float64Array(n);
      for (let i = 0; i < n; i++) w[i] = Math.pow(rng.next(), -0.6);
      accumulate(m, w, new Float64Array(n), n);
      return m;
    });
    const pooledTop = iterations.reduce((a, b) => mergeMoments(a, b), emptyMoments(1, 0)).top;
    expect(pooledTop).toHaveLength(TAIL_KEEP);
    const trimmed = trimTails(iterations);
    expect(trimmed.reduce((s, m) => s + m.top.length, 0)).toBe(TAIL_KEEP);
    expect(trimmed.reduce((a, b) => mergeMoments(a, b), emptyMoments(1, 0)).top).toEqual(pooledTop);
  });

  test('a shared flow counts its training once; separate flows add up', () => {
    const flow = { method: 'flow' as const, command: 'evaluate' as const, training: training(5000) };
    const shared = mergePartials(named([doc(1, { ...flow, flowDigest: 'a' }), doc(2, { ...flow, flowDigest: 'a' })]));
    expect(shared.result.calls.train).toBe(5000);
    expect(shared.result.training).toEqual(training(5000));
    expect(shared.partial.flowDigest).toBe('a');
    const own = { method: 'flow' as const, training: training(4000) };
    const separate = mergePartials(named([doc(1, { ...own, flowDigest: 'a' }), doc(2, { ...own, flowDigest: 'b' })]));
    expect(separate.result.calls.train).toBe(8000);
    expect(separate.result.training?.seconds).toBe(4);
    expect(separate.partial.flowDigest).toBeNull();
  });

  test('baselines are summed when every part has one, else left out with a warning', () => {
    const b1 = moments(50, 1000);
    const b2 = moments(51, 1000);
    const both = mergePartials(named([doc(1, { baseline: b1 }), doc(2, { baseline: b2 })]));
    expect(both.result.baseline).toEqual(summarize(mergeMoments(mergeMoments(emptyMoments(2, 1), b1), b2), ['x1 > 0.5']));
    const warnings: string[] = [];
    const one = mergePartials(named([doc(1, { baseline: b1 }), doc(2)]), (m) => warnings.push(m));
    expect(one.result.baseline).toBeNull();
    expect(warnings.join(' ')).toMatch(/baseline is left out: only 1 of 2 parts/);
    expect(one.result.warnings.join(' ')).toMatch(/baseline is left out/);
  });

  test('the schema checks the shape of the moments against the problem', () => {
    const bad = JSON.parse(JSON.stringify(doc(1)));
    bad.iterations[0].coords.pop();
    expect(partialSchema.safeParse(bad).success).toBe(false);
    const nan = JSON.parse(JSON.stringify(doc(1)));
    nan.iterations[0].sumW = 'x';
    expect(partialSchema.safeParse(nan).success).toBe(false);
  });
});

describe('partial documents with further integrands and observable histograms', () => {
  const observables = {
    also: [
      { expression: 'cos(3*x1 + x2)', label: 'Re' },
      { expression: 'sin(3*x1 + x2)', label: 'Im' },
    ],
    histograms: [{ observable: 'x1 + x2', lo: 0.5, hi: 1.5, bins: 8 }],
  };

  async function partialRun(
    seed: number,
    method: 'uniform' | 'vegas',
    obs: ObservableOptionsInput = observables,
  ): Promise<PartialDocument> {
    const options = integrateOptionsSchema.parse({
      expression: '1 + x1*x2',
      dim: 2,
      method,
      samples: 6000,
      iterations: 2,
      seed,
      baseline: method === 'uniform' ? false : true,
    });
    const out = await runIntegrateDetailed(prepareProblem(options, undefined, undefined, obs));
    // what `--partial` prints, read back as `merge` reads it
    return partialSchema.parse(JSON.parse(JSON.stringify(partialFromRun(out, null))));
  }

  test.each(['uniform', 'vegas'] as const)('%s: merge adds the sums of the parts exactly', async (method) => {
    const a = await partialRun(1, method);
    const b = await partialRun(2, method);
    expect(a.problem.observables?.also.map((g) => g.label)).toEqual(['Re', 'Im']);
    expect(a.iterations[0].observables?.n).toBe(a.iterations[0].n);
    expect(a.baseline?.observables).toBeUndefined();
    const { partial, result } = mergePartials(named([a, b]));
    resultSchema.parse(result);
    const pooledA = a.iterations.reduce((x, y) => mergeMoments(x, y), emptyMoments(2, 0));
    const pooledB = b.iterations.reduce((x, y) => mergeMoments(x, y), emptyMoments(2, 0));
    expect(partial.iterations.map((m) => m.observables)).toEqual(trimTails([pooledA, pooledB]).map((m) => m.observables));
    const oa = pooledA.observables as ObservableMoments;
    const ob = pooledB.observables as ObservableMoments;
    expect(oa.scale).toBe(ob.scale);
    const total = partial.iterations.reduce((x, y) => mergeMoments(x, y), emptyMoments(2, 0)).observables as ObservableMoments;
    expect(total.sums).toEqual(oa.sums.map((v, i) => v + ob.sums[i]));
    expect(total.products).toEqual(oa.products.map((v, i) => v + ob.products[i]));
    expect(total.histograms[0].s1).toEqual(oa.histograms[0].s1.map((v, i) => v + ob.histograms[0].s1[i]));
    expect(total.histograms[0].s2).toEqual(oa.histograms[0].s2.map((v, i) => v + ob.histograms[0].s2[i]));
    if (method === 'vegas') expect(total.strataCov).toEqual(oa.strataCov?.map((v, i) => v + (ob.strataCov as number[])[i]));
    else expect(total.strataCov).toBeUndefined();
    // the merged result's observables are the summary of the summed sums
    const o = result.observables;
    expect(o?.calls).toBe(12000);
    expect(o?.integrals[0].integral.mean).toBeCloseTo((total.sums[1] / total.n) * total.scale, 14);
    expect(o?.histograms[0].bins).toHaveLength(8);
    // merging the merged document again gives the same observables
    const again = mergePartials(named([partial]));
    expect(again.result.observables?.integrals.map((g) => g.integral)).toEqual(o?.integrals.map((g) => g.integral));
    expect(again.result.observables?.histograms).toEqual(o?.histograms);
  });

  test('documents of different histogram specs (or without observables) are not merged', async () => {
    const a = await partialRun(1, 'uniform');
    const other = await partialRun(2, 'uniform', { ...observables, histograms: [{ observable: 'x1 + x2', lo: 0.5, hi: 1.5, bins: 10 }] });
    expect(() => checkMergeable(named([a, other]))).toThrow(UsageError);
    expect(() => checkMergeable(named([a, other]))).toThrow(/further integrands or observable histograms/);
    const plain = await partialRun(3, 'uniform', {});
    expect(plain.problem.observables).toBeUndefined();
    expect(plain.iterations[0].observables).toBeUndefined();
    expect(() => checkMergeable(named([a, plain]))).toThrow(/further integrands or observable histograms/);
  });

  test('the schema checks the sums against problem.observables', async () => {
    const a = await partialRun(1, 'uniform');
    const bad = JSON.parse(JSON.stringify(a));
    bad.iterations[0].observables.histograms[0].s1.pop();
    expect(partialSchema.safeParse(bad).success).toBe(false);
    const missing = JSON.parse(JSON.stringify(a));
    delete missing.iterations[0].observables;
    expect(partialSchema.safeParse(missing).success).toBe(false);
  });
});
