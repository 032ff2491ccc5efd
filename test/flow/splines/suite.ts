/**
 * Checks of the tfjs spline families on one backend, shared by the cpu and wasm test files:
 * identity, endpoints, monotonicity, round trip, agreement with the float64 reference,
 * gradients and awkward inputs.
 */
import * as tf from '@tensorflow/tfjs';
import { setFusedSplines, useFused } from '../../../src/flow/splines/fused';
import { initBackend } from '../../../src/backend';
import { getSplineFamily } from '../../../src/flow/splines';
import { applyReference, prepareReference, referenceKnots } from './reference';
import type { SplineKind } from '../../../src/flow/types';
import { allFinite, kinds, maxAbsDiff, randomRaw, randomUnit, runSpline, toFloat32 } from './helpers';

const bins = 8;
const m = 3;

/** raw [n, m, P] with each coordinate's parameters repeated over the n rows. */
function repeatRows(perCoordinate: Float64Array, n: number): Float64Array {
  const out = new Float64Array(n * perCoordinate.length);
  for (let i = 0; i < n; i++) out.set(perCoordinate, i * perCoordinate.length);
  return out;
}

/** Gradients of sum(y) + sum(logAbsDet) with respect to raw and z. */
function gradients(
  kind: SplineKind,
  z: ArrayLike<number>,
  raw: ArrayLike<number>,
  n: number,
  inverse: boolean,
): { raw: Float32Array; z: Float32Array } {
  const family = getSplineFamily(kind);
  const p = family.paramCount(bins);
  const out = tf.tidy(() => {
    const zt = tf.tensor2d(Float32Array.from(z), [n, m]);
    const rt = tf.tensor3d(Float32Array.from(raw), [n, m, p]);
    const f = (a: tf.Tensor, b: tf.Tensor): tf.Scalar => {
      const r = family.apply(a as tf.Tensor2D, b as tf.Tensor3D, bins, inverse);
      return tf.add(tf.sum(r.y), tf.sum(r.logAbsDet));
    };
    return tf.grads(f)([zt, rt]);
  });
  const result = { z: out[0].dataSync() as Float32Array, raw: out[1].dataSync() as Float32Array };
  tf.dispose(out);
  return result;
}

/**
 * Tolerance of the log-det of each row: `base`, plus for the logit couplings (whose log-det
 * holds log x, log(1 - x), log y and log(1 - y)) the effect of float32 rounding of a value at
 * distance d from an end, 2^-20 / d per coordinate (infinite when a value sits at an end, where
 * the clamp makes it uninvertible). At least 80% of the rows must have a finite tolerance, so
 * that the checks cannot pass vacuously.
 */
function logDetTolerances(kind: SplineKind, a: ArrayLike<number>, b: ArrayLike<number>, n: number, base: number): number[] {
  const tol = new Array<number>(n).fill(base);
  if (kind !== 'additive' && kind !== 'affine') return tol;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < m; j++) {
      const v = [a[i * m + j], b[i * m + j]];
      const d = Math.min(...v, ...v.map((x) => 1 - x));
      tol[i] += d > 0 ? 2 ** -20 / d : Infinity;
    }
  }
  expect(tol.filter(Number.isFinite).length).toBeGreaterThanOrEqual(0.8 * n);
  return tol;
}

/** dy/dz of each coordinate (forward, float64 reference). */
function slopesOf(kind: SplineKind, z: ArrayLike<number>, raw: ArrayLike<number>, n: number): Float64Array {
  const p = getSplineFamily(kind).paramCount(bins);
  return Float64Array.from({ length: n * m }, (_, i) =>
    Math.exp(prepareReference[kind](Array.from(raw).slice(i * p, (i + 1) * p), bins).apply(z[i], false).logAbsDet),
  );
}

/**
 * The spline tests on `backend`, through the fused kernels (the default on cpu and wasm) or,
 * with `fused: false`, through the composite tfjs ops that other backends use.
 */
