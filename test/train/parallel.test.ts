/**
 * Data-parallel training: slices computed in worker threads give exactly the numbers of the
 * same slices computed in this thread, and training with workers reproduces training without.
 * The worker runs the compiled dist/workers/worker.js (npm test builds it first).
 */
import { initBackend } from '../../src/backend';
import { defaultFlowConfig, Flow } from '../../src/flow/flow';
import { buildProblem } from '../../src/problem';
import { Rng } from '../../src/rng';
import { emptyMoments } from '../../src/estimate/stats';
import { runImportance, SAMPLE_CHUNK } from '../../src/estimate/importance';
import { createStepEngine, MIN_SLICE_POINTS, sliceBounds, sliceCount } from '../../src/train/steps';
import { ForwardPool } from '../../src/workers/forward';
import { workerScript } from '../../src/workers/start';
import { trainFlow, type TrainOptions } from '../../src/train/trainer';

describe('slices', () => {
  test('the slice count depends only on the batch and the thread limit', () => {
    expect(sliceCount(1000, 2)).toBe(1);
    expect(sliceCount(2 * MIN_SLICE_POINTS - 1, 2)).toBe(1);
    expect(sliceCount(2 * MIN_SLICE_POINTS, 2)).toBe(2);
    expect(sliceCount(100_000, 4)).toBe(4);
    expect(sliceCount(100_000, 1)).toBe(1);
  });

  test('slice bounds cover the batch without gaps', () => {
    for (const [batch, slices] of [
      [10, 3],
      [5000, 2],
      [7, 7],
    ]) {
      let next = 0;
      for (let s = 0; s < slices; s++) {
        const [a, b] = sliceBounds(batch, slices, s);
        expect(a).toBe(next);
        expect(b).toBeGreaterThan(a);
        next = b;
      }
      expect(next).toBe(batch);
    }
  });
});

