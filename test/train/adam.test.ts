import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../src/backend';
import { Adam } from '../../src/train/adam';

describe('Adam on flat parameters', () => {
  beforeAll(() => initBackend('cpu'));

  test('follows tf.train.adam step for step on a quadratic', () => {
    const target = [0.3, -1.2, 2.5, 0];
    const start = [1, 1, -1, 0.5];
    const lr = 0.05;
    // tfjs reference
    const v = tf.variable(tf.tensor1d(start));
    const t = tf.tensor1d(target);
    const opt = tf.train.adam(lr);
    // ours
    const params = Float64Array.from(start);
    const adam = new Adam(4);
    for (let step = 0; step < 50; step++) {
      opt.minimize(() => tf.sum(tf.square(tf.sub(v, t))) as tf.Scalar);
      const grad = Float64Array.from(params, (p, i) => 2 * (p - target[i]));
      adam.step(params, grad, lr);
    }
    const ref = v.dataSync();
    // tfjs keeps its moments in float32, ours are float64
    for (let i = 0; i < 4; i++) expect(Math.abs(params[i] - ref[i])).toBeLessThan(1e-4);
    expect(adam.steps).toBe(50);
    // and it converges
    for (let step = 0; step < 2000; step++) {
      adam.step(
        params,
        Float64Array.from(params, (p, i) => 2 * (p - target[i])),
        lr,
      );
    }
    for (let i = 0; i < 4; i++) expect(Math.abs(params[i] - target[i])).toBeLessThan(1e-3);
    tf.dispose([v, t]);
    opt.dispose();
  });

  test('scale multiplies the gradient (clipping) and sizes are checked', () => {
    const a = Float64Array.from([1, 2]);
    const b = Float64Array.from([1, 2]);
    const g = Float64Array.from([0.5, -3]);
    new Adam(2).step(a, g, 0.1, 0.25);
    new Adam(2).step(
      b,
      Float64Array.from(g, (x) => x * 0.25),
      0.1,
    );
    expect(Array.from(a)).toEqual(Array.from(b));
    expect(() => new Adam(3).step(a, g, 0.1)).toThrow(RangeError);
  });
});
