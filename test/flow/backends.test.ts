import * as tf from '@tensorflow/tfjs';
import { defaultFlowConfig, Flow } from '../../src/flow/flow';
import type { SplineKind } from '../../src/flow/types';
import { backends, forwardData, logProbData, maxAbsDiff, perturbedFlow, uniform, useBackend } from './helpers';

const kinds: SplineKind[] = ['rqs', 'pwlinear', 'pwquad', 'additive', 'affine'];

/** max over i of |a_i - b_i| / (1 + |b_i|). */
function maxRelDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]) / (1 + Math.abs(b[i])));
  return m;
}

describe('cpu and wasm', () => {
  // The sampling pass agrees to 1e-5 in x and 2e-5 in log q (relative to 1 + |log q|): the
  // splines compute the same float64 numbers on both backends, but the MLP products are summed
  // in different orders, and their float32 rounding reaches log q through six couplings
  // (measured 1.03e-5 at d = 6). The inverse pass is only accurate to ~1e-5 relative against
  // the float64 reference (rqs, pwquad), so its tolerance is 5e-5.
  it.each(kinds)('%s: give the same flow', async (spline) => {
    for (const dim of [2, 6]) {
      await useBackend('cpu');
      const n = 64;
      const z = uniform(n, dim, 70 + dim);
      const flow = perturbedFlow(dim, spline);
      const data = flow.serialize();
      const cpu = forwardData(flow, z, n);
      const cpuLogProb = logProbData(flow, cpu.x, n);
      flow.dispose();
      await useBackend('wasm');
      const copy = Flow.deserialize(data);
      expect(copy.serialize()).toEqual(data);
      const wasm = forwardData(copy, z, n);
      const wasmLogProb = logProbData(copy, cpu.x, n);
      copy.dispose();
      expect(maxAbsDiff(wasm.x, cpu.x)).toBeLessThan(1e-5);
      expect(maxRelDiff(wasm.logQ, cpu.logQ)).toBeLessThan(2e-5);
      expect(maxRelDiff(wasmLogProb, cpuLogProb)).toBeLessThan(5e-5);
    }
  });
});

// The cpu backend has a large per-op overhead, so it trains the cheaper piecewise-linear flow.
describe.each(backends)('training on %s', (backend) => {
  beforeAll(() => useBackend(backend));
  const spline: SplineKind = backend === 'cpu' ? 'pwlinear' : 'rqs';

  it('takes 100 Adam steps with finite gradients and a constant tensor count', () => {
    const dim = 2;
    const n = 32;
    const flow = Flow.create(defaultFlowConfig({ dim, spline, bins: 4, hidden: [8, 8] }), 21);
    const optimizer: tf.Optimizer = tf.train.adam(1e-2);
    let counts: number[] = [];
    let first = NaN;
    let last = NaN;
    for (let step = 0; step < 100; step++) {
      const z = uniform(n, dim, 1000 + step);
      const { x, logQ } = forwardData(flow, z, n);
      // Weights w = f/q for f = exp(-|x - 0.5|^2 / 0.04), then c = w^2 / mean(w^2).
      const c = new Float64Array(n);
      for (let i = 0; i < n; i++) {
        let s = 0;
        for (let k = 0; k < dim; k++) s += (x[i * dim + k] - 0.5) ** 2;
        c[i] = Math.exp((-2 * s) / 0.04 - 2 * logQ[i]);
      }
      const mean = c.reduce((a, b) => a + b, 0) / n;
      const gradNorm = tf.tidy(() => {
        const xt = tf.tensor2d(x, [n, dim]);
        const ct = tf.tensor1d(Float32Array.from(c, (v) => v / mean));
        const { value, grads } = tf.variableGrads(() => tf.neg(tf.mean(tf.mul(ct, flow.logProb(xt)))) as tf.Scalar, flow.variables);
        optimizer.applyGradients(grads);
        return tf.stack([value, tf.addN(Object.values(grads).map((g) => tf.sum(tf.square(g))))]);
      });
      const [loss, norm] = Array.from(gradNorm.dataSync());
      gradNorm.dispose();
      expect(Number.isFinite(loss) && Number.isFinite(norm)).toBe(true);
      if (step === 0) {
        first = loss;
        expect(norm).toBeGreaterThan(0);
      }
      last = loss;
      counts.push(tf.memory().numTensors);
    }
    counts = counts.slice(1);
    expect(Math.min(...counts)).toBe(Math.max(...counts));
    expect(Number.isFinite(first) && Number.isFinite(last)).toBe(true);
    // Training moved the flow away from the identity.
    const z = uniform(16, dim, 5);
    expect(maxAbsDiff(forwardData(flow, z, 16).x, z)).toBeGreaterThan(1e-3);
    optimizer.dispose();
    flow.dispose();
  });
});
