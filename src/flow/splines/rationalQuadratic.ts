/**
 * Monotone rational-quadratic spline on [0, 1] (Durkan et al., "Neural Spline Flows",
 * arXiv:1906.04032), K bins.
 *
 * Parameters (P = 3K + 1 per coordinate), in this order:
 *   raw[0, K)       width logits:  w_k = MIN_BIN_WIDTH  + (1 - K MIN_BIN_WIDTH)  softmax_k
 *   raw[K, 2K)      height logits: h_k = MIN_BIN_HEIGHT + (1 - K MIN_BIN_HEIGHT) softmax_k
 *   raw[2K, 3K+1)   knot derivatives, all K + 1 learned (boundaries included):
 *                   d_k = MIN_DERIVATIVE + (1 - MIN_DERIVATIVE) softplus(raw) / ln 2,
 *                   so raw = 0 gives d = 1.
 * Knots X_k, Y_k are the cumulative sums (X_0 = Y_0 = 0, X_K = Y_K = 1 exactly, see bins.ts);
 * the bin sizes used below are the knot differences. For z in bin b, with s = h_b / w_b and
 * xi = (z - X_b) / w_b:
 *   y     = Y_b + h_b (s xi^2 + d_b xi (1 - xi)) / D,   D = s + (d_b + d_{b+1} - 2 s) xi (1 - xi)
 *   dy/dz = s^2 (d_{b+1} xi^2 + 2 s xi (1 - xi) + d_b (1 - xi)^2) / D^2.
 * The inverse solves the quadratic a xi^2 + b xi + c = 0 in the stable form
 * xi = 2 s dY / (b + sqrt(b^2 - 4 a c)), dY = y - Y_b. All-zero raw gives the identity.
 */
import * as tf from '@tensorflow/tfjs';
import type { SplineFamily, SplineOutput } from '../types';
import { binMasks, binSizes, checkBlocks, clip01, edgeMasks, knotsAt, makeFamily, searchBins, selectBin } from './bins';
import { applyFused, useFused } from './fused';
import { MIN_BIN_HEIGHT, MIN_BIN_WIDTH, MIN_DERIVATIVE, MIN_DISCRIMINANT } from './constants';

type T1 = tf.Tensor1D;

/** Parameter blocks: K width logits, K height logits, K + 1 raw knot derivatives. */
function rationalQuadraticBlocks(bins: number): number[] {
  return [bins, bins, bins + 1];
}

/** Knot derivative from its raw parameter: MIN_DERIVATIVE + (1 - MIN_DERIVATIVE) softplus(r) / ln 2. */
function derivative(raw: T1): T1 {
  return tf.add<T1>(tf.mul(tf.softplus(raw), (1 - MIN_DERIVATIVE) / Math.LN2), MIN_DERIVATIVE);
}

/**
 * Forward (z -> y) or inverse (y -> z) rational-quadratic spline of z [n, m], with the blocks
 * [width logits, height logits, raw derivatives], each [n*m, size]; see the module comment.
 */
function applyRationalQuadraticBlocks(z: tf.Tensor2D, blocks: tf.Tensor2D[], bins: number, inverse: boolean): SplineOutput {
  checkBlocks(z, blocks, rationalQuadraticBlocks(bins));
  const [n, m] = z.shape;
  if (useFused()) return applyFused('rqs', z, blocks, bins, inverse);
  const v = clip01(tf.reshape(z, [n * m]) as T1);
  const widths = binSizes(blocks[0], MIN_BIN_WIDTH);
  const heights = binSizes(blocks[1], MIN_BIN_HEIGHT);
  const index = searchBins(inverse ? heights : widths, v);
  const masks = binMasks(index, bins);

  const xKnots = knotsAt(widths, masks);
  const yKnots = knotsAt(heights, masks);
  const width = tf.sub<T1>(xKnots.upper, xKnots.lower);
  const height = tf.sub<T1>(yKnots.upper, yKnots.lower);
  const [maskLeft, maskRight] = edgeMasks(index, bins);
  const d0 = derivative(selectBin(blocks[2], maskLeft));
  const d1 = derivative(selectBin(blocks[2], maskRight));
  const slope = tf.div<T1>(height, width);
  const curvature = tf.sub<T1>(tf.add(d0, d1), tf.mul(slope, 2));
  const bin: Bin = { x0: xKnots.lower, width, y0: yKnots.lower, height, slope, d0, d1, curvature };

  if (inverse) {
    const xi = solveInverse(bin, v);
    return {
      y: tf.reshape(clip01(tf.add(bin.x0, tf.mul(xi, width))), [n, m]),
      logAbsDet: tf.neg<T1>(tf.sum<T1>(tf.reshape(logDerivative(bin, xi), [n, m]), 1)),
    };
  }
  const xi = clip01(tf.div<T1>(tf.sub(v, bin.x0), width));
  return {
    y: tf.reshape(clip01(forward(bin, xi)), [n, m]),
    logAbsDet: tf.sum<T1>(tf.reshape(logDerivative(bin, xi), [n, m]), 1),
  };
}

