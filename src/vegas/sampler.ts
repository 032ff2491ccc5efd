/**
 * VEGAS+ sampling: points of the unit cube drawn hypercube by hypercube in the y space of an
 * adaptive map, mapped to u = V(y), with their log density, and the adaptation loop that
 * trains the map and the stratification on an integrand.
 *
 * For an iteration of N calls with n_h points in hypercube h (volume V_h = 1/H), a point
 * drawn uniformly in h and mapped by V has the density
 *
 *   q(u) = n_h / (N V_h) / |J_V(y)|,   so   w = g(u) / q(u) = g(u) |J_V(y)| N V_h / n_h
 *
 * and the mean of w over the iteration is the stratified estimate of the integral of g over
 * the unit cube (see stratify.ts). Its variance is the stratified one, not Var(w)/N: the
 * sampler accumulates w per hypercube (through `onSamples`) and returns Var(sum w) at the end
 * of the iteration.
 *
 * References: G. P. Lepage, J. Comput. Phys. 27 (1978) 192; G. P. Lepage, "Adaptive
 * multidimensional integration: VEGAS enhanced", J. Comput. Phys. 439 (2021) 110386,
 * arXiv:2009.05112; vegas' Integrator (random_batch, __call__).
 */
import { NumericalError } from '../errors';
import { CHUNK } from '../estimate/evaluate';
import type { Problem } from '../problem';
import type { Rng } from '../rng';
import { mapToDomain, yieldToEventLoop } from '../sampling';
import type { PrincipalAxes } from './axes';
import { AdaptiveMap, DEFAULT_NINC } from './map';
import { DEFAULT_ADAPTIVE_FRACTION, DEFAULT_BETA, Stratification, chooseStrata, powerOfTwoNear, type StratifiedVariance } from './stratify';

/**
 * The integrand on the unit cube: writes g(u_i) for n points u (n x dim, row-major) into
 * out[0..n-1], with g = f(x(u)) times the Jacobian of the map from the unit cube to the
 * domain, so that the integral of g over [0,1]^d is the integral of f over the domain. With
 * `logQ` (the sampler's log densities), a point whose log q is +Infinity (outside the cube
 * under a rotation, src/vegas/axes.ts) gets g = 0 whatever f is there.
 */
export type UnitIntegrand = (u: Float64Array, n: number, out: Float64Array, logQ?: ArrayLike<number>) => void;

/** Set out[i] = 0 where logQ[i] is +Infinity (points of zero weight: see UnitIntegrand). */
function zeroOutside(out: Float64Array, n: number, logQ: ArrayLike<number> | undefined): void {
  if (!logQ) return;
  for (let i = 0; i < n; i++) if (logQ[i] === Infinity) out[i] = 0;
}

/**
 * The unit-cube integrand of a problem: g(u) = f(x(u)) |dx/du|, with x(u) the problem's domain
 * map (linear for finite bounds, src/domain.ts for infinite ones and for the power maps of
 * src/singular.ts; the same map as the streaming estimator's). Reuses its buffers.
 */
export function unitIntegrandOf(problem: Problem): UnitIntegrand {
  const { dim } = problem;
  if (problem.domain.plain && problem.bounds.every(([lo, hi]) => lo === 0 && hi === 1)) {
    // the unit cube itself, no power maps: no copy
    return (u, n, out, logQ) => {
      problem.integrand.evaluate(u, n, out);
      zeroOutside(out, n, logQ);
    };
  }
  let x = new Float64Array(0);
  let jac = new Float64Array(0);
  return (u, n, out, logQ) => {
    if (x.length < n * dim) {
      x = new Float64Array(n * dim);
      jac = new Float64Array(n);
    }
    mapToDomain(problem, u, n, x, jac);
    problem.integrand.evaluate(x, n, out);
    for (let i = 0; i < n; i++) out[i] = out[i] === 0 ? 0 : out[i] * jac[i];
    zeroOutside(out, n, logQ);
  };
}

const TWO_POW_M32 = 2 ** -32;

/** Points of one chunk and their log density; views on buffers reused by the next draw. */
export interface VegasDraw {
  /** m x dim points of the unit cube, row-major. */
  u: Float64Array;
  /** log q(u) per point. */
  logQ: Float64Array;
  /** Hypercube of each point (points of a hypercube consecutive within an iteration). */
  groups: Int32Array;
}

