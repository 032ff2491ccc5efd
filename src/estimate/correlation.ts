/**
 * How strongly p = |f|/F correlates its coordinates, measured on the weighted points of an
 * estimate, for the verdict on a separable sampler.
 *
 * The VEGAS map is a product of one-dimensional densities: at best the product of the
 * marginals of p. For a Gaussian p with correlation matrix C (unit marginal variances after
 * scaling) and a Gaussian product density with the same marginals, the importance weights have a
 * finite variance only if 2 C^-1 - I is positive definite, i.e. only when every eigenvalue of C
 * is below 2 (A. B. Owen, Monte Carlo theory,
 * methods and examples (2013), sec. 9.1, on normal proposals: Var finite iff 2 S_q^-1 - S_p^-1 is
 * positive definite). A ridge along the diagonal of d coordinates with correlation rho has the
 * eigenvalue 1 + (d - 1) rho: 3.7 for rho = 0.9 in d = 4, whose VEGAS estimates come out low by
 * 1.2 sigma on average and by more than 4 sigma in 2 of 20 seeds while their weights look
 * well-behaved (k-hat 0.3). The largest eigenvalue is the finding; the verdict
 * (src/estimate/verdict.ts) reads it together with the ESS.
 *
 * The sums are float64 over |w|-weighted points: sum |w|, sum |w| x_k, sum |w| x_j x_k (j <= k).
 * Every s-th point is added (systematic thinning), s = ceil(d (d + 1) / 40) at first, to bound
 * the cost near 40 ns per point (all points: 33 ns in d = 4, 71 ns in d = 8, 244 ns in d = 16,
 * against 0.2-3 us per call of the VEGAS estimate). After THIN_AFTER points have been added, s
 * doubles every THIN_AFTER / 2 further points, each added point counting s / s_0 times, so that a
 * long estimate adds about THIN_AFTER log2(n / THIN_AFTER) / 2 points in all (about 2.3e5 of 4e6
 * in d = 4): the eigenvalue needs far fewer points than the integral's error does.
 *
 * Sampling noise raises the largest eigenvalue of a correlation matrix of n_eff independent
 * points to about (1 + sqrt(d / n_eff))^2 (the Marchenko-Pastur edge), so no eigenvalue is
 * reported below n_eff = MIN_ESS_PER_DIM d points (ESS of the added weights), where the edge is
 * 1.21.
 */

/** Effective sample size per dimension below which `largestEigenvalue` reports nothing. */
const MIN_ESS_PER_DIM = 100;

/** Points added at the first stride before the stride starts doubling (see the module note). */
const THIN_AFTER = 1 << 16;

/** Accumulates the |w|-weighted first and second moments of the coordinates of points. */
export class CorrelationSums {
  private readonly m1: Float64Array;
  private readonly m2: Float64Array;
  private total = 0;
  private total2 = 0;
  private unit = 0;
  private stride: number;
  /** stride / initial stride: the weight each added point carries for the points it stands for. */
  private thin = 1;
  private seen = 0;
  private added = 0;
  private nextDoubling = THIN_AFTER;

  private readonly projected: Float64Array;

  /**
   * `dim`: the number of coordinates of each point. `project`, when given, maps the point that
   * starts at x[offset] to the coordinates the sums take (into `out`, dim values), for the
   * added points only (e.g. onto principal axes: PrincipalAxes.pointToAxes).
   */
  constructor(
    readonly dim: number,
    private readonly project?: (x: ArrayLike<number>, offset: number, out: Float64Array) => void,
  ) {
    this.projected = new Float64Array(dim);
    this.m1 = new Float64Array(dim);
    this.m2 = new Float64Array(dim * dim);
    this.stride = Math.ceil((dim * (dim + 1)) / 40);
  }

  /** Add n points x (row-major [n, dim], the user's coordinates, or what `project` takes) with weights w. */
  add(x: ArrayLike<number>, w: ArrayLike<number>, n: number): void {
    const d = this.dim;
    for (let i = 0; i < n; i++, this.seen++) {
      if (this.seen % this.stride !== 0) continue;
      if (++this.added >= this.nextDoubling) {
        this.stride *= 2;
        this.thin *= 2;
        this.nextDoubling += THIN_AFTER / 2;
      }
      const a = Math.abs(w[i]);
      if (!(a > 0) || !Number.isFinite(a)) continue;
      // in units of the first weight: sum w^2 of integrands near 1e300 stays finite
      if (this.unit === 0) this.unit = a;
      const wi = (a / this.unit) * this.thin;
      this.total += wi;
      this.total2 += wi * wi;
      let p: ArrayLike<number> = x;
      let o = i * d;
      if (this.project) {
        this.project(x, o, this.projected);
        p = this.projected;
        o = 0;
      }
      for (let j = 0; j < d; j++) {
        const wx = wi * p[o + j];
        this.m1[j] += wx;
        for (let k = j; k < d; k++) this.m2[j * d + k] += wx * p[o + k];
      }
    }
  }

  /** Points added to the sums so far (after thinning; those of weight 0 included). */
  get pointsAdded(): number {
    return this.added;
  }

