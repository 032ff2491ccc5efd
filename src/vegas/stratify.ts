/**
 * VEGAS+ adaptive stratified sampling in the y space of the adaptive map.
 *
 * The unit cube is cut into H = prod_k nstrat_k hypercubes of equal volume V_h = 1/H. An
 * iteration of N calls puts n_h >= 2 points into hypercube h, and the stratified estimate
 * and its variance are
 *
 *   I = sum_h V_h mean_h(g),   Var(I) = sum_h V_h^2 sigma_h^2 / n_h,
 *
 * with g the integrand in y (f times the map's Jacobian). With weights
 * w = g N V_h / n_h for the points of hypercube h, I is the plain mean of w over the
 * iteration and Var(sum w) = sum_h n_h/(n_h - 1) (S2_h - S1_h^2/n_h), where S1_h, S2_h are
 * the sums of w and w^2 over hypercube h. Between iterations n_h is redistributed: a fixed
 * part (1 - adaptiveFraction) N spread evenly (at least 2 per hypercube) plus
 * adaptiveFraction N in proportion to sigma_h^beta; beta = 1 is optimal in theory, beta = 0
 * switches the redistribution off (classic VEGAS).
 *
 * Reference: G. P. Lepage, "Adaptive multidimensional integration: VEGAS enhanced",
 * J. Comput. Phys. 439 (2021) 110386, arXiv:2009.05112 (section 3); vegas' Integrator
 * (nstrat, beta, neval_frac).
 */

/** Damping exponent of the redistribution, n_h ~ sigma_h^beta (vegas' default). */
export const DEFAULT_BETA = 0.75;
/** Fraction of the calls redistributed by sigma_h^beta (vegas' neval_frac default). */
export const DEFAULT_ADAPTIVE_FRACTION = 0.75;
/** Fewest points per hypercube: two give a variance estimate. */
const MIN_PER_HYPERCUBE = 2;

/** Relative round-off floor of a hypercube's variance (as in vegas: 10 machine epsilons). */
const ROUNDOFF = 10 * Number.EPSILON;
/** Largest ratio of a chunk's max |w| to the current unit before the sums are rescaled. */
const RESCALE_LIMIT = Math.pow(2, 300);

/** A power of two close to x (x > 0, finite). */
export function powerOfTwoNear(x: number): number {
  return Math.pow(2, Math.round(Math.log2(x)));
}

/**
 * Strata per axis for `calls` points per iteration, as vegas chooses them: the fixed part
 * (1 - adaptiveFraction) calls must give every hypercube 2 points, so H <= (1 -
 * adaptiveFraction) calls / 2. Every axis gets ns or ns + 1 strata (the first axes ns + 1),
 * with the most hypercubes that fit. In high dimension ns is 1: only the first
 * floor(log2(budget)) axes are cut in two, the others are not stratified.
 * @throws RangeError when dim or calls is not a positive integer or adaptiveFraction is outside [0, 1).
 */
export function chooseStrata(dim: number, calls: number, adaptiveFraction = DEFAULT_ADAPTIVE_FRACTION): Int32Array {
  if (!Number.isInteger(dim) || dim < 1) throw new RangeError(`chooseStrata: dim must be a positive integer, got ${dim}`);
  if (!Number.isInteger(calls) || calls < 1) throw new RangeError(`chooseStrata: calls must be a positive integer, got ${calls}`);
  if (!(adaptiveFraction >= 0 && adaptiveFraction < 1)) {
    throw new RangeError(`chooseStrata: adaptiveFraction must lie in [0, 1), got ${adaptiveFraction}`);
  }
  const budget = ((1 - adaptiveFraction) * calls) / MIN_PER_HYPERCUBE; // most hypercubes
  const nstrat = new Int32Array(dim).fill(1);
  if (budget < 2) return nstrat;
  const logBudget = Math.log(budget);
  let ns = Math.max(1, Math.floor(Math.exp(logBudget / dim)));
  // correct the floating-point root
  while (dim * Math.log(ns + 1) <= logBudget + 1e-12) ns++;
  while (ns > 1 && dim * Math.log(ns) > logBudget + 1e-12) ns--;
  const step = Math.log((ns + 1) / ns);
  let up = Math.floor((logBudget - dim * Math.log(ns)) / step + 1e-12);
  up = Math.max(0, Math.min(dim, up));
  while (up > 0 && up * step + dim * Math.log(ns) > logBudget + 1e-12) up--;
  for (let k = 0; k < dim; k++) nstrat[k] = k < up ? ns + 1 : ns;
  return nstrat;
}

/** Plain-data form of a stratification (JSON). */
export interface StratificationJSON {
  nstrat: number[];
  /** sigma_h^beta per hypercube (the allocation weights), H values. */
  weights: number[];
}

