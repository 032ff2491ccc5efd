/** The tfjs spline families on the wasm backend, and agreement of wasm with cpu. */
import * as tf from '@tensorflow/tfjs';
import { getSplineFamily } from '../../../src/flow/splines';
import { kinds, maxAbsDiff, randomRaw, randomUnit, runSpline } from './helpers';
import { describeSplineSuite } from './suite';

describeSplineSuite('wasm');

describe('wasm agrees with cpu', () => {
  const bins = 16;
  const n = 64;
  const m = 3;

  /** Forward and inverse values and the raw-gradient of sum(y) + sum(logAbsDet), per direction. */
  function evaluate(kind: (typeof kinds)[number]): Float32Array[] {
    const family = getSplineFamily(kind);
    const p = family.paramCount(bins);
    const z = randomUnit(n * m, 20);
    const raw = randomRaw(n * m * p, 1, 21);
    const out: Float32Array[] = [];
    for (const inverse of [false, true]) {
      const r = runSpline(kind, z, raw, n, m, bins, inverse);
      out.push(r.y, r.logAbsDet);
      const g = tf.tidy(() => {
        const zt = tf.tensor2d(Float32Array.from(z), [n, m]);
        const rt = tf.tensor3d(Float32Array.from(raw), [n, m, p]);
        return tf.grad((b: tf.Tensor) => {
          const s = family.apply(zt, b as tf.Tensor3D, bins, inverse);
          return tf.add(tf.sum(s.y), tf.sum(s.logAbsDet));
        })(rt);
      });
      out.push(g.dataSync() as Float32Array);
      g.dispose();
    }
    return out;
  }

  test.each(kinds)('%s: values and gradients', async (kind) => {
    expect(await tf.setBackend('cpu')).toBe(true);
    let cpu: Float32Array[];
    try {
      cpu = evaluate(kind);
    } finally {
      expect(await tf.setBackend('wasm')).toBe(true);
    }
    const wasm = evaluate(kind);
    // forward y, forward logAbsDet, forward gradient, inverse y, inverse logAbsDet, inverse gradient
    const tolerances = [1e-5, 1e-4, 1e-3, 1e-5, 1e-4, 1e-3];
    tolerances.forEach((tol, i) => {
      const scale = Math.max(1, ...Array.from(cpu[i], Math.abs));
      expect(maxAbsDiff(wasm[i], cpu[i])).toBeLessThan(tol * scale);
    });
  });
});