  /**
   * The largest eigenvalue of the weighted correlation matrix (between 1 and dim), or null
   * with fewer than 2 coordinates, an ESS of the added weights below `minEssPerDim` dim
   * (default MIN_ESS_PER_DIM), or a coordinate of zero variance.
   */
  largestEigenvalue(minEssPerDim = MIN_ESS_PER_DIM): number | null {
    const d = this.dim;
    if (d < 2) return null;
    const m = this.moments(minEssPerDim * d);
    return m ? correlationEigenvalue(m.cov, d) : null;
  }

  /**
   * The |w|-weighted mean (dim) and covariance (dim x dim, row-major) of the added points, or
   * null when no weight was added, the ESS of the added weights is below `minEss`, or a moment
   * is not finite.
   */
  moments(minEss = 0): { mean: Float64Array; cov: Float64Array; ess: number } | null {
    const d = this.dim;
    if (!(this.total > 0)) return null;
    const ess = (this.total * this.total) / this.total2;
    if (ess < minEss) return null;
    const mean = this.m1.map((v) => v / this.total);
    const cov = new Float64Array(d * d);
    for (let j = 0; j < d; j++) {
      for (let k = j; k < d; k++) {
        const c = this.m2[j * d + k] / this.total - mean[j] * mean[k];
        cov[j * d + k] = c;
        cov[k * d + j] = c;
      }
    }
    if (!cov.every(Number.isFinite) || !mean.every(Number.isFinite)) return null;
    return { mean, cov, ess };
  }
}

/**
 * The largest eigenvalue of the correlation matrix of a d x d covariance (row-major), or null
 * when a variance is zero or not finite.
 */
export function correlationEigenvalue(cov: Float64Array, d: number): number | null {
  const sd = Array.from({ length: d }, (_, j) => Math.sqrt(cov[j * d + j]));
  if (sd.some((s) => !(s > 0) || !Number.isFinite(s))) return null;
  const corr = cov.map((c, i) => c / (sd[Math.floor(i / d)] * sd[i % d]));
  return largestSymmetricEigenvalue(corr, d);
}

/**
 * The largest eigenvalue of a symmetric d x d matrix (row-major), from `symmetricEigen`.
 */
export function largestSymmetricEigenvalue(a: Float64Array, d: number): number {
  return Math.max(...symmetricEigen(a, d).values);
}

/** Eigenvalues and orthonormal eigenvectors of a symmetric matrix (see `symmetricEigen`). */
export interface SymmetricEigen {
  /** The d eigenvalues, in no particular order. */
  values: Float64Array;
  /** d x d row-major: column k (vectors[j * d + k], j = 0..d-1) is the unit eigenvector of values[k]. */
  vectors: Float64Array;
}

/** Most sweeps of the Jacobi method (it converges quadratically: 6-10 sweeps for d <= 64). */
const JACOBI_SWEEPS = 60;

/**
 * All eigenvalues and eigenvectors of a symmetric d x d matrix (row-major, not changed) by the
 * cyclic Jacobi method: sweeps of plane rotations, each zeroing one off-diagonal element, until
 * the off-diagonal part is below 1e-15 of the matrix's norm (G. H. Golub and C. F. Van Loan,
 * Matrix Computations, 4th ed., sec. 8.5; the rotation angle of W. H. Press et al., Numerical
 * Recipes, 3rd ed., sec. 11.1, which keeps it below pi/4). About 10 d^3 multiply-adds per sweep:
 * 0.1 ms for d = 16, against 0.9 s of loading mathjs's full bundle for its `eigs`.
 * @throws RangeError when a is not d x d or holds a non-finite number.
 */
export function symmetricEigen(a: ArrayLike<number>, d: number): SymmetricEigen {
  if (a.length !== d * d) throw new RangeError(`symmetricEigen: expected ${d * d} entries, got ${a.length}`);
  const m = Float64Array.from(a);
  if (m.some((v) => !Number.isFinite(v))) throw new RangeError('symmetricEigen: the matrix holds a non-finite number');
  const v = new Float64Array(d * d);
  for (let i = 0; i < d; i++) v[i * d + i] = 1;
  let norm = 0;
  for (const x of m) norm += x * x;
  for (let sweep = 0; sweep < JACOBI_SWEEPS; sweep++) {
    let off = 0;
    for (let p = 0; p < d; p++) for (let q = p + 1; q < d; q++) off += 2 * m[p * d + q] * m[p * d + q];
    if (!(off > 1e-30 * norm)) break;
    for (let p = 0; p < d - 1; p++) {
      for (let q = p + 1; q < d; q++) {
        const apq = m[p * d + q];
        if (apq === 0) continue;
        const theta = (m[q * d + q] - m[p * d + p]) / (2 * apq);
        const t = (theta >= 0 ? 1 : -1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        // m <- P^T m P and v <- v P for the rotation P in the plane (p, q)
        for (let k = 0; k < d; k++) {
          const kp = m[k * d + p];
          const kq = m[k * d + q];
          m[k * d + p] = c * kp - s * kq;
          m[k * d + q] = s * kp + c * kq;
          const vp = v[k * d + p];
          const vq = v[k * d + q];
          v[k * d + p] = c * vp - s * vq;
          v[k * d + q] = s * vp + c * vq;
        }
        for (let k = 0; k < d; k++) {
          const pk = m[p * d + k];
          const qk = m[q * d + k];
          m[p * d + k] = c * pk - s * qk;
          m[q * d + k] = s * pk + c * qk;
        }
      }
    }
  }
  return { values: Float64Array.from({ length: d }, (_, i) => m[i * d + i]), vectors: v };
}