describe('step engine on wasm', () => {
  beforeAll(() => initBackend('wasm'));

  test('the compiled worker script exists', () => {
    expect(workerScript()).toBeDefined();
  });

  // blob 0 takes the cached gradient, blob 4 autodiff through logProb
  test.each([0, 4])('workers give bit-identical samples and gradients (blob %i)', async (blob) => {
    const flow = Flow.create(defaultFlowConfig({ dim: 3, spline: 'rqs', bins: 8, hidden: [16, 16], blob }), 4);
    expect(flow.supportsCachedGradient).toBe(blob === 0);
    // a non-identity flow: random last layers
    const flat = flow.getFlatWeights();
    const rng = new Rng(9, 1);
    for (let i = 0; i < flat.length; i++) flat[i] += 0.2 * (rng.next() - 0.5);
    flow.setFlatWeights(flat);
    expect(Array.from(flow.getFlatWeights())).toEqual(Array.from(flat));
    const batch = 600;
    const z = new Rng(3, 2).fill(new Float32Array(batch * 3)) as Float32Array;
    const coef = Float32Array.from({ length: batch }, (_, i) => Math.sin(i));
    const local = await createStepEngine(flow, { slices: 3, chunk: 128, backend: 'wasm', workers: 'never' });
    const parallel = await createStepEngine(flow, { slices: 3, chunk: 128, backend: 'wasm' });
    expect(local.workers).toBe(0);
    expect(parallel.workers).toBe(2);
    try {
      const a = await local.sample(z, batch);
      const b = await parallel.sample(z, batch);
      expect(Array.from(b.x)).toEqual(Array.from(a.x));
      expect(Array.from(b.logQ)).toEqual(Array.from(a.logQ));
      const ga = await local.gradient(coef, batch);
      const gb = await parallel.gradient(coef, batch);
      expect(Array.from(gb)).toEqual(Array.from(ga));
      expect(ga.some((g) => g !== 0)).toBe(true);
      // a second step with other weights reaches the workers
      flat[flat.length - 1] += 0.5; // a bias of the last layer: moves a spline parameter
      flow.setFlatWeights(flat);
      const c = await parallel.sample(z, batch, flat);
      const d = await local.sample(z, batch);
      expect(Array.from(c.logQ)).toEqual(Array.from(d.logQ));
      expect(Array.from(c.logQ)).not.toEqual(Array.from(a.logQ));
    } finally {
      await Promise.all([local.close(), parallel.close()]);
      flow.dispose();
    }
  });

  test('training with worker threads reproduces training without them', async () => {
    const problem = buildProblem({ expression: 'exp(-((x1-0.4)^2+(x2-0.6)^2)/0.05)', dim: 2, bounds: [], param: [], event: [], tail: [] });
    const options: TrainOptions = {
      epochs: 4,
      batch: 2 * MIN_SLICE_POINTS,
      lr: 1e-2,
      decay: 0,
      clip: 10,
      loss: 'variance',
      evalSamples: 1000,
      nan: 'error',
      threads: 2,
    };
    const run = async (workers: 'auto' | 'never') => {
      const flow = Flow.create(defaultFlowConfig({ dim: 2, spline: 'pwlinear', bins: 8, hidden: [8] }), 5);
      const report = await trainFlow(flow, problem, new Rng(11, 3), { ...options, workers });
      const weights = flow.getFlatWeights();
      flow.dispose();
      return { report, weights };
    };
    const seq = await run('never');
    const par = await run('auto');
    expect(seq.report.slices).toBe(2);
    expect(seq.report.workers).toBe(0);
    expect(par.report.workers).toBe(1);
    expect(par.report.history).toEqual(seq.report.history);
    expect(Array.from(par.weights)).toEqual(Array.from(seq.weights));
  });

  test('no workers for one slice, and a clear error for a bad slice count', async () => {
    const flow = Flow.create(defaultFlowConfig({ dim: 2, spline: 'pwlinear', bins: 4, hidden: [4] }), 1);
    const messages: string[] = [];
    const one = await createStepEngine(flow, { slices: 1, chunk: 64, backend: 'wasm', log: (m) => messages.push(m) });
    expect(one.workers).toBe(0);
    await one.close();
    const other = await createStepEngine(flow, { slices: 2, chunk: 64, backend: 'tensorflow', log: (m) => messages.push(m) });
    expect(other.workers).toBe(0);
    expect(messages.join('\n')).toMatch(/backend tensorflow/);
    await other.close();
    await expect(createStepEngine(flow, { slices: 0, chunk: 64, backend: 'wasm' })).rejects.toThrow(RangeError);
    flow.dispose();
  });

  test('evaluation with worker threads gives the same moments as without', async () => {
    const problem = buildProblem({
      expression: 'exp(-((x1-0.4)^2+(x2-0.6)^2)/0.05)',
      dim: 2,
      bounds: [],
      param: [],
      event: ['x1 > 0.5'],
      tail: [],
    });
    const flow = Flow.create(defaultFlowConfig({ dim: 2, spline: 'rqs', bins: 8, hidden: [8] }), 6);
    const flat = flow.getFlatWeights();
    const rng = new Rng(2, 1);
    for (let i = 0; i < flat.length; i++) flat[i] += 0.2 * (rng.next() - 0.5);
    flow.setFlatWeights(flat);
    const n = 3 * SAMPLE_CHUNK + 123; // a short last chunk
    const local = await runImportance(problem, flow, n, new Rng(4, 5), emptyMoments(2, 1), 'error');
    const pool = await ForwardPool.create(flow, 3, 'wasm');
    expect(pool?.size).toBe(2);
    try {
      const chunks: number[] = [];
      const parallel = await runImportance(
        problem,
        flow,
        n,
        new Rng(4, 5),
        emptyMoments(2, 1),
        'error',
        { onChunk: (done) => chunks.push(done) },
        pool ?? undefined,
      );
      expect(chunks[chunks.length - 1]).toBe(n);
      expect(parallel).toEqual(local);
      expect(parallel.n).toBe(n);
    } finally {
      await pool?.close();
      flow.dispose();
    }
  });
});