/** Quantities of the bin of each input, all [N]. */
interface Bin {
  x0: T1;
  width: T1;
  y0: T1;
  height: T1;
  /** s = height / width */
  slope: T1;
  d0: T1;
  d1: T1;
  /** d_b + d_{b+1} - 2 s */
  curvature: T1;
}

/** D = s + (d_b + d_{b+1} - 2 s) xi (1 - xi) */
function denominator(bin: Bin, xiOneMinusXi: T1): T1 {
  return tf.add<T1>(bin.slope, tf.mul(bin.curvature, xiOneMinusXi));
}

/** y = Y_b + h (s xi^2 + d_b xi (1 - xi)) / D */
function forward(bin: Bin, xi: T1): T1 {
  const xiOneMinusXi = tf.mul<T1>(xi, tf.sub(1, xi));
  const numerator = tf.add<T1>(tf.mul(bin.slope, tf.square(xi)), tf.mul(bin.d0, xiOneMinusXi));
  return tf.add<T1>(bin.y0, tf.div(tf.mul(bin.height, numerator), denominator(bin, xiOneMinusXi)));
}

/** log dy/dz = log(s^2 (d_{b+1} xi^2 + 2 s xi (1 - xi) + d_b (1 - xi)^2) / D^2) */
function logDerivative(bin: Bin, xi: T1): T1 {
  const oneMinusXi = tf.sub<T1>(1, xi);
  const xiOneMinusXi = tf.mul<T1>(xi, oneMinusXi);
  const numerator = tf.add<T1>(
    tf.add(tf.mul(bin.d1, tf.square(xi)), tf.mul(tf.mul(bin.slope, 2), xiOneMinusXi)),
    tf.mul(bin.d0, tf.square(oneMinusXi)),
  );
  const ratio = tf.div<T1>(tf.mul(tf.square(bin.slope), numerator), tf.square(denominator(bin, xiOneMinusXi)));
  return tf.log<T1>(ratio);
}

/**
 * xi in [0, 1] with forward(xi) = v. With dY = v - Y_b and k = d_b + d_{b+1} - 2 s:
 * a = h (s - d_b) + dY k, b = h d_b - dY k, c = -s dY, xi = -2 c / (b + sqrt(b^2 - 4 a c)).
 * The discriminant is floored at MIN_DISCRIMINANT (float32 rounding can push it below 0).
 */
function solveInverse(bin: Bin, v: T1): T1 {
  const dy = tf.sub<T1>(v, bin.y0);
  const dyCurvature = tf.mul<T1>(dy, bin.curvature);
  const a = tf.add<T1>(tf.mul(bin.height, tf.sub(bin.slope, bin.d0)), dyCurvature);
  const b = tf.sub<T1>(tf.mul(bin.height, bin.d0), dyCurvature);
  const minusC = tf.mul<T1>(bin.slope, dy);
  const disc = tf.maximum<T1>(tf.add(tf.square(b), tf.mul(tf.mul(a, minusC), 4)), MIN_DISCRIMINANT);
  return clip01(tf.div<T1>(tf.mul(minusC, 2), tf.add(b, tf.sqrt(disc))));
}

/**
 * Rational-quadratic spline family (Durkan et al. arXiv:1906.04032): P = 3K + 1 parameters per
 * coordinate, blocks [K widths, K heights, K + 1 derivatives].
 */
export const rationalQuadraticSpline: SplineFamily = makeFamily('rqs', rationalQuadraticBlocks, applyRationalQuadraticBlocks);