/** Settings of the stratification's redistribution between iterations (Lepage 2021, arXiv:2009.05112). */
export interface SamplerOptions {
  /** Damping of the redistribution between iterations (default 0.75; 0: none). */
  beta?: number;
  /** Fraction of the calls redistributed by sigma_h^beta (default 0.75). */
  adaptiveFraction?: number;
  /** A rotation of the cube after the map (src/vegas/axes.ts); absent: none. */
  axes?: PrincipalAxes | null;
}

/**
 * VEGAS+ sampler over a frozen adaptive map and an adaptive stratification.
 *
 * Use per iteration: `beginIteration(N)`, then `draw(m)` for chunks summing to N, each
 * followed by `onSamples(x, w, m, u)` (or `addWeights(w, m)`) with the chunk's weights
 * w = g/q, then `endIteration()`, which returns Var(sum w) for the iteration and moves the
 * allocation n_h towards sigma_h^beta for the next one. The map is never changed here.
 */
export class VegasSampler {
  readonly map: AdaptiveMap;
  readonly strata: Stratification;
  readonly beta: number;
  readonly adaptiveFraction: number;
  /** The rotation after the map (src/vegas/axes.ts), or null. */
  readonly axes: PrincipalAxes | null;
  private readonly rng: Rng;
  private readonly invNstrat: Float64Array;
  private readonly digits: Int32Array;
  private capacity = 0;
  private u = new Float64Array(0);
  private y = new Float64Array(0);
  /** The map's output before the rotation (only with axes). */
  private s = new Float64Array(0);
  private logQ = new Float64Array(0);
  private ids = new Int32Array(0);
  /** Iteration state: calls, points drawn, current hypercube, points left in it, its log(n_h H/N). */
  private calls = 0;
  private drawn = 0;
  private hcube = -1;
  private left = 0;
  private logBase = 0;
  /** Points drawn whose weights have not been added yet. */
  private pending = 0;

  /**
   * @throws RangeError when the map and the stratification differ in dimension, or
   *   beta < 0, or adaptiveFraction is outside [0, 1).
   */
  constructor(map: AdaptiveMap, strata: Stratification, rng: Rng, options: SamplerOptions = {}) {
    if (map.dim !== strata.dim) throw new RangeError(`VegasSampler: map has ${map.dim} dimensions, stratification ${strata.dim}`);
    const beta = options.beta ?? DEFAULT_BETA;
    const frac = options.adaptiveFraction ?? DEFAULT_ADAPTIVE_FRACTION;
    if (!(beta >= 0) || !Number.isFinite(beta)) throw new RangeError(`VegasSampler: beta must be >= 0, got ${beta}`);
    if (!(frac >= 0 && frac < 1)) throw new RangeError(`VegasSampler: adaptiveFraction must lie in [0, 1), got ${frac}`);
    this.map = map;
    this.strata = strata;
    this.rng = rng;
    this.beta = beta;
    this.adaptiveFraction = frac;
    this.axes = options.axes ?? null;
    if (this.axes && this.axes.dim !== map.dim) throw new RangeError(`VegasSampler: axes have ${this.axes.dim} dimensions, map ${map.dim}`);
    this.invNstrat = Float64Array.from(strata.nstrat, (s) => 1 / s);
    this.digits = new Int32Array(map.dim);
  }

  get dim(): number {
    return this.map.dim;
  }

  /** Fewest calls an iteration can have (2 per hypercube). */
  get minCalls(): number {
    return this.strata.minCalls;
  }

  /**
   * Fix the allocation n_h for an iteration of exactly `calls` points (sum n_h = calls).
   * @throws RangeError when calls < minCalls.
   */
  beginIteration(calls: number): void {
    this.strata.allocate(calls, this.adaptiveFraction);
    this.calls = calls;
    this.drawn = 0;
    this.hcube = -1;
    this.left = 0;
    this.pending = 0;
    this.digits.fill(0);
  }