export function describeSplineSuite(backend: 'cpu' | 'wasm', { fused = true } = {}): void {
  let before = true;
  beforeAll(async () => {
    await initBackend(backend);
    expect(tf.getBackend()).toBe(backend);
    before = setFusedSplines(fused);
    expect(useFused()).toBe(fused);
  });
  afterAll(() => {
    setFusedSplines(before);
  });

  describe.each(kinds)(`%s on ${backend}${fused ? '' : ' (composite ops)'}`, (kind) => {
    const p = getSplineFamily(kind).paramCount(bins);
    const knotInputs = Array.from({ length: bins + 1 }, (_, k) => k / bins);
    const edgeInputs = [0, 1, 1e-30, 1 - 1e-8, 1e-7, 0.5, ...knotInputs];

    test('zero parameters give the identity, also on edges and knots', () => {
      const n = 20;
      const z = [...edgeInputs, ...randomUnit(n * m - edgeInputs.length, 1)];
      const raw = new Float64Array(n * m * p);
      for (const inverse of [false, true]) {
        const r = runSpline(kind, z, raw, n, m, bins, inverse);
        expect(maxAbsDiff(r.y, toFloat32(z))).toBeLessThan(5e-7);
        expect(maxAbsDiff(r.logAbsDet, new Float64Array(n))).toBeLessThan(5e-6);
      }
    });

    test('endpoints stay fixed and the map is monotone for random parameters', () => {
      const n = 401;
      const perCoordinate = randomRaw(m * p, 1.5, 2);
      const raw = repeatRows(perCoordinate, n);
      const z = new Float64Array(n * m);
      for (let i = 0; i < n; i++) for (let j = 0; j < m; j++) z[i * m + j] = i / (n - 1);
      for (const inverse of [false, true]) {
        const { y } = runSpline(kind, z, raw, n, m, bins, inverse);
        for (let j = 0; j < m; j++) {
          expect(y[j]).toBe(0);
          expect(Math.abs(y[(n - 1) * m + j] - 1)).toBeLessThan(2e-7);
          let minStep = Infinity;
          for (let i = 1; i < n; i++) minStep = Math.min(minStep, y[i * m + j] - y[(i - 1) * m + j]);
          expect(minStep).toBeGreaterThanOrEqual(-1e-7);
        }
        expect(y[(n - 1) * m] - y[0]).toBeGreaterThan(0.99);
      }
    });

    test('the inverse undoes the forward map; log-dets cancel', () => {
      const n = 200;
      const z = randomUnit(n * m, 3);
      const raw = randomRaw(n * m * p, 1, 4);
      const f = runSpline(kind, z, raw, n, m, bins, false);
      const b = runSpline(kind, f.y, raw, n, m, bins, true);
      // rounding y to float32 (spacing up to 2^-24) moves the inverse by that over the slope
      // dy/dz; the splines' slopes are bounded below, the logit couplings' are not
      const slopes = slopesOf(kind, z, raw, n);
      for (let i = 0; i < n * m; i++) expect(Math.abs(b.y[i] - Math.fround(z[i]))).toBeLessThan(1e-4 + 2 ** -23 / slopes[i]);
      const tol = logDetTolerances(kind, toFloat32(z), f.y, n, 1e-3);
      for (let i = 0; i < n; i++) expect(Math.abs(b.logAbsDet[i] + f.logAbsDet[i])).toBeLessThan(tol[i]);
    });

    test('values equal the float64 reference', () => {
      const n = 200;
      const z = toFloat32(randomUnit(n * m, 5));
      const raw = toFloat32(randomRaw(n * m * p, 1, 6));
      const forward = runSpline(kind, z, raw, n, m, bins, false);
      const refForward = applyReference(kind, z, raw, n, m, bins, false);
      expect(maxAbsDiff(forward.y, refForward.y)).toBeLessThan(1e-5);
      expect(maxAbsDiff(forward.logAbsDet, refForward.logAbsDet)).toBeLessThan(1e-4);
      const inverse = runSpline(kind, z, raw, n, m, bins, true);
      const refInverse = applyReference(kind, z, raw, n, m, bins, true);
      expect(maxAbsDiff(inverse.y, refInverse.y)).toBeLessThan(1e-5);
      // Where the inverse is steep, float32 rounding of the knots moves the returned point and
      // with it the log-det; the returned pair itself is consistent with the exact forward map.
      expect(maxAbsDiff(inverse.logAbsDet, refInverse.logAbsDet)).toBeLessThan(1e-3);
      const refAtResult = applyReference(kind, inverse.y, raw, n, m, bins, false);
      const tol = logDetTolerances(kind, z, inverse.y, n, 1e-4);
      for (let i = 0; i < n; i++) expect(Math.abs(inverse.logAbsDet[i] + refAtResult.logAbsDet[i])).toBeLessThan(tol[i]);
      // rounding the returned point to float32 moves its image by up to 2^-24 times the slope
      const slopes = slopesOf(kind, inverse.y, raw, n);
      for (let i = 0; i < n * m; i++) expect(Math.abs(refAtResult.y[i] - z[i])).toBeLessThan(1e-5 + 2 ** -23 * slopes[i]);
    });

    test('gradients with respect to raw are finite, nonzero and match finite differences', () => {
      const n = 4;
      const z = toFloat32(randomUnit(n * m, 7));
      const raw = toFloat32(randomRaw(n * m * p, 1, 8));
      for (const inverse of [false, true]) {
        const g = gradients(kind, z, raw, n, inverse);
        expect(allFinite(g.raw)).toBe(true);
        expect(allFinite(g.z)).toBe(true);
        expect(g.raw.some((x) => x !== 0)).toBe(true);
        // d(y + logAbsDet)/d raw of each coordinate from central differences of the reference.
        const h = 1e-5;
        let err = 0;
        let scale = 0;
        for (let i = 0; i < n * m; i++) {
          const params = Array.from(raw.subarray(i * p, (i + 1) * p));
          for (let k = 0; k < p; k++) {
            const value = (delta: number): number => {
              const q = params.slice();
              q[k] += delta;
              const r = prepareReference[kind](q, bins).apply(z[i], inverse);
              return r.y + r.logAbsDet;
            };
            const fd = (value(h) - value(-h)) / (2 * h);
            err = Math.max(err, Math.abs(fd - g.raw[i * p + k]));
            scale = Math.max(scale, Math.abs(fd));
          }
        }
        expect(err).toBeLessThan(1e-3 * Math.max(1, scale));
      }
    });

    test('the gradient with respect to z is exp(logAbsDet)', () => {
      const n = 100;
      const family = getSplineFamily(kind);
      const z = toFloat32(randomUnit(n, 12).map((u) => 0.001 + 0.998 * u));
      const raw = toFloat32(randomRaw(n * p, 1, 13));
      for (const inverse of [false, true]) {
        const [slope, logAbsDet] = tf.tidy(() => {
          const zt = tf.tensor2d(Float32Array.from(z), [n, 1]);
          const rt = tf.tensor3d(Float32Array.from(raw), [n, 1, p]);
          const g = tf.grad((a: tf.Tensor) => tf.sum(family.apply(a as tf.Tensor2D, rt, bins, inverse).y))(zt);
          return [g, family.apply(zt, rt, bins, inverse).logAbsDet];
        });
        const expected = Float64Array.from(logAbsDet.dataSync(), Math.exp);
        const got = slope.dataSync();
        let err = 0;
        for (let i = 0; i < n; i++) err = Math.max(err, Math.abs(got[i] / expected[i] - 1));
        expect(err).toBeLessThan(1e-3);
        tf.dispose([slope, logAbsDet]);
      }
    });

    test('edge inputs and points on knots give no NaN in values or gradients', () => {
      const perCoordinate = randomRaw(m * p, 2, 9);
      const columns: number[][] = [];
      for (let j = 0; j < m; j++) {
        const knots = referenceKnots(kind, perCoordinate.subarray(j * p, (j + 1) * p), bins);
        columns.push([...edgeInputs, ...knots.x, ...knots.y]);
      }
      const n = columns[0].length;
      const z = new Float64Array(n * m);
      for (let i = 0; i < n; i++) for (let j = 0; j < m; j++) z[i * m + j] = columns[j][i];
      const raw = repeatRows(perCoordinate, n);
      const forward = runSpline(kind, z, raw, n, m, bins, false);
      // The forward images of the float32 input knots are the float32 output knots.
      const inputs: [ArrayLike<number>, boolean][] = [
        [z, false],
        [z, true],
        [forward.y, true],
      ];
      for (const [values, inverse] of inputs) {
        const r = runSpline(kind, values, raw, n, m, bins, inverse);
        expect(allFinite(r.y)).toBe(true);
        expect(allFinite(r.logAbsDet)).toBe(true);
        expect(Math.min(...r.y)).toBeGreaterThanOrEqual(0);
        expect(Math.max(...r.y)).toBeLessThanOrEqual(1);
        const g = gradients(kind, values, raw, n, inverse);
        expect(allFinite(g.raw)).toBe(true);
        expect(allFinite(g.z)).toBe(true);
      }
      const back = runSpline(kind, forward.y, raw, n, m, bins, true);
      const zf = toFloat32(z);
      const inside = (v: number) => v >= 2 ** -22 && v <= 1 - 2 ** -22;
      for (let i = 0; i < n * m; i++) {
        if (inside(forward.y[i]) || forward.y[i] === zf[i]) expect(Math.abs(back.y[i] - zf[i])).toBeLessThan(1e-4);
      }
    });

    test('no tensors leak', () => {
      const n = 10;
      const z = randomUnit(n * m, 10);
      const raw = randomRaw(n * m * p, 1, 11);
      runSpline(kind, z, raw, n, m, bins, false);
      gradients(kind, z, raw, n, true);
      const before = tf.memory().numTensors;
      runSpline(kind, z, raw, n, m, bins, true);
      gradients(kind, z, raw, n, false);
      gradients(kind, z, raw, n, true);
      expect(tf.memory().numTensors).toBe(before);
    });
  });
}
