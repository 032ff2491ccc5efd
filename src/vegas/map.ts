/**
 * VEGAS adaptive map: a separable, piecewise-linear bijection V of the unit cube onto itself.
 *
 * Each axis k has N increments with edges 0 = x_0 < x_1 < ... < x_N = 1. A coordinate y in
 * [i/N, (i+1)/N) maps linearly onto [x_i, x_{i+1}):
 *
 *   x = x_i + (x_{i+1} - x_i) (y N - i),   dx/dy = N (x_{i+1} - x_i),
 *
 * so log|J_V(y)| = sum_k log(N dx_{i_k}). Sampling y uniformly gives x the density
 * 1/|J_V(y)|: increments that are narrow in x are sampled densely.
 *
 * Training accumulates, per axis and increment, the mean of a training value (VEGAS uses
 * (f J_V)^2, the squared weight) over the points whose y fell in that increment; `adapt`
 * then moves the edges so that every increment holds an equal share of the smoothed and
 * damped averages.
 *
 * References: G. P. Lepage, "A new algorithm for adaptive multidimensional integration",
 * J. Comput. Phys. 27 (1978) 192; G. P. Lepage, "Adaptive multidimensional integration:
 * VEGAS enhanced", J. Comput. Phys. 439 (2021) 110386, arXiv:2009.05112 (section 2).
 */

/** Increments per axis unless chosen otherwise (the maximum vegas uses). */
export const DEFAULT_NINC = 1000;

/** Plain-data form of a map (JSON): `edges[k]` are the N + 1 edges of axis k, 0 to 1. */
export interface AdaptiveMapJSON {
  dim: number;
  ninc: number;
  edges: number[][];
}

/** Averages below this (after normalisation to sum 1) are treated as this value. */
const TINY_SHARE = 1e-300;
/** Normalised shares above this are left undamped (log(r) -> 0 there). */
const DAMPING_LIMIT = 1 - 1e-8;

/**
 * The N + 1 edges of a map whose axis has the distribution function F (`cdf`, increasing, at
 * the points `xs` of [0, 1], linear between them, from 0 at xs[0] = 0 to `total` at the last
 * point = 1): edge j is F^-1(j total / N), edge 0 is 0 and edge N is 1.
 */
export function edgesAtQuantiles(xs: ArrayLike<number>, cdf: ArrayLike<number>, ninc: number, total = 1): Float64Array {
  const e = new Float64Array(ninc + 1);
  e[ninc] = 1;
  let m = 0;
  for (let j = 1; j < ninc; j++) {
    const t = (j / ninc) * total;
    while (m < xs.length - 2 && cdf[m + 1] <= t) m++;
    const df = cdf[m + 1] - cdf[m];
    const x = df > 0 ? xs[m] + ((t - cdf[m]) / df) * (xs[m + 1] - xs[m]) : xs[m];
    e[j] = Math.min(1, Math.max(e[j - 1], x));
  }
  return e;
}

/**
 * VEGAS adaptive map V: [0,1]^d -> [0,1]^d, separable and piecewise linear with `ninc` increments
 * per axis, trained on (f J_V)^2 (Lepage 1978, J. Comput. Phys. 27:192; Lepage 2021,
 * arXiv:2009.05112, section 2). Points are `[n, dim]` row-major Float64Arrays; log-Jacobians
 * `[n]`, in nats.
 */
export class AdaptiveMap {
  readonly dim: number;
  readonly ninc: number;
  /** Edges, dim x (ninc + 1), row-major; edges[k(N+1)] = 0 and edges[k(N+1) + N] = 1. */
  readonly edges: Float64Array;
  /** Increment widths x_{i+1} - x_i, dim x ninc. */
  readonly widths: Float64Array;
  /** log(N (x_{i+1} - x_i)), dim x ninc: the log-Jacobian of each increment. */
  readonly logJac: Float64Array;
  /** Training sums and point counts per axis and increment, dim x ninc. */
  private readonly trainSum: Float64Array;
  private readonly trainCount: Float64Array;