  private ensureCapacity(m: number): void {
    if (m <= this.capacity) return;
    const d = this.dim;
    this.capacity = m;
    this.u = new Float64Array(m * d);
    this.y = new Float64Array(m * d);
    if (this.axes) this.s = new Float64Array(m * d);
    this.logQ = new Float64Array(m);
    this.ids = new Int32Array(m);
  }

  /**
   * The next m points of the iteration, in hypercube order, and log q(u) =
   * log(n_h / (N V_h)) - log|J_V(y)| (plus the rotation's log density with axes, +Infinity
   * for a point the rotation puts outside the cube). The arrays are reused by the next draw.
   * @throws RangeError when no iteration is open or m exceeds the points left in it;
   *   Error when the weights of the previous chunk were not added.
   */
  draw(m: number): VegasDraw {
    if (this.pending > 0) throw new Error('VegasSampler: the weights of the previous chunk were not added (onSamples)');
    if (!Number.isInteger(m) || m < 0) throw new RangeError(`VegasSampler: m must be a non-negative integer, got ${m}`);
    if (this.drawn + m > this.calls) {
      throw new RangeError(`VegasSampler: ${m} more points exceed the iteration (${this.calls - this.drawn} left; call beginIteration)`);
    }
    this.ensureCapacity(m);
    const { dim, rng, digits, invNstrat, u, y, logQ, ids, axes } = this;
    const out = axes ? this.s : u;
    const { ninc, edges, widths, logJac } = this.map;
    const { nstrat, counts, nhcube } = this.strata;
    const n1 = ninc + 1;
    const logScale = Math.log(nhcube / this.calls);
    let h = this.hcube;
    let left = this.left;
    let base = this.logBase;
    for (let p = 0, o = 0; p < m; p++) {
      while (left === 0) {
        if (h >= 0) {
          // next hypercube: odometer over the strata digits, axis 0 fastest
          let k = 0;
          digits[0]++;
          while (digits[k] === nstrat[k] && k < dim - 1) {
            digits[k] = 0;
            k++;
            digits[k]++;
          }
        }
        h++;
        left = counts[h];
        base = Math.log(left) + logScale;
      }
      left--;
      let lj = 0;
      for (let k = 0; k < dim; k++, o++) {
        // 32 random bits per coordinate within a stratum: (r + 1/2) / 2^32 is uniform on a
        // grid of 2^32 points in (0, 1), far finer than any increment of the map
        const yk = (digits[k] + (rng.nextUint32() + 0.5) * TWO_POW_M32) * invNstrat[k];
        y[o] = yk;
        const t = yk * ninc;
        let i = t | 0; // t >= 0: truncation is floor
        if (i >= ninc) i = ninc - 1;
        const c = k * ninc + i;
        out[o] = edges[k * n1 + i] + widths[c] * (t - i);
        lj += logJac[c];
      }
      logQ[p] = base - lj;
      ids[p] = h;
    }
    if (axes) axes.apply(out, u, logQ, m);
    this.hcube = h;
    this.left = left;
    this.logBase = base;
    this.drawn += m;
    this.pending = m;
    return { u: u.subarray(0, m * dim), logQ: logQ.subarray(0, m), groups: ids.subarray(0, m) };
  }

  /** The y points (before the map) of the last draw, m x dim: views reused by the next draw. */
  lastY(): Float64Array {
    return this.y.subarray(0, this.pending * this.dim);
  }

  /** Hypercube of each point of the last draw. */
  lastHypercubes(): Int32Array {
    return this.ids.subarray(0, this.pending);
  }

  /**
   * Add the weights w = g/q of the last draw's n points (in order) to the per-hypercube sums.
   * @throws Error when n is not the size of the last draw.
   */
  addWeights(w: ArrayLike<number>, n: number): void {
    if (n !== this.pending) throw new Error(`VegasSampler: got ${n} weights for a draw of ${this.pending} points`);
    this.strata.addWeights(this.ids, w, n);
    this.pending = 0;
  }

  /** The streaming estimator's `onSamples` hook: adds the chunk's weights (x and u unused). */
  readonly onSamples = (_x: Float64Array, w: Float64Array, n: number, _u: ArrayLike<number>): void => {
    this.addWeights(w, n);
  };

