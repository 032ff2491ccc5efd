import * as tf from '@tensorflow/tfjs';
import { defaultFlowConfig, Flow } from '../../src/flow/flow';
import { buildMasks } from '../../src/flow/masks';
import type { FlowConfig, SplineKind } from '../../src/flow/types';
import { forwardData, logProbData, maxAbsDiff, perturbedFlow, uniform, useBackend } from './helpers';
import { numericalLogAbsDet, ReferenceFlow } from './reference';

const kinds: SplineKind[] = ['rqs', 'pwlinear', 'pwquad', 'additive', 'affine'];

/**
 * Output-layer perturbation of the test flows. The logit couplings' slopes are unbounded:
 * compositions of large scales push points within the float32 spacing of 1, where no inverse
 * recovers them, so their flows are perturbed less (their log q still varies, as checked).
 */
function testFlow(dim: number, spline: SplineKind): Flow {
  const logit = spline === 'additive' || spline === 'affine';
  return perturbedFlow(dim, spline, 3, logit ? (dim === 1 ? 0.5 : dim > 8 ? 0.05 : 0.1) : dim > 8 ? 0.1 : 0.3);
}

describe('defaultFlowConfig', () => {
  it('fills the defaults and the masks', () => {
    const c = defaultFlowConfig({ dim: 6 });
    expect(c).toEqual({ dim: 6, spline: 'rqs', bins: 16, layers: 6, hidden: [32, 32, 32], blob: 0, masks: buildMasks(6) });
    expect(defaultFlowConfig({ dim: 3, layers: 5, spline: 'pwlinear', blob: 4 }).masks).toHaveLength(5);
    expect(() => defaultFlowConfig({ dim: 8, layers: 2 })).toThrow(RangeError);
    expect(defaultFlowConfig({ dim: 8, layers: 2, force: true }).layers).toBe(2);
  });
});