  /**
   * A uniform map (the identity) with `ninc` increments per axis, or the map with the given
   * edges (`edges[k]`: ninc + 1 increasing values from 0 to 1 for each axis k).
   * @throws RangeError when dim or ninc is not a positive integer, or the edges are not
   *   increasing from 0 to 1.
   */
  constructor(dim: number, ninc: number = DEFAULT_NINC, edges?: ArrayLike<number>[]) {
    if (!Number.isInteger(dim) || dim < 1) throw new RangeError(`AdaptiveMap: dim must be a positive integer, got ${dim}`);
    if (!Number.isInteger(ninc) || ninc < 1) throw new RangeError(`AdaptiveMap: ninc must be a positive integer, got ${ninc}`);
    this.dim = dim;
    this.ninc = ninc;
    const n1 = ninc + 1;
    this.edges = new Float64Array(dim * n1);
    this.widths = new Float64Array(dim * ninc);
    this.logJac = new Float64Array(dim * ninc);
    this.trainSum = new Float64Array(dim * ninc);
    this.trainCount = new Float64Array(dim * ninc);
    if (edges === undefined) {
      for (let k = 0; k < dim; k++) for (let i = 0; i <= ninc; i++) this.edges[k * n1 + i] = i / ninc;
    } else {
      if (edges.length !== dim) throw new RangeError(`AdaptiveMap: expected ${dim} axes of edges, got ${edges.length}`);
      for (let k = 0; k < dim; k++) {
        const e = edges[k];
        if (e.length !== n1) throw new RangeError(`AdaptiveMap: axis ${k} has ${e.length} edges, expected ${n1}`);
        if (e[0] !== 0 || e[ninc] !== 1) throw new RangeError(`AdaptiveMap: the edges of axis ${k} must run from 0 to 1`);
        for (let i = 0; i <= ninc; i++) {
          if (!Number.isFinite(e[i]) || (i > 0 && !(e[i] >= e[i - 1]))) {
            throw new RangeError(`AdaptiveMap: the edges of axis ${k} must be finite and non-decreasing`);
          }
          this.edges[k * n1 + i] = e[i];
        }
      }
    }
    this.updateIncrements();
  }

  /** Recompute widths and log-Jacobians from the edges. */
  private updateIncrements(): void {
    const { dim, ninc, edges, widths, logJac } = this;
    const n1 = ninc + 1;
    for (let k = 0; k < dim; k++) {
      for (let i = 0; i < ninc; i++) {
        const w = edges[k * n1 + i + 1] - edges[k * n1 + i];
        widths[k * ninc + i] = w;
        logJac[k * ninc + i] = Math.log(ninc * w);
      }
    }
  }

  /**
   * Forward map of n points: y (n x dim, row-major, in [0,1]) -> x (n x dim) and
   * logAbsDet[i] = log|J_V(y_i)|. O(1) per axis and point (the increment is floor(y N)).
   */
  forward(y: ArrayLike<number>, n: number, x: Float64Array, logAbsDet: Float64Array): void {
    const { dim, ninc, edges, widths, logJac } = this;
    const n1 = ninc + 1;
    for (let p = 0, o = 0; p < n; p++) {
      let lj = 0;
      for (let k = 0; k < dim; k++, o++) {
        const t = y[o] * ninc;
        let i = t | 0; // floor for t >= 0; negative t is clamped below
        if (i >= ninc) i = ninc - 1;
        else if (i < 0) i = 0;
        const c = k * ninc + i;
        x[o] = edges[k * n1 + i] + widths[c] * (t - i);
        lj += logJac[c];
      }
      logAbsDet[p] = lj;
    }
  }

  /**
   * Inverse map of n points: x (n x dim, in [0,1]) -> y and logAbsDet[i] = log|J_V(y_i)|
   * (the same sign as `forward`: log|dx/dy|). Binary search per axis; x outside [0,1] is
   * clamped to the nearest face.
   */
  inverse(x: ArrayLike<number>, n: number, y: Float64Array, logAbsDet: Float64Array): void {
    const { dim, ninc, edges, widths, logJac } = this;
    const n1 = ninc + 1;
    for (let p = 0, o = 0; p < n; p++) {
      let lj = 0;
      for (let k = 0; k < dim; k++, o++) {
        const xv = x[o];
        const base = k * n1;
        // largest i with edges[i] <= x (and i < ninc)
        let lo = 0;
        let hi = ninc;
        while (hi - lo > 1) {
          const mid = (lo + hi) >>> 1;
          if (edges[base + mid] <= xv) lo = mid;
          else hi = mid;
        }
        const c = k * ninc + lo;
        const w = widths[c];
        let frac = w > 0 ? (xv - edges[base + lo]) / w : 0;
        if (frac < 0) frac = 0;
        else if (frac > 1) frac = 1;
        y[o] = (lo + frac) / ninc;
        lj += logJac[c];
      }
      logAbsDet[p] = lj;
    }
  }