  /**
   * Close the iteration: returns Var(sum w) over its points (varSumW in units of scale^2) and,
   * when the iteration is complete, sets the allocation weights sigma_h^beta for the next one.
   * An incomplete iteration (stopped early) gets the variance of the hypercubes drawn so far
   * and leaves the weights as they were; its mean of w is not the stratified estimate.
   */
  endIteration(): StratifiedVariance {
    if (this.pending > 0) throw new Error('VegasSampler: the weights of the last chunk were not added (onSamples)');
    const complete = this.drawn === this.calls;
    if (!complete) {
      const { counts, nhcube } = this.strata;
      if (this.hcube >= 0) counts[this.hcube] -= this.left;
      for (let h = Math.max(0, this.hcube + 1); h < nhcube; h++) counts[h] = 0;
    }
    const v = this.strata.variance();
    if (complete) this.strata.updateWeights(this.beta);
    this.calls = 0;
    this.drawn = 0;
    return v;
  }

  /** Points drawn in the open iteration so far. */
  get drawnInIteration(): number {
    return this.drawn;
  }

  /**
   * Log density of the map alone (y uniform, no strata): log q(u) = -log|J_V(V^-1(u))| at n
   * points u (n x dim). For mixtures and for a flow on top of the map.
   */
  logDensity(u: ArrayLike<number>, n: number, out: Float64Array): void {
    this.map.logDensity(u, n, out);
  }
}

/**
 * n points of the map alone: y uniform on the unit cube, u = V(y) and log q(u) =
 * -log|J_V(y)|, written to u (n x dim) and logQ (n), using y (n x dim) as scratch.
 */
export function drawFromMap(
  map: AdaptiveMap,
  rng: Rng,
  n: number,
  u: Float64Array,
  logQ: Float64Array,
  y = new Float64Array(n * map.dim),
): void {
  const view = y.subarray(0, n * map.dim);
  rng.fill(view);
  map.forward(view, n, u, logQ);
  for (let i = 0; i < n; i++) logQ[i] = -logQ[i];
}

/** Options of the adaptation. */
export interface AdaptOptions {
  /** Calls per adaptation iteration (at least 2 per hypercube; the strata follow from it). */
  callsPerIteration: number;
  /** Most adaptation iterations (default 20). */
  iterations?: number;
  /** Damping of the map's adaptation (default 0.75; vegas' default is 0.5). */
  alpha?: number;
  /** Damping of the stratification's redistribution (default 0.75; 0: classic VEGAS). */
  beta?: number;
  /** Increments per axis (default: callsPerIteration / 10, between 2 and 1000, as vegas). */
  ninc?: number;
  /** Fraction of the calls redistributed by sigma_h^beta (default 0.75). */
  adaptiveFraction?: number;
  /**
   * Stop adapting once the relative variance per call has levelled off (see `isFlat`): the
   * last three iterations lie within a factor 1 + 5 x flatTolerance of each other and none
   * improves by more than flatTolerance on the best before them (default 0.1); 0 never stops
   * early.
   */
  flatTolerance?: number;
  /** Fewest iterations before an early stop (default 4). */
  minIterations?: number;
  /**
   * At the end of the adaptation, unless the last iteration still cut the relative variance
   * by more than max(flatTolerance, 5%), the map becomes the mean of the maps the last
   * `averageMaps` iterations sampled with (their edges, each weighted by 1/relative variance,
   * 0 beyond twice the best of them): the converged maps fluctuate about the optimum, their
   * mean is closer to it (default 8; 1 keeps the last map).
   */
  averageMaps?: number;
  /** Non-finite integrand values: stop with a NumericalError (default) or count them as zero. */
  nan?: 'error' | 'zero';
  /** Start from this map instead of the uniform one (ninc is then the map's). */
  map?: AdaptiveMap;
  /** Points per chunk (default 32768). */
  chunk?: number;
  /** A rotation of the cube after the map (src/vegas/axes.ts), whose `startingMap` the adaptation starts from unless `map` is given; absent: none. */
  axes?: PrincipalAxes | null;
  /**
   * Grade the map after each adaptation step (AdaptiveMap.applyDensityFloor with floor 0):
   * increments more than `cliff` times as wide as a neighbour get a graded transition, so that
   * the adaptation can find a step of f inside them; absent: none.
   */
  grade?: { grade: number; cliff: number } | null;
}

