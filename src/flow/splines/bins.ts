/**
 * Building blocks shared by the spline families, written for the wasm backend, where slicing
 * along the last axis (and so split/concat and the gradient of pad) loops in JS row by row and
 * dominates the cost. Everything here works on N = n*m rows:
 *
 * - parameter blocks are taken out of raw [N, P] by a product with a constant 0/1 matrix;
 * - knots of the bin b of each row are masked sums of the bin sizes: the lower knot sums the
 *   sizes below b, the upper knot is 1 minus the sizes above b (so the first knot is exactly 0
 *   and the last exactly 1), and the masks come from the bin index, which is found with
 *   `searchSorted` on detached cumulative sums;
 * - the masks are constants for back-propagation (see gradients.ts).
 */
import * as tf from '@tensorflow/tfjs';
import { MAX_BINS } from './constants';
import type { SplineFamily } from '../types';
import { detach, registerSplineGradients } from './gradients';

/** Throws a RangeError unless `bins` is an integer in [1, MAX_BINS]. */
export function checkBins(bins: number): void {
  if (!Number.isInteger(bins) || bins < 1 || bins > MAX_BINS) {
    throw new RangeError(`spline bins must be an integer in [1, ${MAX_BINS}], got ${bins}`);
  }
}

/**
 * Throws a RangeError unless z is [n, m] and each block is [n*m, sizes[i]]. Registers the
 * spline gradients on first use.
 */
export function checkBlocks(z: tf.Tensor, blocks: readonly tf.Tensor[], sizes: readonly number[]): void {
  const rows = z.rank === 2 ? z.shape[0] * (z.shape[1] as number) : -1;
  const ok =
    rows >= 0 && blocks.length === sizes.length && blocks.every((b, i) => b.rank === 2 && b.shape[0] === rows && b.shape[1] === sizes[i]);
  if (!ok) {
    const got = blocks.map((b) => `[${b.shape}]`).join(', ');
    throw new RangeError(`spline blocks must be [n*m, ${sizes.join(' | ')}] for z [${z.shape}], got ${got}`);
  }
  registerSplineGradients();
}

/** raw [n, m, P] -> the parameter blocks [n*m, sizes[i]] (consecutive column ranges). */
function splitBlocks(raw: tf.Tensor3D, sizes: readonly number[]): tf.Tensor2D[] {
  const [n, m, p] = raw.shape;
  const flat = tf.reshape(raw, [n * m, p]) as tf.Tensor2D;
  let start = 0;
  return sizes.map((size) => {
    const block = sizes.length === 1 ? flat : takeColumns(flat, start, size);
    start += size;
    return block;
  });
}

/**
 * A spline family from its parameter blocks and its block-wise map; `apply` checks raw
 * [n, m, P] and splits it into the blocks.
 */
export function makeFamily(
  kind: SplineFamily['kind'],
  blocks: (bins: number) => number[],
  applyBlocks: SplineFamily['applyBlocks'],
): SplineFamily {
  const paramCount = (bins: number) => {
    checkBins(bins);
    return blocks(bins).reduce((a, b) => a + b, 0);
  };
  return {
    kind,
    paramCount,
    blocks: (bins: number) => {
      checkBins(bins);
      return blocks(bins);
    },
    apply: (z, raw, bins, inverse) => {
      checkShapes(z, raw, paramCount(bins));
      return applyBlocks(z, splitBlocks(raw, blocks(bins)), bins, inverse);
    },
    applyBlocks,
  };
}

/** Throws a RangeError unless z is [n, m] and raw is [n, m, paramCount]. */
function checkShapes(z: tf.Tensor, raw: tf.Tensor, paramCount: number): void {
  const [n, m] = z.shape;
  if (z.rank !== 2 || raw.rank !== 3 || raw.shape[0] !== n || raw.shape[1] !== m || raw.shape[2] !== paramCount) {
    throw new RangeError(`spline inputs must be z [n, m] and raw [n, m, ${paramCount}], got z [${z.shape}] and raw [${raw.shape}]`);
  }
  registerSplineGradients();
}

/** x clipped to [0, 1]. */
export function clip01<T extends tf.Tensor>(x: T): T {
  return tf.clipByValue(x, 0, 1);
}

/**
 * x [N, r] times the constant matrix c [r, s] (row-major values) -> [N, s]. The gradient is
 * dy c^T with an explicitly transposed constant (the built-in matMul gradient uses transpose
 * flags, which are slow on wasm).
 */
export function constantProduct(x: tf.Tensor2D, values: Float32Array, r: number, s: number): tf.Tensor2D {
  const transposed = new Float32Array(r * s);
  for (let i = 0; i < r; i++) for (let j = 0; j < s; j++) transposed[j * r + i] = values[i * s + j];
  const c = tf.tensor2d(values, [r, s]);
  const cT = tf.tensor2d(transposed, [s, r]);
  const product = tf.customGrad((...args) => {
    const [a, save] = args as [tf.Tensor2D, tf.GradSaveFunc];
    save([cT]);
    return { value: tf.matMul(a, c), gradFunc: (dy, saved) => tf.matMul(dy as tf.Tensor2D, saved[0] as tf.Tensor2D) };
  });
  return product(x) as tf.Tensor2D;
}

