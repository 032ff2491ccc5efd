import * as tf from '@tensorflow/tfjs';
import { ColumnSelection, columnSums, dense, maskRow, matMulT, selectionValues, transposeProduct } from '../../src/flow/ops';
import { backends, maxAbsDiff, uniform, useBackend } from './helpers';

describe.each(backends)('ops on %s', (backend) => {
  beforeAll(() => useBackend(backend));

  it('matMulT matches matMul in value and gradient', () => {
    const a = tf.tensor2d(uniform(7, 5, 1), [7, 5]);
    const b = tf.tensor2d(uniform(5, 3, 2), [5, 3]);
    const w = tf.tensor2d(uniform(7, 3, 3), [7, 3]);
    const loss = (f: typeof matMulT) => (x: tf.Tensor, y: tf.Tensor) => tf.sum(tf.mul(tf.square(f(x as tf.Tensor2D, y as tf.Tensor2D)), w));
    const before = tf.memory().numTensors;
    const [ga, gb] = tf.grads(loss(matMulT))([a, b]);
    const [ra, rb] = tf.grads(loss(tf.matMul as typeof matMulT))([a, b]);
    const value = matMulT(a, b);
    const ref = tf.matMul(a, b);
    expect(maxAbsDiff(value.dataSync(), ref.dataSync())).toBeLessThan(1e-6);
    expect(maxAbsDiff(ga.dataSync(), ra.dataSync())).toBeLessThan(1e-5);
    expect(maxAbsDiff(gb.dataSync(), rb.dataSync())).toBeLessThan(1e-5);
    tf.dispose([ga, gb, ra, rb, value, ref]);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([a, b, w]);
  });

  it.each([true, false])('dense (relu=%s) matches matMul + add (+ relu) in value and gradient', (relu) => {
    const a = tf.tensor2d(uniform(9, 4, 11), [9, 4]);
    const w = tf.sub(tf.tensor2d(uniform(4, 6, 12), [4, 6]), 0.5) as tf.Tensor2D;
    const b = tf.sub(tf.tensor1d(uniform(1, 6, 13)), 0.5) as tf.Tensor1D;
    const t = tf.tensor2d(uniform(9, 6, 14), [9, 6]);
    const reference = (x: tf.Tensor2D, v: tf.Tensor2D, c: tf.Tensor1D) => {
      const y = tf.add(tf.matMul(x, v), c);
      return relu ? tf.relu(y) : y;
    };
    const loss = (f: typeof reference) => (x: tf.Tensor, v: tf.Tensor, c: tf.Tensor) =>
      tf.sum(tf.mul(tf.square(f(x as tf.Tensor2D, v as tf.Tensor2D, c as tf.Tensor1D)), t));
    const before = tf.memory().numTensors;
    const got = tf.grads(loss((x, v, c) => dense(x, v, c, relu)))([a, w, b]);
    const want = tf.grads(loss(reference))([a, w, b]);
    const value = dense(a, w, b, relu);
    const refValue = tf.tidy(() => reference(a, w, b));
    expect(maxAbsDiff(value.dataSync(), refValue.dataSync())).toBeLessThan(1e-6);
    if (relu) expect(Math.min(...Array.from(value.dataSync()))).toBe(0);
    for (let i = 0; i < 3; i++) expect(maxAbsDiff(got[i].dataSync(), want[i].dataSync())).toBeLessThan(1e-5);
    tf.dispose([...got, ...want, value, refValue]);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([a, w, b, t]);
  });

  it('transposeProduct computes a^T g', () => {
    const a = tf.tensor2d(uniform(7, 3, 15), [7, 3]);
    for (const m of [2, 5]) {
      const g = tf.tensor2d(uniform(7, m, 16 + m), [7, m]);
      const got = transposeProduct(a, g);
      const want = tf.matMul(a, g, true, false);
      expect(got.shape).toEqual([3, m]);
      expect(maxAbsDiff(got.dataSync(), want.dataSync())).toBeLessThan(1e-6);
      tf.dispose([g, got, want]);
    }
    a.dispose();
  });

  it('columnSums sums each column', () => {
    const g = tf.tensor2d(uniform(9, 4, 17), [9, 4]);
    const got = columnSums(g);
    expect(got.shape).toEqual([4]);
    const want = tf.sum(g, 0);
    expect(maxAbsDiff(got.dataSync(), want.dataSync())).toBeLessThan(1e-6);
    tf.dispose([g, got, want]);
  });

  it('ColumnSelection picks and places columns exactly, with gradients', () => {
    const x = tf.tensor2d(uniform(4, 5, 4), [4, 5]);
    const sel = new ColumnSelection(5, [3, 0]);
    const picked = sel.pick(x);
    const xs = x.arraySync();
    expect(picked.arraySync()).toEqual(xs.map((r) => [r[3], r[0]]));
    const placed = sel.place(picked);
    expect(placed.arraySync()).toEqual(xs.map((r) => [r[0], 0, 0, r[3], 0]));
    const wp = tf.tensor2d([1, 2, 3, 4, 5, 6, 7, 8], [4, 2]);
    const g = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(sel.pick(t as tf.Tensor2D), wp)))(x);
    expect(g.arraySync()).toEqual([
      [2, 0, 0, 1, 0],
      [4, 0, 0, 3, 0],
      [6, 0, 0, 5, 0],
      [8, 0, 0, 7, 0],
    ]);
    const wq = tf.tensor2d(uniform(4, 5, 5), [4, 5]);
    const gq = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(sel.place(t as tf.Tensor2D), wq)))(picked);
    expect(gq.arraySync()).toEqual(wq.arraySync().map((r) => [r[3], r[0]]));
    tf.dispose([x, picked, placed, wp, g, wq, gq]);
    sel.dispose();
  });

  it('maskRow marks the requested columns', () => {
    const r = maskRow([true, false, true], false);
    expect(Array.from(r.dataSync())).toEqual([0, 1, 0]);
    r.dispose();
  });
});

describe('selectionValues', () => {
  it('builds the 0/1 matrix and rejects bad columns', () => {
    expect(Array.from(selectionValues(3, [2, 0]))).toEqual([0, 1, 0, 0, 1, 0]);
    expect(() => selectionValues(3, [3])).toThrow(RangeError);
    expect(() => new ColumnSelection(3, [])).toThrow(RangeError);
  });
});
