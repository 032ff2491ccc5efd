import * as tf from '@tensorflow/tfjs';
import { Rng } from '../../../src/rng';
import { getSplineFamily } from '../../../src/flow/splines';
import type { SplineKind } from '../../../src/flow/types';

export const kinds: SplineKind[] = ['pwlinear', 'rqs', 'pwquad', 'additive', 'affine'];

/** count values uniform in (-scale*sqrt(3), scale*sqrt(3)): unit variance times scale. */
export function randomRaw(count: number, scale: number, seed: number): Float64Array {
  const rng = new Rng(seed, 7);
  const out = new Float64Array(count);
  for (let i = 0; i < count; i++) out[i] = (2 * rng.next() - 1) * Math.sqrt(3) * scale;
  return out;
}

/** count values uniform in (0, 1). */
export function randomUnit(count: number, seed: number): Float64Array {
  return new Rng(seed, 8).fill(new Float64Array(count)) as Float64Array;
}

/** The float32 values of x, as float64 numbers. */
export function toFloat32(x: ArrayLike<number>): Float64Array {
  return Float64Array.from(Float32Array.from(x));
}

export interface SplineValues {
  y: Float32Array;
  logAbsDet: Float32Array;
}

/** Runs the tfjs spline of `kind` on z [n, m] and raw [n, m, P] given as flat arrays. */
export function runSpline(
  kind: SplineKind,
  z: ArrayLike<number>,
  raw: ArrayLike<number>,
  n: number,
  m: number,
  bins: number,
  inverse: boolean,
): SplineValues {
  const family = getSplineFamily(kind);
  const p = family.paramCount(bins);
  const out = tf.tidy(() => {
    const zt = tf.tensor2d(Float32Array.from(z), [n, m]);
    const rt = tf.tensor3d(Float32Array.from(raw), [n, m, p]);
    const r = family.apply(zt, rt, bins, inverse);
    return [r.y, r.logAbsDet];
  });
  const y = out[0].dataSync() as Float32Array;
  const logAbsDet = out[1].dataSync() as Float32Array;
  tf.dispose(out);
  return { y, logAbsDet };
}

/** Largest absolute difference of two equally long arrays. */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

/** True when every value is finite. */
export function allFinite(a: ArrayLike<number>): boolean {
  for (let i = 0; i < a.length; i++) if (!Number.isFinite(a[i])) return false;
  return true;
}
