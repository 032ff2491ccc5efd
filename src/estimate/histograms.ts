/**
 * Streamed, fixed-bin histograms of the evaluation sample, for the pictures of `--plot`.
 *
 * The evaluation draws x ~ q and weighs it with w = f(x) V / q(x). For a bin B of axis k,
 *
 *   P_p(x_k in B) = E_q[w 1_B] / E_q[w]  ~  sum_B w / sum w          (p = f/F, a ratio estimate)
 *   P_q(x_k in B) = E_q[1_B]             ~  count_B / n
 *
 * so one pass over the weighted sample gives the marginals of p and of the sampling density q
 * side by side, the same samples as the estimate, in float64 and in bounded memory. The
 * ratio's standard error follows from the delta method (as for E_p[X] in stats.ts):
 *
 *   Var(P_B) ~ sum_i w_i^2 (1_B(x_i) - P_B)^2 / (sum w)^2
 *            = (S2_B (1 - 2 P_B) + P_B^2 S2) / S1^2,   S1 = sum w, S2 = sum w^2, S2_B = sum_B w^2.
 *
 * Bins span the user's domain on each axis. An axis with an infinite bound gets its range
 * from the first chunk instead (no quantiles, no second pass): the span of that chunk's
 * finite points, widened by a quarter of the span on each side; points outside later land
 * in the under/overflow counters, which the picture reports.
 *
 * The weights are binned as log10(|w| / m0), m0 the mean |w| of the first chunk with a
 * non-zero weight, in 1/10-decade bins over 24 decades; at the end the edges are shifted to
 * log10(|w| / mean |w|), which is exact for bins on a log scale.
 */
import type { HistogramData } from '../report/schema';

/** Bins per axis of the one-dimensional marginals. */
const MARGINAL_BINS = 50;
/** Bins per axis of the two-dimensional marginal. */
const PAIR_BINS = 40;
/** The first dimensions whose marginals are kept unless asked for more. */
export const DEFAULT_PLOT_DIMS = 16;
/** Weight histogram: bins per decade, and the decades below/above the first chunk's mean. */
const WEIGHT_BINS_PER_DECADE = 10;
const WEIGHT_DECADES_BELOW = 16;
const WEIGHT_DECADES_ABOVE = 8;

/** Options of the --plot histograms: the domain, which marginals to keep, and bins per axis (default MARGINAL_BINS, PAIR_BINS). */
export interface HistogramOptions {
  /** Domain of the problem, one [lo, hi] per dimension (infinite ends allowed). */
  bounds: [number, number][];
  /** Marginals of dimensions 1..dims (clipped to the dimension). */
  dims?: number;
  /** The 1-based pair (a, b) of the two-dimensional marginal, null for none. */
  pair?: [number, number] | null;
  bins?: number;
  pairBins?: number;
}

/** Float64 sums of one axis over `bins` equal bins of [lo, hi], with under/overflow. */
class Axis {
  lo = NaN;
  hi = NaN;
  constructor(
    readonly bounds: [number, number],
    readonly bins: number,
  ) {
    if (Number.isFinite(bounds[0]) && Number.isFinite(bounds[1])) [this.lo, this.hi] = bounds;
  }
  get ready(): boolean {
    return !Number.isNaN(this.lo);
  }
  /** Range for an axis with an infinite bound: the finite side, else the pilot's span widened. */
  pilot(values: number[]): void {
    let mn = Infinity;
    let mx = -Infinity;
    for (const v of values) {
      if (!Number.isFinite(v)) continue;
      if (v < mn) mn = v;
      if (v > mx) mx = v;
    }
    if (mn > mx) return;
    const span = mx - mn || 1;
    this.lo = Number.isFinite(this.bounds[0]) ? this.bounds[0] : mn - span / 4;
    this.hi = Number.isFinite(this.bounds[1]) ? this.bounds[1] : mx + span / 4;
  }
  /** Bin of v, -1 below, `bins` above (v = hi goes to the last bin). */
  index(v: number): number {
    if (!(v >= this.lo)) return -1;
    if (v > this.hi) return this.bins;
    return Math.min(this.bins - 1, Math.floor(((v - this.lo) / (this.hi - this.lo)) * this.bins));
  }
}

/**
 * Marginal histograms of p and q and the weight distribution, filled chunk by chunk through
 * `add` (the `onSamples` hook of the evaluation stream) and read once with `data()`.
 */
