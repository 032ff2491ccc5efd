/**
 * Tail diagnostics of importance weights: the largest |w| kept in a bounded, mergeable form,
 * and the Pareto shape k-hat fitted to them.
 *
 * The Pareto k-hat of Pareto smoothed importance sampling (A. Vehtari, D. Simpson, A. Gelman,
 * Y. Yao, J. Gabry, "Pareto smoothed importance sampling", JMLR 25 (2024), arXiv:1507.02646):
 * a generalized Pareto distribution is fitted to the M = ceil(min(n/5, 3 sqrt(n))) largest
 * weights in excess of the (M+1)-th largest, with the estimator of J. Zhang and M. A. Stephens,
 * "A new and efficient estimation method for the generalized Pareto distribution",
 * Technometrics 51 (2009), and the weakly informative prior on k of the paper (as in the `loo`
 * R package's `gpdfit` and arviz' `_gpdfit`). The weights have about 1/k finite moments:
 * k < 1/2 means a finite variance, so a central limit theorem and a trustworthy standard
 * error; above 0.7 not even the smoothed estimate can be trusted.
 */

/** How many of the largest |w| each set of moments keeps (bounds the tail length M). */
export const TAIL_KEEP = 4096;

/** Fewest tail points for a fit (as `loo`). */
const MIN_TAIL = 5;

/**
 * The largest `keep` values of the union of `top` (sorted in decreasing order) and the
 * |w[i]| > 0 of a chunk of n weights; returns `top` itself when the chunk adds nothing.
 * Only values above the current keep-th largest are sorted, so a chunk costs one pass.
 */
export function keepLargest(top: number[], w: ArrayLike<number>, n: number, keep = TAIL_KEEP): number[] {
  const floor = top.length >= keep ? top[keep - 1] : 0;
  let count = 0;
  for (let i = 0; i < n; i++) if (Math.abs(w[i]) > floor) count++;
  if (count === 0) return top;
  const cand = new Float64Array(count);
  for (let i = 0, j = 0; i < n; i++) {
    const a = Math.abs(w[i]);
    if (a > floor) cand[j++] = a;
  }
  cand.sort(); // ascending
  cand.reverse();
  return mergeLargest(top, cand, keep);
}

/** The largest `keep` values of two lists sorted in decreasing order, in decreasing order. */
export function mergeLargest(a: ArrayLike<number>, b: ArrayLike<number>, keep = TAIL_KEEP): number[] {
  const out: number[] = [];
  let i = 0;
  let j = 0;
  while (out.length < keep && (i < a.length || j < b.length)) {
    if (j >= b.length || (i < a.length && a[i] >= b[j])) out.push(a[i++]);
    else out.push(b[j++]);
  }
  return out;
}

/** Tail length M = ceil(min(n/5, 3 sqrt(n))) for n samples (Vehtari et al., r_eff = 1), below `keep`. */
export function tailLength(n: number, keep = TAIL_KEEP): number {
  return Math.min(keep - 1, Math.ceil(Math.min(0.2 * n, 3 * Math.sqrt(n))));
}

/** A fitted generalized Pareto distribution: shape k and scale sigma. */
export interface ParetoFit {
  k: number;
  sigma: number;
}

/**
 * Fit a generalized Pareto distribution to exceedances `x` (>= 0, sorted in increasing order,
 * at least MIN_TAIL of them, the largest > 0) by the empirical Bayes estimator of Zhang and
 * Stephens (2009): a posterior mean of theta = -k/sigma over a grid of 30 + floor(sqrt(N))
 * points, k from its profile, then the weakly informative prior k -> (N k + 10 * 0.5)/(N + 10)
 * of Vehtari et al. Throws RangeError for fewer points or an all-zero tail.
 */
export function fitGeneralizedPareto(x: ArrayLike<number>): ParetoFit {
  const n = x.length;
  if (n < MIN_TAIL) throw new RangeError(`a generalized Pareto fit needs ${MIN_TAIL} points, got ${n}`);
  const xmax = x[n - 1];
  if (!(xmax > 0)) throw new RangeError('a generalized Pareto fit needs a positive exceedance');
  let xstar = x[Math.floor(n / 4 + 0.5) - 1]; // first quartile
  if (!(xstar > 0)) {
    // ties at the threshold: the smallest positive exceedance stands in
    for (let i = 0; i < n; i++)
      if (x[i] > 0) {
        xstar = x[i];
        break;
      }
  }
  const PRIOR = 3;
  const m = 30 + Math.floor(Math.sqrt(n));
  const theta = new Float64Array(m);
  const logLik = new Float64Array(m);
  let best = -Infinity;
  for (let j = 0; j < m; j++) {
    const t = 1 / xmax + (1 - Math.sqrt(m / (j + 0.5))) / PRIOR / xstar;
    theta[j] = t;
    const k = meanLog1p(-t, x);
    const l = n * (Math.log(-t / k) - k - 1);
    logLik[j] = Number.isFinite(l) ? l : -Infinity;
    if (logLik[j] > best) best = logLik[j];
  }
  let sumW = 0;
  let sumTW = 0;
  for (let j = 0; j < m; j++) {
    const w = Math.exp(logLik[j] - best);
    sumW += w;
    sumTW += w * theta[j];
  }
  const thetaHat = sumTW / sumW;
  const k = meanLog1p(-thetaHat, x);
  const sigma = -k / thetaHat;
  const PRIOR_N = 10;
  return { k: (n * k + PRIOR_N * 0.5) / (n + PRIOR_N), sigma };
}

/** mean_i log(1 + a x_i). */
function meanLog1p(a: number, x: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += Math.log1p(a * x[i]);
  return s / x.length;
}

/**
 * Pareto k-hat of n weights from their largest |w| (`top`, decreasing; values beyond its end
 * count as 0): the fit to those of the M = tailLength(n) largest that exceed the (M+1)-th
 * largest, in excess of it (values tied with it are left out, as in arviz). Null when there
 * is no tail to fit: fewer than MIN_TAIL such values, e.g. in a sample of fewer than 25, or
 * bounded weights with many ties (uniform sampling of an indicator).
 */
export function paretoKHat(top: ArrayLike<number>, n: number): number | null {
  const m = tailLength(n);
  if (m < MIN_TAIL) return null;
  const at = (i: number) => (i < top.length ? top[i] : 0);
  const cutoff = at(m);
  let len = 0;
  while (len < m && at(len) > cutoff) len++;
  if (len < MIN_TAIL) return null;
  // the shape does not depend on the unit: fit in units of the largest excess, so that weights
  // near 1e-310 or 1e300 neither underflow nor overflow in the fit
  const unit = at(0) - cutoff;
  const x = new Float64Array(len);
  for (let i = 0; i < len; i++) x[i] = (at(len - 1 - i) - cutoff) / unit;
  const k = fitGeneralizedPareto(x).k;
  return Number.isFinite(k) ? k : null;
}
