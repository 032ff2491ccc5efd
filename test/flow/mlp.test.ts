import * as tf from '@tensorflow/tfjs';
import { Mlp, oneBlob } from '../../src/flow/mlp';
import { ColumnSelection } from '../../src/flow/ops';
import { Rng } from '../../src/rng';
import { backends, maxAbsDiff, uniform, useBackend } from './helpers';

const options = { inputs: 3, outputs: 4, hidden: [8, 6], blob: 0 };

describe.each(backends)('Mlp on %s', (backend) => {
  beforeAll(() => useBackend(backend));

  it('starts with zero outputs, He-uniform hidden weights and zero last layer', () => {
    const mlp = new Mlp(options, new Rng(7, 1), 'm');
    expect(mlp.params.map((p) => p.name)).toEqual(['m.w0', 'm.b0', 'm.w1', 'm.b1', 'm.w2', 'm.b2']);
    expect(mlp.params.map((p) => p.variable.shape)).toEqual([[3, 8], [8], [8, 6], [6], [6, 4], [4]]);
    const w0 = mlp.params[0].variable.dataSync();
    const limit = Math.sqrt(6 / 3);
    expect(Math.max(...Array.from(w0, Math.abs))).toBeLessThanOrEqual(limit);
    expect(new Set(w0).size).toBe(w0.length);
    for (const i of [1, 3, 4, 5]) expect(Array.from(mlp.params[i].variable.dataSync()).every((v) => v === 0)).toBe(true);
    const out = mlp.apply(tf.tensor2d(uniform(5, 3, 1), [5, 3]));
    expect(out.shape).toEqual([5, 4]);
    expect(Array.from(out.dataSync()).every((v) => v === 0)).toBe(true);
    out.dispose();
    mlp.dispose();
  });

  it('draws the same weights from the same seed on every backend', () => {
    const mlp = new Mlp(options, new Rng(7, 1), 'm');
    const again = new Mlp(options, new Rng(7, 1), 'm');
    const other = new Mlp(options, new Rng(8, 1), 'm');
    const w = mlp.params[2].variable.dataSync();
    expect(Array.from(again.params[2].variable.dataSync())).toEqual(Array.from(w));
    expect(Array.from(other.params[2].variable.dataSync())).not.toEqual(Array.from(w));
    // Hand-computed first value: rng draws for w0 (3*8 values) come first, then w1.
    const rng = new Rng(7, 1);
    for (let i = 0; i < 24; i++) rng.next();
    expect(w[0]).toBeCloseTo((2 * rng.next() - 1) * Math.sqrt(6 / 8), 6);
    [mlp, again, other].forEach((m) => m.dispose());
  });

  it('is differentiable with respect to all weights', () => {
    const mlp = new Mlp({ ...options, blob: 4 }, new Rng(3, 1), 'm');
    const x = tf.tensor2d(uniform(6, 3, 2), [6, 3]);
    const target = tf.tensor2d(uniform(6, 4, 3), [6, 4]);
    const before = tf.memory().numTensors;
    const { value, grads } = tf.variableGrads(() => tf.sum(tf.square(tf.sub(mlp.apply(x), target))) as tf.Scalar);
    expect(Number.isFinite(value.dataSync()[0])).toBe(true);
    // With a zero last layer only the last layer's weights and bias have non-zero gradients.
    const last = mlp.params.slice(-2).map((p) => grads[p.variable.name]);
    expect(Math.max(...Array.from(last[0].dataSync(), Math.abs))).toBeGreaterThan(0);
    expect(Math.max(...Array.from(last[1].dataSync(), Math.abs))).toBeGreaterThan(0);
    tf.dispose([value, ...Object.values(grads)]);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([x, target]);
    mlp.dispose();
  });

  it('output heads equal picked columns of apply, in value and gradient', () => {
    const mlp = new Mlp({ ...options, outputs: 6 }, new Rng(5, 1), 'm');
    // random last layer, so that every output column differs
    const last = mlp.params.slice(-2).map((p) => p.variable);
    last.forEach((v, i) => v.assign(tf.tensor(uniform(1, v.size, 40 + i), v.shape)));
    const heads = [new ColumnSelection(6, [4, 0]), new ColumnSelection(6, [1, 2, 5])];
    const x = tf.tensor2d(uniform(7, 3, 4), [7, 3]);
    const weights = [tf.tensor2d(uniform(7, 2, 5), [7, 2]), tf.tensor2d(uniform(7, 3, 6), [7, 3])];
    const viaHeads = () => tf.addN(mlp.applyHeads(x, heads).map((h, i) => tf.sum(tf.mul(tf.square(h), weights[i])))) as tf.Scalar;
    const viaApply = () => tf.addN(heads.map((h, i) => tf.sum(tf.mul(tf.square(h.pick(mlp.apply(x))), weights[i])))) as tf.Scalar;
    const a = tf.variableGrads(viaHeads);
    const b = tf.variableGrads(viaApply);
    expect(Math.abs(a.value.dataSync()[0] - b.value.dataSync()[0])).toBeLessThan(1e-5 * Math.abs(b.value.dataSync()[0]));
    for (const { variable } of mlp.params) {
      const ga = a.grads[variable.name].dataSync();
      expect(maxAbsDiff(ga, b.grads[variable.name].dataSync())).toBeLessThan(1e-5 * (1 + Math.max(...Array.from(ga, Math.abs))));
    }
    // the last layer's bias gradient is non-zero only in the picked columns (3 is unused)
    const biasGrad = a.grads[last[1].name].dataSync();
    expect(biasGrad[3]).toBe(0);
    expect(Math.abs(biasGrad[4])).toBeGreaterThan(0);
    tf.dispose([a.value, b.value, ...Object.values(a.grads), ...Object.values(b.grads), x, ...weights]);
    heads.forEach((h) => h.dispose());
    mlp.dispose();
  });

  it('one-blob encodes each input with a Gaussian kernel of width 1/blob', () => {
    const values = [0, 0.3, 1, 0.55];
    const enc = oneBlob(tf.tensor2d(values, [2, 2]), 5);
    expect(enc.shape).toEqual([2, 10]);
    const expected: number[] = [];
    for (const u of values) {
      for (let k = 0; k < 5; k++) expected.push(Math.exp(-0.5 * ((u - (k + 0.5) / 5) * 5) ** 2));
    }
    expect(maxAbsDiff(enc.dataSync(), expected)).toBeLessThan(1e-6);
    enc.dispose();
  });
});

describe('Mlp options', () => {
  it('rejects bad sizes', () => {
    expect(() => new Mlp({ ...options, inputs: 0 }, undefined, 'm')).toThrow(RangeError);
    expect(() => new Mlp({ ...options, hidden: [4, 0] }, undefined, 'm')).toThrow(RangeError);
    expect(() => new Mlp({ ...options, blob: -1 }, undefined, 'm')).toThrow(RangeError);
  });
});