/** Columns [start, start + count) of x [N, P] as [N, count]. */
function takeColumns(x: tf.Tensor2D, start: number, count: number): tf.Tensor2D {
  const p = x.shape[1];
  const values = new Float32Array(p * count);
  for (let j = 0; j < count; j++) values[(start + j) * count + j] = 1;
  return constantProduct(x, values, p, count);
}

/** Bin sizes [N, K] that sum to 1 and are at least `minSize`: minSize + (1 - K minSize) softmax. */
export function binSizes(logits: tf.Tensor2D, minSize: number): tf.Tensor2D {
  const bins = logits.shape[1];
  return tf.add<tf.Tensor2D>(tf.mul(tf.softmax(logits), 1 - bins * minSize), minSize);
}

/**
 * Bin index (int32 [N]) of each value v [N] for bin sizes [N, K]: the number of inner knots
 * (cumulative sums) <= v, capped at K - 1. A value on a knot belongs to the bin on its right.
 */
export function searchBins(sizes: tf.Tensor2D, v: tf.Tensor1D): tf.Tensor1D {
  const [rows, bins] = sizes.shape;
  const knots = tf.cumsum(detach(sizes), 1);
  const found = tf.searchSorted(knots, tf.reshape(detach(v), [rows, 1]), 'right');
  return tf.reshape(tf.minimum(found, tf.scalar(bins - 1, 'int32')), [rows]) as tf.Tensor1D;
}

/** Bin index (int32 [N]) of each v in [0, 1] among K equal-width bins: min(floor(K v), K - 1). */
export function uniformBins(v: tf.Tensor1D, bins: number): tf.Tensor1D {
  const scaled = tf.cast(tf.floor(tf.mul(detach(v), bins)), 'int32');
  return tf.minimum(scaled, tf.scalar(bins - 1, 'int32')) as tf.Tensor1D;
}

/** float32 masks [N, K] of the bin b of each row: k = b, k < b and k > b. */
export interface BinMasks {
  at: tf.Tensor2D;
  below: tf.Tensor2D;
  above: tf.Tensor2D;
}

/**
 * Masks of the bins `index` (int32 [N]) among K. The one-hot is built as int32 and cast: the
 * wasm OneHot kernel ignores a float32 dtype and writes integer bit patterns.
 */
export function binMasks(index: tf.Tensor1D, bins: number): BinMasks {
  // tf.oneHot needs a depth of at least 2; with one bin every row is in bin 0.
  const at = bins === 1 ? tf.ones<tf.Rank.R2>([index.shape[0], 1]) : (tf.cast(tf.oneHot(index, bins), 'float32') as tf.Tensor2D);
  return {
    at,
    below: tf.cumsum<tf.Tensor2D>(at, 1, true, true),
    above: tf.cumsum<tf.Tensor2D>(at, 1, true, false),
  };
}

/**
 * sum(t * mask, last axis) for t [N, L] and a constant mask [N, L] -> [N]. Its gradient is
 * dy * mask, one product instead of the broadcast through `ones` of the built-in Sum gradient.
 */
export function selectBin(t: tf.Tensor2D, mask: tf.Tensor2D): tf.Tensor1D {
  const select = tf.customGrad((...args) => {
    const [x, save] = args as [tf.Tensor2D, tf.GradSaveFunc];
    save([mask]);
    return {
      value: tf.sum(tf.mul(x, mask), 1),
      gradFunc: (dy, saved) => tf.mul(tf.reshape(dy, [-1, 1]), saved[0]),
    };
  });
  return select(t) as tf.Tensor1D;
}

/** Knots of bin b for sizes [N, K]: lower = sum of sizes below b, upper = 1 - sum above b. */
export function knotsAt(sizes: tf.Tensor2D, masks: BinMasks): { lower: tf.Tensor1D; upper: tf.Tensor1D } {
  return {
    lower: selectBin(sizes, masks.below),
    upper: tf.sub<tf.Tensor1D>(1, selectBin(sizes, masks.above)),
  };
}

/**
 * Masks [N, K + 1] that pick knot b and knot b + 1 of each row (for per-knot parameters such
 * as derivatives), from the bin index (int32 [N]) among K bins.
 */
export function edgeMasks(index: tf.Tensor1D, bins: number): [tf.Tensor2D, tf.Tensor2D] {
  const hot = (i: tf.Tensor1D) => tf.cast(tf.oneHot(i, bins + 1), 'float32') as tf.Tensor2D;
  return [hot(index), hot(tf.add(index, tf.scalar(1, 'int32')))];
}
