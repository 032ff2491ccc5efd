/**
 * Piecewise-linear monotone map of [0, 1] (Müller et al., "Neural Importance Sampling",
 * arXiv:1808.03856): K equal-width bins, a piecewise-constant density on them.
 *
 * Parameters (P = K per coordinate): raw[k] are logits of the bin masses
 *   h_k = MIN_BIN_HEIGHT + (1 - K MIN_BIN_HEIGHT) softmax(raw)_k,
 * the output knots are Y_k = h_0 + ... + h_{k-1} (Y_0 = 0, Y_K = 1), and for z in bin b,
 * alpha = K z - b in [0, 1]:
 *   y = Y_b + alpha h_b,   dy/dz = K h_b.
 * The inverse finds b from the output knots and returns z = (b + alpha) / K with
 * alpha = (y - Y_b) / h_b. All-zero raw gives h_k = 1/K, the identity.
 */
import * as tf from '@tensorflow/tfjs';
import type { SplineFamily, SplineOutput } from '../types';
import { binMasks, binSizes, checkBlocks, clip01, knotsAt, makeFamily, searchBins, uniformBins } from './bins';
import { applyFused, useFused } from './fused';
import { MIN_BIN_HEIGHT } from './constants';

/**
 * Forward (z -> y) or inverse (y -> z) piecewise-linear spline of z [n, m] with the one block
 * of bin-mass logits [n*m, K]; see the module comment.
 */
function applyLinearBlocks(z: tf.Tensor2D, blocks: tf.Tensor2D[], bins: number, inverse: boolean): SplineOutput {
  checkBlocks(z, blocks, [bins]);
  const [n, m] = z.shape;
  if (useFused()) return applyFused('pwlinear', z, blocks, bins, inverse);
  const v = clip01(tf.reshape(z, [n * m]) as tf.Tensor1D);
  const heights = binSizes(blocks[0], MIN_BIN_HEIGHT);
  const index = inverse ? searchBins(heights, v) : uniformBins(v, bins);
  const masks = binMasks(index, bins);
  const { lower: y0, upper: y1 } = knotsAt(heights, masks);
  const height = tf.sub<tf.Tensor1D>(y1, y0);
  const left = tf.cast(index, 'float32');
  // log|dy/dz| = log(K h_b), the same magnitude in both directions.
  const logSlope = tf.reshape(tf.log(tf.mul(height, bins)), [n, m]);
  if (inverse) {
    const alpha = clip01(tf.div<tf.Tensor1D>(tf.sub(v, y0), height));
    return {
      y: tf.reshape(clip01(tf.div(tf.add(left, alpha), bins)), [n, m]),
      logAbsDet: tf.neg<tf.Tensor1D>(tf.sum<tf.Tensor1D>(logSlope, 1)),
    };
  }
  const alpha = tf.sub<tf.Tensor1D>(tf.mul(v, bins), left);
  return {
    y: tf.reshape(clip01(tf.add(y0, tf.mul(alpha, height))), [n, m]),
    logAbsDet: tf.sum<tf.Tensor1D>(logSlope, 1),
  };
}

/** Piecewise-linear spline family (Müller et al. arXiv:1808.03856): P = K parameters per coordinate, one block. */
export const linearSpline: SplineFamily = makeFamily('pwlinear', (bins) => [bins], applyLinearBlocks);
