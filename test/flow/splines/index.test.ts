/** The spline registry, argument checks, the stop-gradient helper and small bin counts. */
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../../src/backend';
import { MAX_BINS, MIN_BIN_HEIGHT, MIN_BIN_WIDTH, MIN_DERIVATIVE, getSplineFamily, splineFamilies } from '../../../src/flow/splines';
import { detach } from '../../../src/flow/splines/gradients';
import { splineKinds, type SplineKind } from '../../../src/flow/types';
import { maxAbsDiff, randomRaw, randomUnit, runSpline, toFloat32 } from './helpers';

beforeAll(async () => {
  await initBackend('cpu');
});

describe('registry', () => {
  test('every kind has its family and parameter count', () => {
    for (const kind of splineKinds) {
      expect(getSplineFamily(kind).kind).toBe(kind);
      expect(splineFamilies[kind]).toBe(getSplineFamily(kind));
    }
    expect(getSplineFamily('pwlinear').paramCount(16)).toBe(16);
    expect(getSplineFamily('pwquad').paramCount(16)).toBe(33);
    expect(getSplineFamily('rqs').paramCount(16)).toBe(49);
    expect(getSplineFamily('additive').paramCount(16)).toBe(1);
    expect(getSplineFamily('affine').paramCount(16)).toBe(2);
  });

  test('unknown kinds, bad bin counts and bad shapes are rejected', () => {
    expect(() => getSplineFamily('cubic' as SplineKind)).toThrow(RangeError);
    expect(() => getSplineFamily('toString' as SplineKind)).toThrow(RangeError);
    for (const bins of [0, -1, 2.5, MAX_BINS + 1]) {
      expect(() => getSplineFamily('rqs').paramCount(bins)).toThrow(RangeError);
    }
    tf.tidy(() => {
      const z = tf.zeros([4, 2]) as tf.Tensor2D;
      const family = getSplineFamily('rqs');
      expect(() => family.apply(z, tf.zeros([4, 2, 48]) as tf.Tensor3D, 16, false)).toThrow(RangeError);
      expect(() => family.apply(z, tf.zeros([4, 3, 49]) as tf.Tensor3D, 16, false)).toThrow(RangeError);
    });
  });

  test('parameter blocks cover the parameters, and applyBlocks checks their shapes', () => {
    expect(getSplineFamily('pwlinear').blocks(16)).toEqual([16]);
    expect(getSplineFamily('pwquad').blocks(16)).toEqual([16, 17]);
    expect(getSplineFamily('rqs').blocks(16)).toEqual([16, 16, 17]);
    for (const kind of splineKinds) {
      const family = getSplineFamily(kind);
      for (const bins of [1, 5, 16]) expect(family.blocks(bins).reduce((a, b) => a + b)).toBe(family.paramCount(bins));
      tf.tidy(() => {
        const z = tf.fill([3, 2], 0.5) as tf.Tensor2D;
        const good = family.blocks(4).map((size) => tf.zeros([6, size]) as tf.Tensor2D);
        const out = family.applyBlocks(z, good, 4, false);
        expect(maxAbsDiff(out.y.dataSync(), z.dataSync())).toBeLessThan(1e-6);
        const short = good.map((b) => tf.zeros([5, b.shape[1]]) as tf.Tensor2D);
        expect(() => family.applyBlocks(z, short, 4, false)).toThrow(RangeError);
        expect(() => family.applyBlocks(z, good.slice(1), 4, false)).toThrow(RangeError);
      });
    }
  });

  test('the minimum sizes are named and at least 1e-3', () => {
    for (const c of [MIN_BIN_WIDTH, MIN_BIN_HEIGHT, MIN_DERIVATIVE]) expect(c).toBeGreaterThanOrEqual(1e-3);
    expect(MAX_BINS * Math.max(MIN_BIN_WIDTH, MIN_BIN_HEIGHT)).toBeLessThanOrEqual(0.5);
  });
});

describe('detach', () => {
  test('keeps the values and stops the gradient', () => {
    const x = tf.tensor1d([1, 2, 3]);
    const g = tf.grad((a: tf.Tensor) => tf.sum(tf.mul(detach(a), a)))(x);
    expect(Array.from(g.dataSync())).toEqual([1, 2, 3]);
    const before = tf.memory().numTensors;
    tf.tidy(() => {
      detach(x);
    });
    expect(tf.memory().numTensors).toBe(before);
    expect(Array.from(x.dataSync())).toEqual([1, 2, 3]);
    tf.dispose([x, g]);
  });

  test('SearchSorted has a registered gradient after a spline call', () => {
    runSpline('pwlinear', [0.5], [0], 1, 1, 1, true);
    expect(tf.getGradient('SearchSorted')).toBeDefined();
  });
});

/** The families with bins (the logit couplings ignore the bin count; their suite covers them). */
const binnedKinds = splineKinds.filter((k) => k !== 'additive' && k !== 'affine');

describe.each(binnedKinds)('%s with 1, 2 and 3 bins', (kind) => {
  test('round trip and zero-parameter identity', () => {
    const n = 50;
    const m = 2;
    for (const bins of [1, 2, 3]) {
      const p = getSplineFamily(kind).paramCount(bins);
      const z = toFloat32(randomUnit(n * m, 30 + bins));
      const identity = runSpline(kind, z, new Float64Array(n * m * p), n, m, bins, false);
      expect(maxAbsDiff(identity.y, z)).toBeLessThan(5e-7);
      const raw = randomRaw(n * m * p, 1, 40 + bins);
      const f = runSpline(kind, z, raw, n, m, bins, false);
      const b = runSpline(kind, f.y, raw, n, m, bins, true);
      expect(maxAbsDiff(b.y, z)).toBeLessThan(1e-4);
      expect(
        maxAbsDiff(
          b.logAbsDet,
          Float64Array.from(f.logAbsDet, (x) => -x),
        ),
      ).toBeLessThan(1e-3);
    }
  });
});
