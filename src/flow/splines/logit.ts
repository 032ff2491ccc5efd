/**
 * The coupling transforms of NICE and RealNVP on the unit interval, in logit coordinates.
 *
 * NICE (Dinh, Krueger, Bengio, arXiv:1410.8516) shifts the transformed coordinates, RealNVP
 * (Dinh, Sohl-Dickstein, Bengio, arXiv:1605.08803) scales and shifts them. Both act on the real
 * line, so here they act on l = logit(x) = log(x / (1 - x)) and the result is mapped back with
 * the sigmoid, which keeps the unit cube onto itself:
 *
 *   additive  P = 1   y = sigmoid(l + t)
 *   affine    P = 2   y = sigmoid(s l + t),   s = exp(S tanh(r / S)),  S = AFFINE_LOG_SCALE_BOUND
 *
 * with the raw parameters t (shift) and r (log-scale, bounded to (-S, S) as in RealNVP's tanh
 * scale). With a = s l + t and sigmoid'(a) = sigmoid(a) (1 - sigmoid(a)),
 *
 *   log dy/dx = log s + log sigmoid'(a) - log sigmoid'(l),   log sigmoid'(a) = -softplus(a) - softplus(-a).
 *
 * The inverse is x = sigmoid((logit(y) - t) / s) with minus the forward log-det at x. Zero raw
 * parameters give s = 1, t = 0: the identity, with a log-det of exactly 0. The endpoints are
 * fixed points (the limits of the map): inputs at 0 or 1 are returned unchanged; other inputs
 * are clamped to [LOGIT_EDGE, 1 - LOGIT_EDGE] (float32 rounds 1 - 2^-25 to 1) before the logit,
 * so values and gradients stay finite. Where the map compresses a region below the float32
 * spacing of its image (y within about 1e-7 of 1 for large s l + t), y rounds and the inverse
 * cannot recover x to better than that spacing over the slope. `bins` plays no part (any valid bin count is accepted).
 * These are composite tfjs ops with autodiff gradients; there are no fused kernels for them.
 */
import * as tf from '@tensorflow/tfjs';
import type { SplineFamily, SplineOutput } from '../types';
import { checkBlocks, makeFamily } from './bins';
import { detach } from './gradients';

/** Inputs are clamped to [LOGIT_EDGE, 1 - LOGIT_EDGE] before the logit (the float32 spacing below 1). */
const LOGIT_EDGE = 2 ** -24;
/** Bound S of the affine log-scale: s = exp(S tanh(r / S)) lies in (e^-S, e^S). */
export const AFFINE_LOG_SCALE_BOUND = 2;

/** log sigmoid'(a) = -softplus(a) - softplus(-a), stable for large |a|. */
function logSigmoidSlope(a: tf.Tensor1D): tf.Tensor1D {
  return tf.neg(tf.add(tf.softplus(a), tf.softplus(tf.neg(a)))) as tf.Tensor1D;
}

/**
 * sigmoid(a) whose gradient is exp(log sigmoid'(a)) rather than tfjs's y (1 - y), which loses
 * every digit in float32 once 1 - y is near the float32 spacing below 1.
 */
const sigmoid = tf.customGrad(((a: tf.Tensor, save: tf.GradSaveFunc) => {
  save([a]);
  return {
    value: tf.sigmoid(a),
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => tf.mul(dy, tf.exp(logSigmoidSlope(saved[0] as tf.Tensor1D))),
  };
}) as unknown as Parameters<typeof tf.customGrad>[0]) as (a: tf.Tensor1D) => tf.Tensor1D;

/**
 * The logit coupling of z [n, m] given the shift t [n*m] and the log-scale log s [n*m] (null
 * for the additive family); see the module comment.
 */
function applyLogitCoupling(z: tf.Tensor2D, shift: tf.Tensor1D, logScale: tf.Tensor1D | null, inverse: boolean): SplineOutput {
  const [n, m] = z.shape;
  const v = tf.reshape(z, [n * m]) as tf.Tensor1D;
  const x = tf.clipByValue(v, LOGIT_EDGE, 1 - LOGIT_EDGE);
  const l = tf.sub<tf.Tensor1D>(tf.log(x), tf.log1p(tf.neg(x)));
  let a: tf.Tensor1D;
  if (logScale === null) a = inverse ? tf.sub(l, shift) : tf.add(l, shift);
  else a = inverse ? tf.mul(tf.sub(l, shift), tf.exp(tf.neg(logScale))) : tf.add(tf.mul(l, tf.exp(logScale)), shift);
  // log |dy/dx| of this direction: log sigmoid'(a) - log sigmoid'(l) -/+ log s
  let ld = tf.sub<tf.Tensor1D>(logSigmoidSlope(a), logSigmoidSlope(l));
  if (logScale !== null) ld = inverse ? tf.sub(ld, logScale) : tf.add(ld, logScale);
  // the fixed endpoints; the comparisons see a detached copy and have zero gradients anyway
  const dv = detach(v);
  const y = tf.where(tf.greaterEqual(dv, 1), v, tf.where(tf.greaterEqual(0, dv), v, sigmoid(a)));
  return { y: tf.reshape(y, [n, m]), logAbsDet: m === 1 ? ld : (tf.sum(tf.reshape(ld, [n, m]), 1) as tf.Tensor1D) };
}

/** NICE: one shift per coordinate; blocks [t [n*m, 1]]. */
function applyAdditiveBlocks(z: tf.Tensor2D, blocks: tf.Tensor2D[], bins: number, inverse: boolean): SplineOutput {
  checkBlocks(z, blocks, [1]);
  return applyLogitCoupling(z, tf.reshape(blocks[0], [-1]) as tf.Tensor1D, null, inverse);
}

/** RealNVP: a raw log-scale and a shift per coordinate; blocks [r [n*m, 1], t [n*m, 1]]. */
function applyAffineBlocks(z: tf.Tensor2D, blocks: tf.Tensor2D[], bins: number, inverse: boolean): SplineOutput {
  checkBlocks(z, blocks, [1, 1]);
  const S = AFFINE_LOG_SCALE_BOUND;
  const logScale = tf.mul(tf.tanh(tf.div(tf.reshape(blocks[0], [-1]), S)), S) as tf.Tensor1D;
  return applyLogitCoupling(z, tf.reshape(blocks[1], [-1]) as tf.Tensor1D, logScale, inverse);
}

/** NICE additive coupling in logit coordinates (Dinh et al. arXiv:1410.8516): P = 1 (shift); bins are ignored. */
export const additiveCoupling: SplineFamily = makeFamily('additive', () => [1], applyAdditiveBlocks);
/**
 * RealNVP affine coupling in logit coordinates (Dinh et al. arXiv:1605.08803): P = 2 (bounded log-scale, shift); bins are ignored.
 */
export const affineCoupling: SplineFamily = makeFamily('affine', () => [1, 1], applyAffineBlocks);