/** Var(sum w) of an iteration: varSumW in units of scale^2 (scale: a power of two). */
export interface StratifiedVariance {
  varSumW: number;
  scale: number;
}

/**
 * VEGAS+ adaptive stratification of the unit cube (Lepage 2021, arXiv:2009.05112, section 3):
 * H = prod nstrat equal hypercubes, numbered with axis 0 fastest; the points per hypercube n_h
 * follow sigma_h^beta between iterations, and the per-hypercube sums of the weights give the
 * stratified variance of an iteration.
 */
export class Stratification {
  readonly dim: number;
  /** Strata per axis. */
  readonly nstrat: Int32Array;
  /** Number of hypercubes H = prod nstrat. */
  readonly nhcube: number;
  /** Allocation weights sigma_h^beta (vegas' sigf); all 1 before any data. */
  readonly weights: Float64Array;
  /** Points per hypercube n_h of the current allocation (sum: `calls`). */
  readonly counts: Int32Array;
  /** Calls of the current allocation (0 before `allocate`). */
  calls = 0;
  /** Per-hypercube sums of w and w^2 in units of `scale` (scale^2). */
  private readonly s1: Float64Array;
  private readonly s2: Float64Array;
  private scale = 1;
  private scaleSet = false;

  /**
   * @param nstrat strata per axis (positive integers), e.g. from `chooseStrata`.
   * @param weights allocation weights per hypercube (default: all 1).
   * @throws RangeError on non-positive strata, too many hypercubes, or weights of the wrong length.
   */
  constructor(nstrat: ArrayLike<number>, weights?: ArrayLike<number>) {
    this.dim = nstrat.length;
    this.nstrat = Int32Array.from(nstrat);
    let h = 1;
    for (let k = 0; k < this.dim; k++) {
      const s = nstrat[k];
      if (!Number.isInteger(s) || s < 1) throw new RangeError(`Stratification: strata per axis must be positive integers, got ${s}`);
      h *= s;
    }
    if (h > 2 ** 30) throw new RangeError(`Stratification: ${h} hypercubes are too many`);
    this.nhcube = h;
    this.weights = new Float64Array(h).fill(1);
    if (weights !== undefined) {
      if (weights.length !== h) throw new RangeError(`Stratification: expected ${h} weights, got ${weights.length}`);
      for (let i = 0; i < h; i++) {
        const v = weights[i];
        if (!(v >= 0) || !Number.isFinite(v)) throw new RangeError('Stratification: weights must be finite and non-negative');
        this.weights[i] = v;
      }
    }
    this.counts = new Int32Array(h);
    this.s1 = new Float64Array(h);
    this.s2 = new Float64Array(h);
  }

  /** Fewest calls an iteration can have: 2 per hypercube. */
  get minCalls(): number {
    return MIN_PER_HYPERCUBE * this.nhcube;
  }

  /**
   * Fix n_h for an iteration of exactly `calls` points: each hypercube gets
   * max(2, floor((1 - adaptiveFraction) calls / H)) points, and the rest is shared in
   * proportion to the weights (cumulative rounding, so the n_h sum to `calls` and each is
   * within one of its share). Clears the sums of the previous iteration.
   * @throws RangeError when calls < 2 H or adaptiveFraction is outside [0, 1).
   */
  allocate(calls: number, adaptiveFraction = DEFAULT_ADAPTIVE_FRACTION): void {
    const H = this.nhcube;
    if (!Number.isInteger(calls) || calls < this.minCalls) {
      throw new RangeError(`Stratification: an iteration needs at least ${this.minCalls} calls (2 per hypercube), got ${calls}`);
    }
    if (!(adaptiveFraction >= 0 && adaptiveFraction < 1)) {
      throw new RangeError(`Stratification: adaptiveFraction must lie in [0, 1), got ${adaptiveFraction}`);
    }
    const { counts, weights } = this;
    const nmin = Math.max(MIN_PER_HYPERCUBE, Math.floor(((1 - adaptiveFraction) * calls) / H));
    const spare = calls - nmin * H;
    let total = 0;
    for (let h = 0; h < H; h++) total += weights[h];
    const even = !(total > 0) || !Number.isFinite(total);
    let acc = 0;
    let prev = 0;
    for (let h = 0; h < H; h++) {
      acc += even ? 1 : weights[h];
      const cum = h === H - 1 ? spare : Math.min(spare, Math.floor((spare * acc) / (even ? H : total)));
      counts[h] = nmin + cum - prev;
      prev = cum;
    }
    this.calls = calls;
    this.clearSums();
  }

  /** Forget the sums of w (start of an iteration). */
  clearSums(): void {
    this.s1.fill(0);
    this.s2.fill(0);
    this.scale = 1;
    this.scaleSet = false;
  }

