/**
 * The fused spline kernels against the composite tfjs ops: values, log-dets and the gradients
 * with respect to z and every parameter block, in both directions, on cpu and wasm. The
 * composite gradients come from tfjs autodiff, an independent derivation.
 */
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../../src/backend';
import { getSplineFamily } from '../../../src/flow/splines';
import { hasFusedKernels, runFused, setFusedSplines, useFused } from '../../../src/flow/splines/fused';
import { kinds as allKinds, maxAbsDiff, randomUnit as randomUnit64 } from './helpers';

/** The families with fused kernels (the logit couplings have none). */
const kinds = allKinds.filter(hasFusedKernels);

/** count uniform numbers in (0,1), as float32. */
const randomUnit = (count: number, seed: number) => Float32Array.from(randomUnit64(count, seed));

interface Pass {
  y: Float32Array;
  logAbsDet: Float32Array;
  /** Gradients of sum(y * wy) + sum(logAbsDet * wl) with respect to z and each block. */
  grads: Float32Array[];
}

function pass(kind: (typeof kinds)[number], fused: boolean, bins: number, inverse: boolean, z: tf.Tensor2D, blocks: tf.Tensor2D[]): Pass {
  const before = setFusedSplines(fused);
  try {
    return tf.tidy(() => {
      const family = getSplineFamily(kind);
      const [n, m] = z.shape;
      const wy = tf.tensor2d(
        randomUnit(n * m, 31).map((u) => 2 * u - 1),
        [n, m],
      );
      const wl = tf.tensor1d(randomUnit(n, 32).map((u) => 2 * u - 1));
      const out = family.applyBlocks(z, blocks, bins, inverse);
      const loss = (zz: tf.Tensor, ...bb: tf.Tensor[]) => {
        const o = family.applyBlocks(zz as tf.Tensor2D, bb as tf.Tensor2D[], bins, inverse);
        return tf.add(tf.sum(tf.mul(o.y, wy)), tf.sum(tf.mul(o.logAbsDet, wl))) as tf.Scalar;
      };
      const grads = tf.grads(loss)([z, ...blocks]);
      return {
        y: out.y.dataSync() as Float32Array,
        logAbsDet: out.logAbsDet.dataSync() as Float32Array,
        grads: grads.map((g) => g.dataSync() as Float32Array),
      };
    });
  } finally {
    setFusedSplines(before);
  }
}

function expectClose(got: Float32Array, want: Float32Array, rel: number): void {
  const scale = Math.max(1, ...Array.from(want, Math.abs));
  expect(maxAbsDiff(got, want)).toBeLessThan(rel * scale);
}

describe.each(['cpu', 'wasm'] as const)('fused spline kernels on %s', (backend) => {
  beforeAll(async () => {
    await initBackend(backend);
    expect(useFused()).toBe(true);
  });

  describe.each(kinds)('%s', (kind) => {
    test.each([
      [16, false],
      [16, true],
      [2, false],
      [2, true],
      [1, true],
    ])('bins %i, inverse %s: same values and gradients as the composite ops', (bins, inverse) => {
      const n = 120;
      const m = 2;
      const family = getSplineFamily(kind);
      // random parameters (sharp enough for max |log q| of a few units)
      const blocks = family.blocks(bins).map((size, i) =>
        tf.tensor2d(
          randomUnit(n * m * size, 50 + i).map((u) => 3 * (2 * u - 1)),
          [n * m, size],
        ),
      );
      // inputs inside (0, 1): gradients agree; on the ends and just outside the interval
      // (clipped) only the values must, since float32 rounding decides there whether a
      // clip passes the gradient
      const inner = randomUnit(n * m, 40 + bins).map((u) => 1e-3 + (1 - 2e-3) * u);
      const edges = randomUnit(n * m, 45 + bins);
      edges.set([0, 1, 1e-7, 1 - 1e-7, -0.01, 1.01, 0.5, 0.25, 1e-30, 1 - 1e-8]);
      for (const [values, gradients] of [
        [inner, true],
        [edges, false],
      ] as const) {
        const z = tf.tensor2d(values, [n, m]);
        const fused = pass(kind, true, bins, inverse, z, blocks);
        const composite = pass(kind, false, bins, inverse, z, blocks);
        expectClose(fused.y, composite.y, 1e-5);
        expectClose(fused.logAbsDet, composite.logAbsDet, 1e-4);
        expect(fused.grads).toHaveLength(composite.grads.length);
        expect(fused.grads.every((g) => g.every(Number.isFinite))).toBe(true);
        // the composite rounds every intermediate to float32, the fused kernels compute in float64
        if (gradients) fused.grads.forEach((g, i) => expectClose(g, composite.grads[i], 2e-3));
        z.dispose();
      }
      tf.dispose(blocks);
    });
  });

  test('an unused output gets a zero gradient, and no tensors leak', () => {
    const family = getSplineFamily('rqs');
    const z = tf.tensor2d(randomUnit(40, 3), [20, 2]);
    const blocks = family.blocks(4).map((size, i) => tf.tensor2d(randomUnit(40 * size, 60 + i), [40, size]));
    const before = tf.memory().numTensors;
    for (let rep = 0; rep < 3; rep++) {
      const [gy, gl] = [true, false].map((useY) =>
        tf.tidy(() =>
          tf.grad((zz: tf.Tensor) => {
            const o = family.applyBlocks(zz as tf.Tensor2D, blocks, 4, false);
            return useY ? tf.sum(o.y) : tf.sum(o.logAbsDet);
          })(z),
        ),
      );
      expect(gy.dataSync().every((v) => v > 0)).toBe(true); // dy/dz > 0: monotone
      expect(gl.dataSync().every(Number.isFinite)).toBe(true);
      tf.dispose([gy, gl]);
    }
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([z, ...blocks]);
  });

  test('the kernel rejects inputs of mismatched rows', () => {
    tf.tidy(() => {
      const v = tf.zeros([5]) as tf.Tensor1D;
      const ph = tf.fill([4, 3], 1 / 3) as tf.Tensor2D;
      expect(() => runFused('pwlinear', v, [ph], 3, false)).toThrow(/rows/);
    });
  });
});

test('the composite path is used when the fused kernels are off', async () => {
  await initBackend('cpu');
  const before = setFusedSplines(false);
  try {
    expect(useFused()).toBe(false);
  } finally {
    setFusedSplines(before);
  }
  expect(useFused()).toBe(true);
});