  /**
   * Log density log q(x) = -log|J_V(V^-1(x))| of x = V(y) for y uniform on the unit cube,
   * at n points x (n x dim). `y` is scratch space of n x dim values.
   */
  logDensity(x: ArrayLike<number>, n: number, out: Float64Array, y = new Float64Array(n * this.dim)): void {
    this.inverse(x, n, y, out);
    for (let p = 0; p < n; p++) out[p] = -out[p];
  }

  /**
   * Accumulate training data: for each of n points y (n x dim) its non-negative training
   * value (VEGAS: the squared weight (f J_V)^2, in any fixed unit) is added to the sum of the
   * increment that y falls in, on every axis; `adapt` uses the mean per increment.
   */
  addTrainingData(y: ArrayLike<number>, values: ArrayLike<number>, n: number): void {
    const { dim, ninc, trainSum, trainCount } = this;
    for (let p = 0, o = 0; p < n; p++) {
      const v = values[p];
      for (let k = 0; k < dim; k++, o++) {
        let i = (y[o] * ninc) | 0;
        if (i >= ninc) i = ninc - 1;
        else if (i < 0) i = 0;
        const c = k * ninc + i;
        trainSum[c] += v;
        trainCount[c] += 1;
      }
    }
  }

  /** Multiply the training sums accumulated so far by `factor` (a change of their unit). */
  scaleTrainingData(factor: number): void {
    const s = this.trainSum;
    for (let c = 0; c < s.length; c++) s[c] *= factor;
  }

  /** Forget the training data accumulated since the last `adapt`. */
  clearTrainingData(): void {
    this.trainSum.fill(0);
    this.trainCount.fill(0);
  }

  /**
   * Move the edges to the accumulated training data and clear it (Lepage 1978; vegas'
   * AdaptiveMap.adapt). Per axis: the average training value a_i of each increment is
   * smoothed with its neighbours, (a_{i-1} + 6 a_i + a_{i+1})/8 ((7 a_0 + a_1)/8 at the ends),
   * normalised to shares r_i summing to 1 and damped, r_i -> ((1 - r_i)/log(1/r_i))^alpha;
   * the new edges then split the axis so that each new increment holds an equal share of the
   * damped r_i, interpolating linearly inside the old increments. alpha = 0 leaves the map
   * unchanged; larger alpha adapts faster (vegas' default is 0.5). An axis without training
   * data keeps its edges.
   */
  adapt(alpha: number): void {
    const { dim, ninc, edges, widths, trainSum, trainCount } = this;
    if (!(alpha > 0) || ninc < 2) {
      this.clearTrainingData();
      return;
    }
    const n1 = ninc + 1;
    const avg = new Float64Array(ninc);
    const share = new Float64Array(ninc);
    const newEdges = new Float64Array(n1);
    for (let k = 0; k < dim; k++) {
      const c0 = k * ninc;
      for (let i = 0; i < ninc; i++) {
        const cnt = trainCount[c0 + i];
        avg[i] = cnt > 0 ? trainSum[c0 + i] / cnt : 0;
      }
      let sum = 0;
      share[0] = (7 * avg[0] + avg[1]) / 8;
      share[ninc - 1] = (7 * avg[ninc - 1] + avg[ninc - 2]) / 8;
      for (let i = 1; i < ninc - 1; i++) share[i] = (6 * avg[i] + avg[i - 1] + avg[i + 1]) / 8;
      for (let i = 0; i < ninc; i++) sum += share[i];
      if (!(sum > 0) || !Number.isFinite(sum)) continue; // no usable data on this axis
      let total = 0;
      for (let i = 0; i < ninc; i++) {
        let r = share[i] / sum + TINY_SHARE;
        if (r < DAMPING_LIMIT) r = Math.pow((1 - r) / -Math.log(r), alpha);
        share[i] = r;
        total += r;
      }
      // equal shares of the damped weights per new increment
      const perInc = total / ninc;
      const base = k * n1;
      newEdges[0] = 0;
      newEdges[ninc] = 1;
      let j = -1;
      let acc = 0;
      for (let i = 1; i < ninc; i++) {
        while (acc < perInc && j < ninc - 1) {
          j++;
          acc += share[j];
        }
        if (acc < perInc) {
          // rounding left the last increments short: fill with the old upper edge
          newEdges[i] = 1;
          continue;
        }
        acc -= perInc;
        newEdges[i] = edges[base + j + 1] - (acc / share[j]) * widths[c0 + j];
      }
      for (let i = 1; i < ninc; i++) {
        let e = newEdges[i];
        if (e < newEdges[i - 1]) e = newEdges[i - 1];
        if (e > 1) e = 1;
        edges[base + i] = e;
      }
    }
    this.updateIncrements();
    this.clearTrainingData();
  }

