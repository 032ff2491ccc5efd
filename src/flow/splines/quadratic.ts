/**
 * Piecewise-quadratic monotone map of [0, 1] (Müller et al., "Neural Importance Sampling",
 * arXiv:1808.03856): K bins of learned widths carrying a continuous piecewise-linear density.
 *
 * Parameters (P = 2K + 1 per coordinate), in this order:
 *   raw[0, K)        width logits: w_k = MIN_BIN_WIDTH + (1 - K MIN_BIN_WIDTH) softmax_k
 *   raw[K, 2K+1)     vertex logits of the density at the K + 1 knots:
 *                    e = softmax(raw[K, 2K+1)),  N = sum_k w_k (e_k + e_{k+1}) / 2,
 *                    v_k = MIN_DERIVATIVE + (1 - MIN_DERIVATIVE) e_k / N,
 * so the density (= dy/dz) integrates to 1 and is at least MIN_DERIVATIVE. Input knots X_k
 * are the cumulative sums of w, output knots Y_k those of the bin masses
 * w_k (v_k + v_{k+1}) / 2 (X_0 = Y_0 = 0, X_K = Y_K = 1 exactly, see bins.ts). For z in bin b, with W = X_{b+1} - X_b and
 * alpha = (z - X_b) / W:
 *   y = Y_b + W alpha (v_b + alpha (v_{b+1} - v_b) / 2),   dy/dz = v_b + alpha (v_{b+1} - v_b).
 * The map is evaluated as Y_b + (Y_{b+1} - Y_b) F(alpha) with the in-bin fraction
 * F(alpha) = alpha (2 v_b + alpha dv) / (2 v_b + dv), dv = v_{b+1} - v_b, so that the knots are
 * hit exactly. The inverse solves dv alpha^2 + 2 v_b alpha = r (v_b + v_{b+1}),
 * r = (y - Y_b) / (Y_{b+1} - Y_b), in the stable form
 * alpha = r (v_b + v_{b+1}) / (v_b + sqrt(v_b^2 + dv r (v_b + v_{b+1}))).
 * All-zero raw gives w_k = 1/K and v_k = 1, the identity.
 */
import * as tf from '@tensorflow/tfjs';
import type { SplineFamily, SplineOutput } from '../types';
import { binMasks, binSizes, checkBlocks, clip01, constantProduct, edgeMasks, knotsAt, makeFamily, searchBins, selectBin } from './bins';
import { applyFused, useFused } from './fused';
import { MIN_BIN_WIDTH, MIN_DERIVATIVE, MIN_DISCRIMINANT } from './constants';

type T1 = tf.Tensor1D;
type T2 = tf.Tensor2D;

/** e [N, K + 1] -> e_k + e_{k+1} [N, K], as a product with a constant matrix. */
function neighbourSums(e: T2): T2 {
  const bins = e.shape[1] - 1;
  const values = new Float32Array((bins + 1) * bins);
  for (let k = 0; k < bins; k++) {
    values[k * bins + k] = 1;
    values[(k + 1) * bins + k] = 1;
  }
  return constantProduct(e, values, bins + 1, bins);
}

/**
 * Forward (z -> y) or inverse (y -> z) piecewise-quadratic spline of z [n, m], with the blocks
 * [width logits [n*m, K], vertex logits [n*m, K + 1]]; see the module comment.
 */
function applyQuadraticBlocks(z: tf.Tensor2D, blocks: tf.Tensor2D[], bins: number, inverse: boolean): SplineOutput {
  checkBlocks(z, blocks, [bins, bins + 1]);
  const [n, m] = z.shape;
  if (useFused()) return applyFused('pwquad', z, blocks, bins, inverse);
  const v = clip01(tf.reshape(z, [n * m]) as T1);
  const widths = binSizes(blocks[0], MIN_BIN_WIDTH);
  const e = tf.softmax(blocks[1]) as T2;
  // w_k (e_k + e_{k+1}): twice the bin masses of the unnormalised density e.
  const massesE2 = tf.mul<T2>(widths, neighbourSums(e));
  const norm2 = tf.sum<T2>(massesE2, 1, true); // 2 N, [N, 1]
  // w_k (v_k + v_{k+1}) / 2 = MIN_DERIVATIVE w_k + (1 - MIN_DERIVATIVE) w_k (e_k + e_{k+1}) / (2 N)
  const masses = tf.add<T2>(tf.mul(widths, MIN_DERIVATIVE), tf.mul(massesE2, tf.div(1 - MIN_DERIVATIVE, norm2)));
  const index = searchBins(inverse ? masses : widths, v);
  const masks = binMasks(index, bins);

  const xKnots = knotsAt(widths, masks);
  const yKnots = knotsAt(masses, masks);
  const x0 = xKnots.lower;
  const y0 = yKnots.lower;
  const width = tf.sub<T1>(xKnots.upper, x0);
  const mass = tf.sub<T1>(yKnots.upper, y0);
  const [maskLeft, maskRight] = edgeMasks(index, bins);
  // v = MIN_DERIVATIVE + e (1 - MIN_DERIVATIVE) / N = MIN_DERIVATIVE + e * scale
  const scale = tf.div<T1>(2 * (1 - MIN_DERIVATIVE), tf.reshape(norm2, [n * m]));
  const v0 = tf.add<T1>(tf.mul(selectBin(e, maskLeft), scale), MIN_DERIVATIVE);
  const v1 = tf.add<T1>(tf.mul(selectBin(e, maskRight), scale), MIN_DERIVATIVE);
  const dv = tf.sub<T1>(v1, v0);
  const twoV0 = tf.mul<T1>(v0, 2);
  // 2 v_b + dv = v_b + v_{b+1}, written so that the fraction below is exactly 1 at alpha = 1
  const total = tf.add<T1>(twoV0, dv);

  if (inverse) {
    // fraction r = (y - Y_b) / mass_b; dv alpha^2 + 2 v_b alpha - r total = 0
    const rTotal = tf.mul<T1>(tf.div(tf.sub(v, y0), mass), total);
    const disc = tf.maximum<T1>(tf.add(tf.square(v0), tf.mul(dv, rTotal)), MIN_DISCRIMINANT);
    const alpha = clip01(tf.div<T1>(rTotal, tf.add(v0, tf.sqrt(disc))));
    const density = tf.add<T1>(v0, tf.mul(alpha, dv));
    return {
      y: tf.reshape(clip01(tf.add(x0, tf.mul(alpha, width))), [n, m]),
      logAbsDet: tf.neg<T1>(tf.sum<T1>(tf.reshape(tf.log(density), [n, m]), 1)),
    };
  }
  const alpha = clip01(tf.div<T1>(tf.sub(v, x0), width));
  const density = tf.add<T1>(v0, tf.mul(alpha, dv));
  // Y_b + mass_b alpha (2 v_b + alpha dv) / (2 v_b + dv)
  const fraction = tf.div<T1>(tf.mul(alpha, tf.add(twoV0, tf.mul(alpha, dv))), total);
  return {
    y: tf.reshape(clip01(tf.add(y0, tf.mul(mass, fraction))), [n, m]),
    logAbsDet: tf.sum<T1>(tf.reshape(tf.log(density), [n, m]), 1),
  };
}

/**
 * Piecewise-quadratic spline family (Müller et al. arXiv:1808.03856): P = 2K + 1 parameters per coordinate, blocks [K widths, K + 1 vertices].
 */
export const quadraticSpline: SplineFamily = makeFamily('pwquad', (bins) => [bins, bins + 1], applyQuadraticBlocks);