export class MarginalHistograms {
  private readonly axes: Axis[];
  private readonly pairAxes: [Axis, Axis] | null;
  readonly pair: [number, number] | null;
  /** Per kept dimension: [bins + 2] sums (index 0 underflow, bins + 1 overflow). */
  private readonly sumW: Float64Array[];
  private readonly sumW2: Float64Array[];
  private readonly count: Float64Array[];
  private readonly pairW: Float64Array;
  private readonly pairCount: Float64Array;
  private pairOutside = 0;
  private readonly weightCounts = new Float64Array((WEIGHT_DECADES_BELOW + WEIGHT_DECADES_ABOVE) * WEIGHT_BINS_PER_DECADE);
  private weightBelow = 0;
  private weightAbove = 0;
  private zeros = 0;
  private negatives = 0;
  private m0 = 0;
  private n = 0;
  private s1 = 0;
  private s2 = 0;
  private sAbs = 0;
  private readonly dim: number;

  constructor(options: HistogramOptions) {
    const { bounds } = options;
    this.dim = bounds.length;
    const bins = options.bins ?? MARGINAL_BINS;
    const kept = Math.min(this.dim, options.dims ?? DEFAULT_PLOT_DIMS);
    this.axes = Array.from({ length: kept }, (_, k) => new Axis(bounds[k], bins));
    this.sumW = this.axes.map(() => new Float64Array(bins + 2));
    this.sumW2 = this.axes.map(() => new Float64Array(bins + 2));
    this.count = this.axes.map(() => new Float64Array(bins + 2));
    this.pair = options.pair ?? null;
    const pb = options.pairBins ?? PAIR_BINS;
    this.pairAxes = this.pair ? [new Axis(bounds[this.pair[0] - 1], pb), new Axis(bounds[this.pair[1] - 1], pb)] : null;
    this.pairW = new Float64Array(this.pairAxes ? pb * pb : 0);
    this.pairCount = new Float64Array(this.pairAxes ? pb * pb : 0);
  }

  /** Bin n points x (n x dim, row-major) with weights w. Arrays are read, not kept. */
  add(x: ArrayLike<number>, w: ArrayLike<number>, n: number): void {
    const d = this.dim;
    this.pilotAxes(x, n);
    for (let k = 0; k < this.axes.length; k++) {
      const axis = this.axes[k];
      const sw = this.sumW[k];
      const sw2 = this.sumW2[k];
      const c = this.count[k];
      const { lo, hi, bins } = axis;
      const scale = bins / (hi - lo);
      for (let i = 0, o = k; i < n; i++, o += d) {
        const v = x[o];
        // as Axis.index, shifted by one: 0 underflow, bins + 1 overflow
        const b = !(v >= lo) ? 0 : v > hi ? bins + 1 : Math.min(bins, Math.floor((v - lo) * scale) + 1);
        const wi = w[i];
        sw[b] += wi;
        sw2[b] += wi * wi;
        c[b] += 1;
      }
    }
    if (this.pairAxes && this.pair) {
      const [ax, ay] = this.pairAxes;
      const [a, b] = [this.pair[0] - 1, this.pair[1] - 1];
      for (let i = 0; i < n; i++) {
        const ix = ax.index(x[i * d + a]);
        const iy = ay.index(x[i * d + b]);
        if (ix < 0 || iy < 0 || ix >= ax.bins || iy >= ay.bins) {
          this.pairOutside++;
          continue;
        }
        this.pairW[iy * ax.bins + ix] += w[i];
        this.pairCount[iy * ax.bins + ix] += 1;
      }
    }
    this.addWeights(w, n);
  }

  private pilotAxes(x: ArrayLike<number>, n: number): void {
    const all = [...this.axes.map((a, k) => [a, k] as const), ...(this.pairAxes ?? []).map((a, j) => [a, this.pair![j] - 1] as const)];
    for (const [axis, k] of all) {
      if (axis.ready) continue;
      const values: number[] = [];
      for (let i = 0; i < n; i++) values.push(x[i * this.dim + k]);
      axis.pilot(values);
    }
  }