  /**
   * Replace the edges by the element-wise weighted mean of the given edge arrays (each
   * dim x (ninc + 1), as `edges`; equal weights by default): the mean of several maps' inverse
   * CDFs, again a map with edges from 0 to 1.
   * Averaging the maps of the last iterations of a converged adaptation smooths out their
   * statistical fluctuations. Clears the training data.
   * @throws RangeError when no arrays are given or their length differs.
   */
  setMeanEdges(edgeSets: Float64Array[], weights: number[] = edgeSets.map(() => 1)): void {
    if (edgeSets.length === 0) throw new RangeError('AdaptiveMap: no edges to average');
    if (weights.length !== edgeSets.length) throw new RangeError('AdaptiveMap: one weight per edge array');
    const { edges } = this;
    for (const e of edgeSets) {
      if (e.length !== edges.length) throw new RangeError(`AdaptiveMap: expected ${edges.length} edges, got ${e.length}`);
    }
    const total = weights.reduce((a, b) => a + b, 0);
    if (!(total > 0) || !Number.isFinite(total) || weights.some((v) => !(v >= 0))) {
      throw new RangeError('AdaptiveMap: the weights must be non-negative with a positive finite sum');
    }
    const n1 = this.ninc + 1;
    for (let c = 0; c < edges.length; c++) {
      let s = 0;
      for (let j = 0; j < edgeSets.length; j++) s += weights[j] * edgeSets[j][c];
      const i = c % n1;
      edges[c] = i === 0 ? 0 : i === this.ninc ? 1 : Math.min(1, s / total);
    }
    for (let c = 1; c < edges.length; c++) if (c % n1 !== 0 && edges[c] < edges[c - 1]) edges[c] = edges[c - 1];
    this.updateIncrements();
    this.clearTrainingData();
  }

  /** A copy of the edges of axis k (ninc + 1 values from 0 to 1). */
  axisEdges(k: number): Float64Array {
    const n1 = this.ninc + 1;
    return this.edges.slice(k * n1, (k + 1) * n1);
  }