describe('Flow at initialisation (wasm)', () => {
  beforeAll(() => useBackend('wasm'));

  it.each(kinds)('%s: is the identity with zero log q', (spline) => {
    for (const dim of [1, 3, 6]) {
      const flow = Flow.create(defaultFlowConfig({ dim, spline, bins: 8, blob: dim === 3 ? 4 : 0 }), 5);
      const n = 50;
      const z = uniform(n, dim, 1);
      const { x, logQ } = forwardData(flow, z, n);
      expect(maxAbsDiff(x, z)).toBeLessThan(1e-6);
      expect(Math.max(...Array.from(logQ, Math.abs))).toBeLessThan(1e-5);
      expect(Math.max(...Array.from(logProbData(flow, z, n), Math.abs))).toBeLessThan(1e-5);
      flow.dispose();
    }
  });

  it('leaves only the returned tensors behind', () => {
    const flow = perturbedFlow(6, 'rqs');
    const z = tf.tensor2d(uniform(10, 6, 3), [10, 6]);
    const before = tf.memory().numTensors;
    const f = flow.forward(z);
    const i = flow.inverse(f.x);
    const lp = flow.logProb(f.x);
    expect(tf.memory().numTensors).toBe(before + 5);
    tf.dispose([f.x, f.logQ, i.z, i.logQ, lp]);
    for (let k = 0; k < 3; k++)
      tf.tidy(() => {
        flow.logProb(flow.forward(z).x);
      });
    expect(tf.memory().numTensors).toBe(before);
    z.dispose();
    const held = tf.memory().numTensors;
    flow.dispose();
    expect(tf.memory().numTensors).toBeLessThan(held);
  });

  it('draws its weights from the seed', () => {
    const config = defaultFlowConfig({ dim: 4, bins: 4 });
    const [a, b, c] = [Flow.create(config, 11), Flow.create(config, 11), Flow.create(config, 12)];
    expect(b.serialize()).toEqual(a.serialize());
    expect(c.serialize().weights[0].values).not.toEqual(a.serialize().weights[0].values);
    const names = a.serialize().weights.map((w) => w.name);
    expect(new Set(names).size).toBe(names.length);
    expect(a.variables).toHaveLength(4 * 8);
    expect(a.parameterCount).toBe(4 * (3 * 32 + 32 + 2 * (32 * 32 + 32) + 32 * 13 + 13));
    [a, b, c].forEach((f) => f.dispose());
  });

  it('rejects inconsistent configs without leaking tensors', () => {
    const good = defaultFlowConfig({ dim: 3 });
    const before = tf.memory().numTensors;
    const bad: FlowConfig[] = [
      { ...good, dim: 0 },
      { ...good, layers: 2 },
      {
        ...good,
        masks: [
          [true, false],
          [false, true],
          [true, true],
        ],
      },
      {
        ...good,
        masks: [
          [false, false, false],
          [false, true, false],
          [false, false, true],
        ],
      },
      { ...good, bins: 0 },
      { ...good, hidden: [0] },
      { ...good, blob: -1 },
      { ...good, spline: 'cubic' as SplineKind },
    ];
    for (const config of bad) expect(() => Flow.create(config, 1)).toThrow();
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe.each(kinds)('Flow with %s splines and perturbed weights (wasm)', (spline) => {
  beforeAll(() => useBackend('wasm'));

  it.each([1, 2, 3, 6, 16])('d=%i: matches the float64 chain and its finite-difference Jacobian', (dim) => {
    const flow = testFlow(dim, spline);
    const ref = new ReferenceFlow(flow.serialize());
    const n = 6;
    const z = uniform(n, dim, 2 + dim);
    const { x, logQ } = forwardData(flow, z, n);
    for (let i = 0; i < n; i++) {
      const point = Array.from(z.subarray(i * dim, (i + 1) * dim), Number);
      const exact = ref.apply(point, false);
      expect(maxAbsDiff(x.subarray(i * dim, (i + 1) * dim), exact.y)).toBeLessThan(2e-5);
      expect(Math.abs(logQ[i] + exact.logAbsDet)).toBeLessThan(1e-4 * Math.max(1, Math.abs(exact.logAbsDet)));
      const numerical = numericalLogAbsDet((p) => ref.apply(p, false).y, point, 1e-6);
      expect(Math.abs(numerical - exact.logAbsDet)).toBeLessThan(1e-5);
      const back = ref.apply(exact.y, true);
      expect(maxAbsDiff(back.y, point)).toBeLessThan(1e-9);
      expect(Math.abs(back.logAbsDet + exact.logAbsDet)).toBeLessThan(1e-9);
    }
    // The map is not the identity: log q varies.
    expect(Math.max(...Array.from(logQ, Math.abs))).toBeGreaterThan(0.05);
    flow.dispose();
  });

  it.each([1, 2, 3, 6, 16])('d=%i: inverse undoes forward and the log-dets cancel', (dim) => {
    const flow = testFlow(dim, spline);
    const n = 200;
    const z = uniform(n, dim, 40 + dim);
    const { x, logQ } = forwardData(flow, z, n);
    const xt = tf.tensor2d(x, [n, dim]);
    const inv = flow.inverse(xt);
    expect(maxAbsDiff(inv.z.dataSync(), z)).toBeLessThan(1e-4);
    expect(maxAbsDiff(inv.logQ.dataSync(), logQ)).toBeLessThan(1e-3);
    expect(maxAbsDiff(logProbData(flow, x, n), logQ)).toBeLessThan(1e-3);
    tf.dispose([xt, inv.z, inv.logQ]);
    flow.dispose();
  });
});

describe.each(kinds)('q of a %s flow', (spline) => {
  beforeAll(() => useBackend('wasm'));

  it('integrates to 1 over the unit square', () => {
    // the affine coupling's density behaves like x^(s-1) at the edges, which the midpoint rule
    // resolves less well: a smaller perturbation keeps s near 1
    const flow = perturbedFlow(2, spline, 4, spline === 'affine' ? 0.3 : 0.5);
    const g = 200;
    const grid = new Float32Array(g * g * 2);
    for (let i = 0; i < g; i++) {
      for (let j = 0; j < g; j++) {
        grid[2 * (i * g + j)] = (i + 0.5) / g;
        grid[2 * (i * g + j) + 1] = (j + 0.5) / g;
      }
    }
    const logQ = logProbData(flow, grid, g * g);
    let sum = 0;
    let max = 0;
    for (const v of logQ) {
      sum += Math.exp(v);
      max = Math.max(max, Math.abs(v));
    }
    expect(max).toBeGreaterThan(0.1);
    expect(Math.abs(sum / (g * g) - 1)).toBeLessThan(5e-3);
    flow.dispose();
  });
});

describe('serialization', () => {
  beforeAll(() => useBackend('cpu'));

  it('round-trips exactly through JSON', () => {
    const flow = perturbedFlow(3, 'rqs');
    const data = flow.serialize();
    const copy = Flow.deserialize(JSON.parse(JSON.stringify(data)));
    expect(copy.serialize()).toEqual(data);
    const z = uniform(20, 3, 9);
    expect(Array.from(forwardData(copy, z, 20).logQ)).toEqual(Array.from(forwardData(flow, z, 20).logQ));
    // The copy is independent of the original.
    flow.dispose();
    expect(forwardData(copy, z, 20).x).toHaveLength(60);
    copy.dispose();
  });

  it('rejects weights that do not fit the config without leaking', () => {
    const flow = perturbedFlow(2, 'pwlinear');
    const data = flow.serialize();
    flow.dispose();
    const before = tf.memory().numTensors;
    const renamed = { ...data, weights: data.weights.map((w, i) => (i === 0 ? { ...w, name: 'x' } : w)) };
    const reshaped = { ...data, weights: data.weights.map((w, i) => (i === 1 ? { ...w, shape: [w.values.length, 1] } : w)) };
    const truncated = { ...data, weights: data.weights.slice(1) };
    const nonFinite = { ...data, weights: data.weights.map((w, i) => (i === 0 ? { ...w, values: w.values.map(() => NaN) } : w)) };
    const otherConfig = { ...data, config: { ...data.config, bins: 4 } };
    for (const bad of [renamed, reshaped, truncated, nonFinite, otherConfig]) expect(() => Flow.deserialize(bad)).toThrow();
    expect(tf.memory().numTensors).toBe(before);
  });
});