  private addWeights(w: ArrayLike<number>, n: number): void {
    if (this.m0 === 0) {
      let s = 0;
      for (let i = 0; i < n; i++) s += Math.abs(w[i]);
      this.m0 = s / n;
    }
    const perDecade = WEIGHT_BINS_PER_DECADE;
    const nb = this.weightCounts.length;
    for (let i = 0; i < n; i++) {
      const wi = w[i];
      this.n++;
      this.s1 += wi;
      this.s2 += wi * wi;
      this.sAbs += Math.abs(wi);
      if (wi === 0) {
        this.zeros++;
        continue;
      }
      if (wi < 0) this.negatives++;
      const b = Math.floor((Math.log10(Math.abs(wi) / this.m0) + WEIGHT_DECADES_BELOW) * perDecade);
      if (b < 0) this.weightBelow++;
      else if (b >= nb) this.weightAbove++;
      else this.weightCounts[b]++;
    }
  }

  /** The histograms as plain numbers (the `histograms` field of the result). */
  data(): HistogramData {
    // an axis that never saw a finite point keeps [0, 1] (all its counts are out of range)
    const lo = (a: Axis) => (a.ready ? a.lo : 0);
    const hi = (a: Axis) => (a.ready ? a.hi : 1);
    const marginals = this.axes.map((axis, k) => ({
      dim: k + 1,
      lo: lo(axis),
      hi: hi(axis),
      sumW: Array.from(this.sumW[k].subarray(1, axis.bins + 1)),
      sumW2: Array.from(this.sumW2[k].subarray(1, axis.bins + 1)),
      count: Array.from(this.count[k].subarray(1, axis.bins + 1)),
      under: { sumW: this.sumW[k][0], count: this.count[k][0] },
      over: { sumW: this.sumW[k][axis.bins + 1], count: this.count[k][axis.bins + 1] },
    }));
    const pair =
      this.pairAxes && this.pair
        ? {
            dims: this.pair,
            x: { lo: lo(this.pairAxes[0]), hi: hi(this.pairAxes[0]), bins: this.pairAxes[0].bins },
            y: { lo: lo(this.pairAxes[1]), hi: hi(this.pairAxes[1]), bins: this.pairAxes[1].bins },
            sumW: Array.from(this.pairW),
            count: Array.from(this.pairCount),
            outside: this.pairOutside,
          }
        : null;
    return { calls: this.n, sumW: this.s1, sumW2: this.s2, marginals, pair, weights: this.weightData() };
  }

  private weightData(): HistogramData['weights'] {
    const c = this.weightCounts;
    let first = 0;
    let last = c.length - 1;
    while (first <= last && c[first] === 0) first++;
    while (last >= first && c[last] === 0) last--;
    const mean = this.n > 0 ? this.sAbs / this.n : 0;
    const shift = this.m0 > 0 && mean > 0 ? Math.log10(this.m0 / mean) : 0;
    const step = 1 / WEIGHT_BINS_PER_DECADE;
    return {
      log10Lo: first <= last ? first * step - WEIGHT_DECADES_BELOW + shift : 0,
      step,
      counts: first <= last ? Array.from(c.subarray(first, last + 1)) : [],
      zeros: this.zeros,
      negatives: this.negatives,
      below: this.weightBelow,
      above: this.weightAbove,
    };
  }
}

/** One bin of a marginal of p and q, as densities per unit of x_k. */
export interface MarginalBin {
  lo: number;
  hi: number;
  /** Estimated density of the marginal of p in the bin, and its standard error. */
  p: number;
  pErr: number;
  /** Density of the marginal of the sampling density q in the bin. */
  q: number;
}

/**
 * The bins of a marginal as densities: p from the weights (ratio estimate with delta-method
 * error, see the module comment), q from the counts. `total` holds the run's S1, S2 and n.
 */
export function marginalDensities(
  m: HistogramData['marginals'][number],
  total: Pick<HistogramData, 'sumW' | 'sumW2' | 'calls'>,
): MarginalBin[] {
  const bins = m.sumW.length;
  const width = (m.hi - m.lo) / bins;
  const { sumW: s1, sumW2: s2, calls } = total;
  return m.sumW.map((sw, b) => {
    const prob = s1 !== 0 ? sw / s1 : 0;
    const variance = s1 !== 0 ? (m.sumW2[b] * (1 - 2 * prob) + prob * prob * s2) / (s1 * s1) : 0;
    return {
      lo: m.lo + b * width,
      hi: m.lo + (b + 1) * width,
      p: prob / width,
      pErr: Math.sqrt(Math.max(0, variance)) / width,
      q: calls > 0 ? m.count[b] / calls / width : 0,
    };
  });
}