  /**
   * Give every axis a density floor and graded increments: the edges are moved so that the map
   * samples each axis from (1 - floor) g_k + floor (uniform), re-gridded onto the N increments:
   * new edge j is F^-1(j/N) for F(x) = (1 - floor) G_k(x) + floor x. g_k is the map's own
   * density q_k = 1/(N w_i) on increment i (width w_i), raised in an increment more than
   * `cliff` times as wide as a neighbour (width v) to 1/(N (grade - 1) (v + t)) at distance t
   * from it, and normalised (G_k its distribution function): there the density of a graded
   * mesh, whose widths grow by a factor of `grade` from one increment to the next (0: no
   * grading). Every increment then has density >= floor, so dx/dy <= 1/floor on each axis.
   *
   * Why the floor: where the integrand is zero over a wide region next to a non-zero one,
   * VEGAS's adaptation leaves one increment stretched over the whole zero region and a sliver
   * of the non-zero one (x1 < 0.5 in d = 2: the last increment spanned [0.4997, 1], weights
   * 1000x the typical one, hit once in ~2e6 points); the estimate then misses that mass and
   * reports an error 10x too small. Why the grading: the floor alone leaves the increment that
   * holds the step as wide as the floor makes it, (x1 < 0.125) in d = 1: [0.12481, 0.19146]
   * with f = 1 on 0.28% of it, hit about once per 4e5 points, and every seed came out low by
   * 2e-4 at 200 to 3000 sigma. A graded transition costs about log_grade(w_i / v) increments
   * per cliff and leaves the rest of the map as it is (with cliff = grade = 2 the tails of
   * Gaussian peaks were graded too and cost 15-40% in variance; cliff = 32 cost nothing
   * measurable on gauss, camel and narrow_gauss). Both are the per-axis form of
   * defensive sampling (T. Hesterberg, Technometrics 37 (1995) 185): a mixture with a wider
   * density bounds the weights.
   * @throws RangeError unless 0 <= floor < 1, grade is 0 or above 1, and cliff >= grade.
   */
  applyDensityFloor(floor: number, grade = 0, cliff = grade): void {
    if (!(floor >= 0 && floor < 1)) throw new RangeError(`AdaptiveMap: the density floor must lie in [0, 1), got ${floor}`);
    if (!(grade === 0 || (grade > 1 && Number.isFinite(grade)))) {
      throw new RangeError(`AdaptiveMap: the grade must be 0 or a finite number above 1, got ${grade}`);
    }
    if (!(cliff >= grade) || !Number.isFinite(cliff))
      throw new RangeError(`AdaptiveMap: the cliff must be finite and >= the grade, got ${cliff}`);
    if (floor === 0 && grade === 0) return;
    const { dim, ninc, edges } = this;
    const n1 = ninc + 1;
    let changed = false;
    for (let k = 0; k < dim; k++) {
      const o = k * n1;
      const old = edges.slice(o, o + n1);
      // breakpoints x and the mass of g_k between them (unnormalised)
      const xs: number[] = [0];
      const mass: number[] = [];
      let graded = false;
      for (let i = 0; i < ninc; i++) {
        const a = old[i];
        const b = old[i + 1];
        const w = b - a;
        const q = 1 / ninc;
        const left = i > 0 ? old[i] - old[i - 1] : Infinity;
        const right = i < ninc - 1 ? old[i + 2] - old[i + 1] : Infinity;
        if (grade === 0 || !(w > cliff * Math.min(left, right))) {
          xs.push(b);
          mass.push(q);
          continue;
        }
        graded = true;
        // a cliff: sub-points at geometric distances from the narrow side(s), then the graded
        // density (the larger of the map's and the neighbours' envelopes) at each piece's middle
        const cuts: number[] = [];
        for (const [v, from, dir] of [
          [left, a, 1],
          [right, b, -1],
        ] as const) {
          if (!(w > cliff * v)) continue;
          for (let t = v * (grade - 1); t < w; t *= grade) cuts.push(from + dir * t);
        }
        cuts.push(b);
        cuts.sort((p, r) => p - r);
        let prev = a;
        for (const c of cuts) {
          if (!(c > prev)) continue;
          const mid = (prev + c) / 2;
          let dens = q / w;
          if (w > cliff * left) dens = Math.max(dens, 1 / (ninc * (grade - 1) * (left + mid - a)));
          if (w > cliff * right) dens = Math.max(dens, 1 / (ninc * (grade - 1) * (right + b - mid)));
          xs.push(c);
          mass.push(dens * (c - prev));
          prev = c;
        }
      }
      // no floor and no cliff: the re-gridding would give back the same edges
      if (floor === 0 && !graded) continue;
      changed = true;
      let total = 0;
      for (const m of mass) total += m;
      // F at the breakpoints: (1 - floor) G_k + floor x (G_k = i/N at edge i without grading)
      const f = new Float64Array(xs.length);
      let acc = 0;
      for (let m = 1; m < xs.length; m++) {
        acc += mass[m - 1];
        f[m] = (1 - floor) * (graded ? acc / total : m / ninc) + floor * xs[m];
      }
      f[xs.length - 1] = 1;
      edges.set(edgesAtQuantiles(xs, f, ninc), o);
    }
    if (changed) this.updateIncrements();
  }

  /** An independent copy of this map (training data not included). */
  clone(): AdaptiveMap {
    return AdaptiveMap.fromJSON(this.toJSON());
  }

  /** Plain arrays of edges (JSON round-trips float64 exactly). */
  toJSON(): AdaptiveMapJSON {
    const edges: number[][] = [];
    for (let k = 0; k < this.dim; k++) edges.push(Array.from(this.axisEdges(k)));
    return { dim: this.dim, ninc: this.ninc, edges };
  }

  /**
   * The map saved by `toJSON`.
   * @throws RangeError when the shapes disagree or the edges are not increasing from 0 to 1.
   */
  static fromJSON(json: AdaptiveMapJSON): AdaptiveMap {
    return new AdaptiveMap(json.dim, json.ninc, json.edges);
  }
}
