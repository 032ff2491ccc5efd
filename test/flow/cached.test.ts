/**
 * The cached training gradient (sampling pass with kept activations, hand-written reverse
 * pass of the inverse chain) against tfjs autodiff through logProb at the same points.
 */
import * as tf from '@tensorflow/tfjs';
import { defaultFlowConfig, Flow } from '../../src/flow/flow';
import { setFusedSplines } from '../../src/flow/splines/fused';
import type { SplineKind } from '../../src/flow/types';
import { Rng } from '../../src/rng';
import { backends, useBackend } from './helpers';
import { buildProblem } from '../../src/problem';
import { trainFlow, type TrainOptions } from '../../src/train/trainer';

const trainDefaults: TrainOptions = {
  epochs: 1,
  batch: 256,
  lr: 1e-2,
  decay: 0,
  clip: 10,
  loss: 'variance',
  anneal: 0,
  annealStart: 0.1,
  evalSamples: 1000,
  nan: 'error',
  threads: 1,
};

const kinds: SplineKind[] = ['rqs', 'pwquad', 'pwlinear'];

function randomFlow(dim: number, spline: SplineKind, layers?: number): Flow {
  const flow = Flow.create(defaultFlowConfig({ dim, spline, bins: 8, hidden: [16, 16], layers }), 3);
  const flat = flow.getFlatWeights();
  const rng = new Rng(5, 1);
  for (let i = 0; i < flat.length; i++) flat[i] += 0.3 * (rng.next() - 0.5);
  flow.setFlatWeights(flat);
  return flow;
}

describe.each(backends)('cached gradient on %s', (backend) => {
  beforeAll(() => useBackend(backend));

  test.each(kinds.flatMap((k) => [2, 3, 6].map((d) => [k, d] as const)))('%s d=%i equals autodiff through logProb', (spline, dim) => {
    const flow = randomFlow(dim, spline);
    expect(flow.supportsCachedGradient).toBe(true);
    const n = 150;
    const z = tf.tensor2d(new Rng(7, 2).fill(new Float32Array(n * dim)) as Float32Array, [n, dim]);
    const w = tf.tensor1d((new Rng(8, 2).fill(new Float32Array(n)) as Float32Array).map((u) => 2 * u - 1));
    const before = tf.memory().numTensors;
    const { x, logQ, cache } = flow.forwardCached(z);
    // the values are those of the plain forward pass
    const plain = flow.forward(z);
    expect(Array.from(x.dataSync())).toEqual(Array.from(plain.x.dataSync()));
    expect(Array.from(logQ.dataSync())).toEqual(Array.from(plain.logQ.dataSync()));
    const got = flow.cachedGradient(cache, w);
    const ref = tf.variableGrads(() => tf.sum(tf.mul(w, flow.logProb(x))) as tf.Scalar, flow.variables);
    let worst = 0;
    let scale = 0;
    flow.variables.forEach((v, i) => {
      const a = got[i].dataSync();
      const b = ref.grads[v.name].dataSync();
      expect(a.length).toBe(b.length);
      for (let k = 0; k < a.length; k++) {
        worst = Math.max(worst, Math.abs(a[k] - b[k]));
        scale = Math.max(scale, Math.abs(b[k]));
      }
    });
    expect(scale).toBeGreaterThan(1);
    expect(worst).toBeLessThan(1e-4 * scale);
    tf.dispose([x, logQ, cache, plain.x, plain.logQ, got, ref.value, ref.grads]);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([z, w]);
    flow.dispose();
  });
});

describe('when the cached gradient does not apply', () => {
  beforeAll(() => useBackend('cpu'));

  test('one-blob inputs, d = 1 and the composite splines fall back to autodiff', () => {
    const blob = Flow.create(defaultFlowConfig({ dim: 3, spline: 'rqs', blob: 4 }), 1);
    const one = Flow.create(defaultFlowConfig({ dim: 1, spline: 'rqs' }), 1);
    const plain = Flow.create(defaultFlowConfig({ dim: 3, spline: 'rqs' }), 1);
    expect(blob.supportsCachedGradient).toBe(false);
    expect(one.supportsCachedGradient).toBe(false);
    expect(plain.supportsCachedGradient).toBe(true);
    const before = setFusedSplines(false);
    try {
      expect(plain.supportsCachedGradient).toBe(false);
    } finally {
      setFusedSplines(before);
    }
    [blob, one, plain].forEach((f) => f.dispose());
  });

  test.each(['additive', 'affine'] as const)(
    'the %s logit coupling trains through autodiff: one training step moves its weights',
    async (spline) => {
      const flow = Flow.create(defaultFlowConfig({ dim: 3, spline, hidden: [8] }), 1);
      expect(flow.supportsCachedGradient).toBe(false);
      const problem = buildProblem({ expression: 'exp(-sum((x - 0.3).^2) / 0.02)', dim: 3 });
      const before = flow.getFlatWeights();
      const report = await trainFlow(flow, problem, new Rng(1, 2), { ...trainDefaults, epochs: 3, batch: 256, threads: 1 });
      expect(report.epochs).toBe(3);
      const after = flow.getFlatWeights();
      expect(after.every(Number.isFinite)).toBe(true);
      expect(after.some((v, i) => v !== before[i])).toBe(true);
      flow.dispose();
    },
  );
});