/** One adaptation iteration: its stratified estimate of the integral and figures. */
export interface AdaptationRow {
  calls: number;
  mean: number;
  sdev: number;
  /** Var(w)/F^2 per call of the stratified estimate: N sdev^2 / mean^2. */
  relativeVariance: number;
  seconds: number;
}

/** The trained map and stratification with the figures of their training. */
export interface VegasAdaptation {
  map: AdaptiveMap;
  strata: Stratification;
  /** One row per adaptation iteration (their estimates are discarded, as vegas does). */
  rows: AdaptationRow[];
  /** Mean relative variance per call of the last (up to) 3 iterations; NaN when none. */
  relativeVariance: number;
  /** Integrand calls made. */
  calls: number;
  seconds: number;
  /** True when the iterations stopped before `iterations` (flat variance or shouldStop). */
  stoppedEarly: boolean;
  /** Non-finite integrand values counted as zero (nan: 'zero'). */
  nonFinite: number;
  /** The settings in effect. */
  settings: { ninc: number; nstrat: number[]; alpha: number; beta: number; adaptiveFraction: number; callsPerIteration: number };
  /** The rotation after the map (AdaptOptions.axes), or null. */
  axes: PrincipalAxes | null;
}

/** Callbacks of `adaptVegas`: progress after each iteration and cooperative cancellation. */
export interface AdaptHooks {
  /** Called after each adaptation iteration. */
  onIteration?: (row: AdaptationRow, index: number) => void;
  /** Polled between chunks; true stops the adaptation (the unfinished iteration is dropped). */
  shouldStop?: () => boolean;
  /** Each chunk's points u of the cube (m x dim, row-major; views reused afterwards) and weights w = g/q. */
  onWeights?: (u: Float64Array, w: Float64Array, m: number) => void;
}

/**
 * Defaults, chosen on the reference suite (src/bench/vegas.ts, budgets 1e5 and 1e6, against
 * vegas+): alpha 0.75 converges in fewer iterations than vegas' 0.5 and is still stable in
 * d = 16 (alpha 1 to 1.5 diverged there at 1e5 calls); up to 20 iterations, because
 * Gaussian peaks in d = 16 need about 20 before the variance levels off, while d <= 8 levels
 * off in 8 to 12 and stops early (flat tolerance 0.1); the mean of the last 8 maps, weighted
 * by 1/relative variance, cut the FoM of narrow_gauss_d4 at 1e5 calls by about 1.6x.
 */
const DEFAULT_ALPHA = 0.75;
/** Most adaptation iterations unless chosen otherwise. */
export const DEFAULT_ITERATIONS = 20;
/** Relative tolerance of `isFlat` for stopping the adaptation early. */
const DEFAULT_FLAT_TOLERANCE = 0.1;
/** Fewest adaptation iterations before an early stop. */
const DEFAULT_MIN_ITERATIONS = 4;
/** Maps of the last iterations averaged into the final map (1 keeps the last map). */
const DEFAULT_AVERAGE_MAPS = 8;

/** vegas' choice of increments per axis: calls / 10, between 2 and DEFAULT_NINC. */
function defaultNinc(callsPerIteration: number): number {
  return Math.max(2, Math.min(DEFAULT_NINC, Math.floor(callsPerIteration / 10)));
}

/**
 * Whether a sequence of per-iteration relative variances has levelled off: the last three
 * are finite, lie within a factor 1 + 5 tol of each other (early iterations jump by factors
 * of several), and the smallest of them is not below (1 - tol) times the best before them.
 */
function isFlat(relVars: number[], tol: number): boolean {
  const n = relVars.length;
  if (n < 4) return false;
  const last = relVars.slice(n - 3);
  if (!last.every((v) => Number.isFinite(v) && v > 0)) return false;
  const lo = Math.min(...last);
  const hi = Math.max(...last);
  const before = Math.min(...relVars.slice(0, n - 3).filter((v) => Number.isFinite(v)));
  return hi <= lo * (1 + 5 * tol) && lo >= before * (1 - tol);
}

