import * as tf from '@tensorflow/tfjs';
import { Coupling } from '../../src/flow/coupling';
import { getSplineFamily } from '../../src/flow/splines';
import { Rng } from '../../src/rng';
import { maxAbsDiff, uniform, useBackend } from './helpers';

const family = getSplineFamily('rqs');
const bins = 4;

/** Adds seeded noise of size `scale` to every variable of the coupling. */
function perturb(c: Coupling, seed: number, scale: number): void {
  const rng = new Rng(seed, 7);
  for (const { variable } of c.params) {
    const values = Float32Array.from(variable.dataSync(), (v) => v + scale * (2 * rng.next() - 1));
    tf.tidy(() => variable.assign(tf.tensor(values, variable.shape)));
  }
}

describe('Coupling (wasm)', () => {
  beforeAll(() => useBackend('wasm'));

  it('moves only the masked columns and inverts', () => {
    const mask = [true, false, true, false, false];
    const c = new Coupling({ mask, family, bins, hidden: [8], blob: 0 }, new Rng(1, 1), 'c');
    expect(c.params.map((p) => p.name)).toEqual(['c.w0', 'c.b0', 'c.w1', 'c.b1']);
    expect(c.params[2].variable.shape).toEqual([8, 2 * family.paramCount(bins)]);
    perturb(c, 2, 0.5);
    const n = 40;
    const x = tf.tensor2d(uniform(n, 5, 3), [n, 5]);
    const before = tf.memory().numTensors;
    const fwd = c.apply(x, false);
    const inv = c.apply(fwd.y, true);
    expect(fwd.y.shape).toEqual([n, 5]);
    expect(fwd.logAbsDet.shape).toEqual([n]);
    const xs = x.arraySync();
    const ys = fwd.y.arraySync();
    let moved = 0;
    for (let i = 0; i < n; i++) {
      for (const k of [1, 3, 4]) expect(ys[i][k]).toBe(xs[i][k]);
      moved = Math.max(moved, Math.abs(ys[i][0] - xs[i][0]), Math.abs(ys[i][2] - xs[i][2]));
    }
    expect(moved).toBeGreaterThan(1e-3);
    expect(maxAbsDiff(inv.y.dataSync(), x.dataSync())).toBeLessThan(1e-5);
    const sum = tf.add(fwd.logAbsDet, inv.logAbsDet);
    expect(Math.max(...Array.from(sum.dataSync(), Math.abs))).toBeLessThan(1e-5);
    tf.dispose([fwd.y, fwd.logAbsDet, inv.y, inv.logAbsDet, sum]);
    expect(tf.memory().numTensors).toBe(before);
    x.dispose();
    c.dispose();
  });

  it('conditions the spline on the kept columns', () => {
    const c = new Coupling({ mask: [false, true], family, bins, hidden: [8], blob: 3 }, new Rng(4, 1), 'c');
    perturb(c, 5, 0.5);
    // Same transformed value, different kept values: different outputs.
    const x = tf.tensor2d([0.1, 0.5, 0.9, 0.5], [2, 2]);
    const y = c.apply(x, false).y.arraySync();
    expect(Math.abs(y[0][1] - y[1][1])).toBeGreaterThan(1e-4);
    c.dispose();
  });

  it('uses a trainable bias when nothing is kept (d = 1)', () => {
    const c = new Coupling({ mask: [true], family, bins, hidden: [8], blob: 0 }, new Rng(1, 1), 'c');
    expect(c.params.map((p) => [p.name, p.variable.shape])).toEqual([['c.bias', [family.paramCount(bins)]]]);
    const x = tf.tensor2d([0.2, 0.7, 0.2], [3, 1]);
    const identity = c.apply(x, false);
    expect(maxAbsDiff(identity.y.dataSync(), [0.2, 0.7, 0.2])).toBeLessThan(1e-6);
    perturb(c, 6, 1);
    const { value, grads } = tf.variableGrads(() => tf.sum(c.apply(x, false).logAbsDet) as tf.Scalar);
    const g = grads[c.params[0].variable.name];
    expect(g.shape).toEqual([family.paramCount(bins)]);
    expect(Math.max(...Array.from(g.dataSync(), Math.abs))).toBeGreaterThan(0);
    const y = c.apply(x, false).y.dataSync();
    expect(y[0]).toBe(y[2]);
    expect(Math.abs(y[0] - 0.2)).toBeGreaterThan(1e-4);
    tf.dispose([value, g, identity.y, identity.logAbsDet, x]);
    c.dispose();
  });
});