  /**
   * Add n weights w[i] of points in hypercubes ids[i] to the per-hypercube sums. The sums are
   * kept in units of a power of two chosen from the first non-zero weights (raised when much
   * larger ones arrive), so that huge or tiny integrands neither overflow nor underflow.
   */
  addWeights(ids: Int32Array, w: ArrayLike<number>, n: number): void {
    let max = 0;
    for (let i = 0; i < n; i++) {
      const a = Math.abs(w[i]);
      if (a > max) max = a;
    }
    if (max > 0 && Number.isFinite(max)) {
      if (!this.scaleSet) {
        this.scale = powerOfTwoNear(max);
        this.scaleSet = true;
      } else if (max / this.scale > RESCALE_LIMIT) {
        this.rescale(powerOfTwoNear(max));
      }
    }
    const inv = 1 / this.scale;
    const { s1, s2 } = this;
    for (let i = 0; i < n; i++) {
      const v = w[i] * inv;
      const h = ids[i];
      s1[h] += v;
      s2[h] += v * v;
    }
  }

  private rescale(scale: number): void {
    const f = this.scale / scale;
    const f2 = f * f;
    for (let h = 0; h < this.nhcube; h++) {
      this.s1[h] *= f;
      this.s2[h] *= f2;
    }
    this.scale = scale;
  }

  /** Sum of w over the iteration so far, in units of the returned scale. */
  sumW(): { sumW: number; scale: number } {
    let s = 0;
    for (let h = 0; h < this.nhcube; h++) s += this.s1[h];
    return { sumW: s, scale: this.scale };
  }

  /**
   * Var(sum w) of the iteration: sum_h n_h/(n_h - 1) (S2_h - S1_h^2/n_h), each term at least
   * 10 machine epsilons of S2_h (round-off), as vegas does. Hypercubes with fewer than two
   * points so far add nothing.
   */
  variance(): StratifiedVariance {
    const { counts, s1, s2 } = this;
    let v = 0;
    for (let h = 0; h < this.nhcube; h++) {
      const n = counts[h];
      if (n < 2) continue;
      const a = s1[h];
      const b = s2[h];
      const t = (n * b - a * a) / (n - 1);
      const floor = ROUNDOFF * b;
      v += t > floor ? t : floor;
    }
    return { varSumW: v, scale: this.scale };
  }

  /**
   * Set the allocation weights from the sums of the iteration just done: sigma_h^beta with
   * sigma_h^2 ~ n_h (S2_h - S1_h^2/n_h) (the variance of g in hypercube h, up to a common
   * factor). beta = 0 gives equal weights (no redistribution).
   */
  updateWeights(beta = DEFAULT_BETA): void {
    const { counts, s1, s2, weights } = this;
    const half = beta / 2;
    for (let h = 0; h < this.nhcube; h++) {
      if (beta === 0) {
        weights[h] = 1;
        continue;
      }
      const n = counts[h];
      const v = n * s2[h] - s1[h] * s1[h];
      weights[h] = v > 0 ? Math.pow(v, half) : 0;
    }
    // keep the weights O(1) so that their sum neither overflows nor underflows
    let max = 0;
    for (let h = 0; h < this.nhcube; h++) if (weights[h] > max) max = weights[h];
    if (max > 0 && Number.isFinite(max)) {
      const inv = 1 / max;
      for (let h = 0; h < this.nhcube; h++) weights[h] *= inv;
    } else {
      weights.fill(1);
    }
  }

  /**
   * A stratification with other strata per axis whose weights are inherited from this one:
   * each new hypercube takes the weight of the old hypercube that holds its centre. Used to
   * stratify finer when the final iterations have more calls than the adaptation's.
   * @throws RangeError when the number of axes differs.
   */
  refined(nstrat: ArrayLike<number>): Stratification {
    if (nstrat.length !== this.dim) throw new RangeError(`Stratification: expected ${this.dim} axes, got ${nstrat.length}`);
    const next = new Stratification(nstrat);
    const { dim } = this;
    const digits = new Int32Array(dim);
    for (let h = 0; h < next.nhcube; h++) {
      let old = 0;
      let stride = 1;
      for (let k = 0; k < dim; k++) {
        const centre = (digits[k] + 0.5) / next.nstrat[k];
        old += Math.min(this.nstrat[k] - 1, Math.floor(centre * this.nstrat[k])) * stride;
        stride *= this.nstrat[k];
      }
      next.weights[h] = this.weights[old];
      for (let k = 0; k < dim; k++) {
        if (++digits[k] < next.nstrat[k]) break;
        digits[k] = 0;
      }
    }
    return next;
  }

  /** Strata and weights as plain arrays. */
  toJSON(): StratificationJSON {
    return { nstrat: Array.from(this.nstrat), weights: Array.from(this.weights) };
  }

  /** The stratification saved by `toJSON` (no allocation yet). */
  static fromJSON(json: StratificationJSON): Stratification {
    return new Stratification(json.nstrat, json.weights);
  }
}