/** Point p of a row-major array as "(a, b, ...)" with 6 significant digits. */
function describe(u: ArrayLike<number>, p: number, dim: number): string {
  const c: string[] = [];
  for (let k = 0; k < dim; k++) c.push(Number(u[p * dim + k].toPrecision(6)).toString());
  return `(${c.join(', ')})`;
}

/**
 * Train an adaptive map and a stratification on g (Lepage 1978, 2021). Each iteration draws
 * `callsPerIteration` points by stratified sampling through the current map, accumulates the
 * map's training data (f J_V)^2 and the hypercubes' sums of w, then adapts the map (alpha)
 * and the allocation (beta). The estimates of these iterations are returned as figures only.
 * Yields to the event loop between chunks.
 * @throws RangeError on bad options; NumericalError when g is not finite (nan: 'error').
 */
export async function adaptVegas(
  g: UnitIntegrand,
  dim: number,
  rng: Rng,
  options: AdaptOptions,
  hooks: AdaptHooks = {},
): Promise<VegasAdaptation> {
  const t0 = performance.now();
  const calls = options.callsPerIteration;
  if (!Number.isInteger(calls) || calls < 2) throw new RangeError(`adaptVegas: callsPerIteration must be an integer >= 2, got ${calls}`);
  const iterations = options.iterations ?? DEFAULT_ITERATIONS;
  if (!Number.isInteger(iterations) || iterations < 0)
    throw new RangeError(`adaptVegas: iterations must be a non-negative integer, got ${iterations}`);
  const alpha = options.alpha ?? DEFAULT_ALPHA;
  if (!(alpha >= 0) || !Number.isFinite(alpha)) throw new RangeError(`adaptVegas: alpha must be >= 0, got ${alpha}`);
  const beta = options.beta ?? DEFAULT_BETA;
  const adaptiveFraction = beta > 0 ? (options.adaptiveFraction ?? DEFAULT_ADAPTIVE_FRACTION) : 0;
  const flat = options.flatTolerance ?? DEFAULT_FLAT_TOLERANCE;
  const minIterations = options.minIterations ?? DEFAULT_MIN_ITERATIONS;
  const nanPolicy = options.nan ?? 'error';
  const chunk = options.chunk ?? CHUNK;
  if (options.map && options.map.dim !== dim)
    throw new RangeError(`adaptVegas: the map has ${options.map.dim} dimensions, expected ${dim}`);
  const axes = options.axes ?? null;
  const grade = options.grade ?? null;
  const ninc = options.ninc ?? defaultNinc(calls);
  const map = options.map ?? (axes ? axes.startingMap(ninc) : new AdaptiveMap(dim, ninc));
  const strata = new Stratification(chooseStrata(dim, calls, adaptiveFraction));
  const sampler = new VegasSampler(map, strata, rng, { beta, adaptiveFraction, axes });

  const size = Math.min(chunk, calls);
  const f = new Float64Array(size);
  const w = new Float64Array(size);
  const train = new Float64Array(size);
  const rows: AdaptationRow[] = [];
  let made = 0;
  let nonFinite = 0;
  let stoppedEarly = false;
  let interrupted = false;
  const averageMaps = options.averageMaps ?? DEFAULT_AVERAGE_MAPS;
  const recent: Float64Array[] = [];
  outer: for (let it = 0; it < iterations; it++) {
    const ti = performance.now();
    sampler.beginIteration(calls);
    const used = map.edges.slice();
    let trainScale = 0; // unit of the training values, chosen from the first non-zero chunk
    for (let done = 0; done < calls;) {
      await yieldToEventLoop();
      if (hooks.shouldStop?.()) {
        map.clearTrainingData();
        stoppedEarly = true;
        interrupted = true;
        break outer;
      }
      const m = Math.min(size, calls - done);
      const { u, logQ } = sampler.draw(m);
      g(u, m, f, logQ);
      made += m;
      const ids = sampler.lastHypercubes();
      const counts = strata.counts;
      let maxT = 0;
      for (let i = 0; i < m; i++) {
        const fi = f[i];
        let wi = fi === 0 ? 0 : fi * Math.exp(-logQ[i]);
        if (!Number.isFinite(wi)) {
          if (nanPolicy === 'error') {
            const what = Number.isFinite(fi) ? `the sampling density underflows (log q = ${logQ[i]})` : `the integrand is ${fi}`;
            throw new NumericalError(`${what} at u = ${describe(u, i, dim)} of the unit cube during the VEGAS adaptation`, 'adaptation');
          }
          wi = 0;
          nonFinite++;
        }
        w[i] = wi;
        // f J_V up to the constant N V_h: the map's training value before squaring
        const t = Math.abs(wi * counts[ids[i]]);
        train[i] = t;
        if (t > maxT) maxT = t;
      }
      if (maxT > 0) {
        if (trainScale === 0) trainScale = powerOfTwoNear(maxT);
        else if (maxT / trainScale > 2 ** 300) {
          const next = powerOfTwoNear(maxT);
          map.scaleTrainingData((trainScale / next) ** 2);
          trainScale = next;
        }
        const inv = 1 / trainScale;
        for (let i = 0; i < m; i++) {
          const t = train[i] * inv;
          train[i] = t * t;
        }
      } else {
        train.fill(0, 0, m);
      }
      if (alpha > 0) map.addTrainingData(sampler.lastY(), train, m);
      hooks.onWeights?.(u, w, m);
      sampler.addWeights(w, m);
      done += m;
    }
    const { sumW, scale } = strata.sumW();
    const { varSumW } = sampler.endIteration();
    map.adapt(alpha);
    if (grade) map.applyDensityFloor(0, grade.grade, grade.cliff);
    recent.push(used);
    if (recent.length > averageMaps) recent.shift();
    const mean = (sumW / calls) * scale;
    const sdev = (Math.sqrt(varSumW) / calls) * scale;
    const relVar = mean !== 0 ? (calls * sdev * sdev) / (mean * mean) : NaN;
    const row: AdaptationRow = { calls, mean, sdev, relativeVariance: relVar, seconds: (performance.now() - ti) / 1000 };
    rows.push(row);
    hooks.onIteration?.(row, it);
    if (
      flat > 0 &&
      rows.length >= minIterations &&
      isFlat(
        rows.map((r) => r.relativeVariance),
        flat,
      )
    ) {
      stoppedEarly = it < iterations - 1;
      break;
    }
  }
  if (!interrupted) {
    // the last maps fluctuate about the converged one unless the variance is still falling:
    // then the map just adapted is the best; else the mean of the last maps, each weighted by
    // the inverse of the relative variance it gave (0 beyond twice the best), is closer to it
    const rv = rows.map((r) => r.relativeVariance);
    const falling = rv.length >= 2 && rv[rv.length - 1] <= (1 - Math.max(flat, 0.05)) * Math.min(...rv.slice(0, -1));
    if (!falling && recent.length > 1 && rv.every((v) => Number.isFinite(v) && v > 0)) {
      const r = rv.slice(-recent.length);
      const best = Math.min(...r);
      map.setMeanEdges(
        recent,
        r.map((v) => (v <= 2 * best ? 1 / v : 0)),
      );
    }
  }
  const last = rows.slice(-3).map((r) => r.relativeVariance);
  const relativeVariance = last.length > 0 ? last.reduce((a, b) => a + b, 0) / last.length : NaN;
  return {
    map,
    strata,
    rows,
    relativeVariance,
    calls: made,
    seconds: (performance.now() - t0) / 1000,
    stoppedEarly,
    nonFinite,
    settings: { ninc: map.ninc, nstrat: Array.from(strata.nstrat), alpha, beta, adaptiveFraction, callsPerIteration: calls },
    axes,
  };
}

/**
 * The sampler for final iterations of `callsPerIteration` calls after an adaptation: the map
 * as trained, and strata chosen for that many calls (finer than the adaptation's when the
 * iterations are larger) whose weights are inherited from the trained stratification.
 */
export function samplerFor(adaptation: VegasAdaptation, callsPerIteration: number, rng: Rng, options: SamplerOptions = {}): VegasSampler {
  const { beta, adaptiveFraction } = adaptation.settings;
  const frac = options.adaptiveFraction ?? adaptiveFraction;
  const strata = adaptation.strata.refined(chooseStrata(adaptation.map.dim, callsPerIteration, frac));
  return new VegasSampler(adaptation.map, strata, rng, { beta: options.beta ?? beta, adaptiveFraction: frac, axes: adaptation.axes });
}
