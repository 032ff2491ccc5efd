/**
 * Divergences between p = |f|/F and the flow density q, estimated from samples x_i ~ q with
 * weights w_i = |f(x_i)|/q(x_i), and the coefficients of their score-function gradients.
 *
 * With x held fixed (sampled without gradient), every divergence here has a gradient of the
 * form  grad D = -E_q[ c(w) grad log q(x) ],  so training minimises the surrogate
 * -mean(stop(c_i) log q(x_i)) where log q comes from the flow's inverse pass. F is replaced by
 * the batch mean of w, which only rescales the gradient.
 *
 *   variance     Var_q(f/q)/F^2 = E_q[r^2] - 1          c = r^2         (r = w/F)
 *   kl           KL(p||q)       = E_q[r log r]          c = r
 *   chi2         Pearson chi2   = E_q[r^2] - 1          c = r^2   (same direction as variance)
 *   exponential  E_p[(log p/q)^2] = E_q[r (log r)^2]    c = 2 r log r
 *   hellinger    H^2 = E_q[(sqrt r - 1)^2]              c = sqrt r
 *
 * (The variance and chi2 losses differ only by the F^2 scale, which normalisation removes.)
 * Since E_q[grad log q] = 0 the batch mean of c is subtracted as a baseline.
 */
import type { LossKind } from '../options';

/** One batch's divergence and the per-point coefficients of its surrogate gradient -mean(c_i log q(x_i)). */
export interface LossTerms {
  /** Estimated divergence on this batch. */
  value: number;
  /** Gradient coefficients c_i, normalised so that mean(|c|) is of order one. */
  coef: Float32Array;
  /** Batch mean of w (estimate of F for |f|). */
  mean: number;
  /** Relative standard deviation of w on the batch. */
  relSdev: number;
}

/** Loss value and gradient coefficients for weights w >= 0 (float64). */
export function lossTerms(kind: LossKind, w: Float64Array): LossTerms {
  const n = w.length;
  let s = 0;
  for (let i = 0; i < n; i++) s += w[i];
  const mean = s / n;
  const coef = new Float32Array(n);
  if (!(mean > 0) || !Number.isFinite(mean)) return { value: NaN, coef, mean, relSdev: NaN };
  // moments of r = w/mean: free of overflow/underflow for integrands of any magnitude
  let r2 = 0;
  for (let i = 0; i < n; i++) {
    const r = w[i] / mean;
    r2 += r * r;
  }
  const relSdev = Math.sqrt(Math.max(0, r2 / n - 1));
  let value = 0;
  for (let i = 0; i < n; i++) {
    const r = w[i] / mean;
    let c: number;
    switch (kind) {
      case 'variance':
      case 'chi2':
        c = r * r;
        value += r * r;
        break;
      case 'kl': {
        c = r;
        if (r > 0) value += r * Math.log(r);
        break;
      }
      case 'exponential': {
        const lr = r > 0 ? Math.log(r) : 0;
        c = 2 * r * lr;
        value += r * lr * lr;
        break;
      }
      case 'hellinger': {
        const sr = Math.sqrt(r);
        c = sr;
        value += (sr - 1) * (sr - 1);
        break;
      }
    }
    coef[i] = c;
  }
  // E_q[grad log q] = 0, so subtracting the batch mean of c keeps the gradient's expectation
  // and lowers its variance (a baseline / control variate).
  let cm = 0;
  for (let i = 0; i < n; i++) cm += coef[i];
  cm /= n;
  for (let i = 0; i < n; i++) coef[i] -= cm;
  value /= n;
  if (kind === 'variance' || kind === 'chi2') value -= 1;
  return { value, coef, mean, relSdev };
}
