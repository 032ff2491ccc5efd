/**
 * The VEGAS stage of a run: adapt Lepage's map and the VEGAS+ stratification on the problem
 * (src/vegas/), then sample rounds of the final estimate with them, or hand the map to a flow
 * as its premap. Adaptation iterations are discarded, as vegas discards them.
 */
import type { IntegrateOptions } from '../options';
import { emptyMoments, type Estimate, type Moments } from '../estimate/stats';
import type { StreamHooks } from '../estimate/evaluate';
import { NumericalError } from '../errors';
import type { Problem } from '../problem';
import type { MapReport } from '../report/schema';
import type { Rng } from '../rng';
import { describePoint, mapToDomain, type NanPolicy } from '../sampling';
import { CorrelationSums, correlationEigenvalue, symmetricEigen } from '../estimate/correlation';
import { relativeErrorSought } from '../estimate/target';
import { PrincipalAxes } from '../vegas/axes';
import {
  adaptVegas,
  chooseStrata,
  estimateWithVegas,
  unitIntegrandOf,
  VegasSampler,
  type AdaptiveMap,
  type UnitIntegrand,
  type VegasAdaptation,
} from '../vegas';

/**
 * Calls per adaptation iteration, and iterations at most: the adaptation stops early once the
 * relative variance per call is flat (src/vegas/sampler.ts: d <= 8 usually stops after 13-17
 * iterations, d = 16 needs about 20; measured with `npm run bench:vegas`).
 */
const ADAPT_CALLS = 20_000;
/** Most adaptation iterations of the VEGAS stage (ADAPT_CALLS calls each). */
const ADAPT_ITERATIONS = 20;
/** Fewest adaptation iterations under an accuracy target (the strata need one to learn from). */
const MIN_ADAPT_ITERATIONS = 2;
/**
 * Per-axis density floor of the adapted map (AdaptiveMap.applyDensityFloor) when the adaptation
 * met points where the integrand is exactly zero: a zero region next to a non-zero one is where
 * VEGAS leaves one increment stretched over both and the estimate misses mass. Measured on
 * x1 < 0.5 in d = 2 (seeds 1-8, 2e4 calls, before the grading of cliffs): without a floor pulls
 * down to -12; 0.005 still -9.7; 0.01 at most 2.3 in size. With the grading, (x1 < 0.125) in
 * d = 1 (seeds 1-8, 1e5 calls) still needs it: without a floor one seed came out at +4.7 sigma
 * marked reliable; with 0.001 or 0.003 four or five seeds beyond 40 sigma (all marked
 * inconsistent-adaptation); with 0.01 two.
 */
const MAP_DENSITY_FLOOR = 0.01;
/**
 * The floor when the adaptation met no zero of the integrand. There the 1% floor only costs: the
 * edge strata of every axis then hold both the floor's sparse points and the flank of the peak,
 * and at 8e5 calls (seeds 1-10) the FoM of narrow_gauss_d4 went from 0.054-0.068 to 0.022-0.025
 * without it, camel_d4's from 0.072-0.083 to 0.044-0.052, gauss_d8's from 0.024 to 0.006-0.008.
 * Without any floor, though, 3 of those 20 runs of camel_d4 and narrow_gauss_d4 had a k-hat above
 * 0.7 (a few far-tail points where the map's density fell fastest, max w / mean about 10); 1e-4
 * (dx/dy <= 1e4 per axis) had none, at the same FoM (0.043-0.051 and 0.025-0.029), and left
 * gauss_d8, gauss_d16, camel_d2 and circles_d2 as without a floor; 1e-3 had 3 of 10 on
 * narrow_gauss_d4 and a worse FoM.
 */
const MAP_SMOOTH_FLOOR = 1e-4;
/**
 * Grading of the map's cliffs, after each adaptation step and with the floor
 * (AdaptiveMap.applyDensityFloor): an increment more than 32 times as wide as a neighbour gets
 * widths growing by 2 from it. Measured on (x1 < 0.125) in d = 1 (seeds 1-8, 1e5 calls): the
 * floor alone left every seed low by 2e-4 at 160 to 3000 sigma (the step inside an increment of
 * width 0.067, f = 1 on 0.28% of it); graded, 6 of 8 within 2 sigma and the adaptation's own
 * averages honest. Cost in variance at 1e6 calls: none measurable on gauss_d8, camel_d4 and
 * narrow_gauss_d4 (cliff 2 instead of 32 cost 15-40%).
 */
const MAP_GRADE = { grade: 2, cliff: 32 };
/**
 * Largest eigenvalue of the correlation matrix of p's coordinates (weighted points of the first
 * adaptation's last iteration) from which a second adaptation on p's principal axes is tried:
 * the bound above which a product density can no longer give a Gaussian p finite-variance
 * weights (src/estimate/correlation.ts). Measured: camel d = 2 (eigenvalue 1.59) came out 6x
 * worse on the axes (VEGAS+ strata already follow it), camel d = 4 (2.76) 3.4x better.
 */
const AXES_MIN_EIGENVALUE = 2;
/**
 * Fewest calls the estimate must still need (at the first adaptation's variance and the accuracy
 * target) for an adaptation on principal axes to be tried: about what one costs (camel d = 4 at
 * 3e-3: 240000 calls of adaptation on the axes to save 10000 of the estimate).
 */
const AXES_MIN_TARGET_CALLS = 10 * ADAPT_CALLS;
/**
 * Factor by which an adaptation on principal axes must lower the relative variance per call to
 * be used. Near-ties hid heavy tails: an orthant Gaussian in d = 8 (correlations 0.5, corner
 * at 0, 2e5 calls, seeds 1-8) chose the axes at 1-12% better in 3 seeds, and sampled 1.35-4.9
 * against the 1.05-1.17 predicted (k-hat 0.52-0.75), where the cube's axes sampled 0.73-1.2.
 */
const AXES_MIN_GAIN = 1.25;
/** Most adaptations on principal axes, each on the axes of the previous one's points. */
const AXES_ROUNDS = 3;

/** x when finite, else null (JSON has no NaN). */
const finiteOrNull = (x: number): number | null => (Number.isFinite(x) ? x : null);

/**
 * Callbacks of `adaptMapStage`: progress in integrand calls (done of at most ADAPT_CALLS x
 * ADAPT_ITERATIONS) after each iteration, cooperative cancellation polled between chunks, and
 * the seconds still open to adaptations on principal axes (a share of the run's --max-time).
 */
export interface MapStageHooks {
  onProgress?: (done: number, total: number) => void;
  shouldStop?: () => boolean;
  /**
   * Seconds the stage may still spend on adaptations on principal axes (absent: no limit). A
   * round starts only when a full one (ADAPT_CALLS x ADAPT_ITERATIONS calls at the first
   * adaptation's seconds per call) fits, and one still running at 0 stops and is not used.
   */
  axesSecondsLeft?: () => number;
}

/** An adapted map with its stratification and figures, ready to sample the final estimate. */
export interface MapStage {
  /** The map adapted on the cube's own axes (a flow's premap, a warm start). */
  map: AdaptiveMap;
  /** The principal axes the final estimate samples on (src/vegas/axes.ts), or null: the cube's own axes. */
  axes: PrincipalAxes | null;
  /** Relative variance per call Var(w)/F^2 of VEGAS+ on the last adaptation iterations. */
  relVariance: number;
  /** Seconds per call of the adaptation (sampling, integrand, training of the map). */
  secondsPerCall: number;
  /** Inverse-variance average of the last adaptation iterations (a guide, not an estimate). */
  integral: Estimate;
  seconds: number;
  calls: number;
  interrupted: boolean;
  /**
   * One VEGAS+ iteration of (at least) n calls with the frozen map, into fresh moments with
   * the stratified variance set; an iteration cut short by an interrupt is dropped (its mean
   * would not be the stratified estimate) and comes back empty.
   */
  runRound(n: number, m: Moments, rng: Rng, nan: NanPolicy, hooks: StreamHooks): Promise<Moments>;
  report(): MapReport;
}

/**
 * The problem's integrand on the unit cube; with nan 'error', a non-finite value stops the run
 * with the point named in the user's coordinates, as every other stage does. `zeros.count`
 * counts the points inside the cube where the integrand is exactly zero.
 */
function checkedIntegrand(problem: Problem, nan: NanPolicy, zeros: { count: number }): UnitIntegrand {
  const g = unitIntegrandOf(problem);
  const x = new Float64Array(problem.dim);
  return (u, n, out, logQ) => {
    // points outside the cube (logQ +Infinity) come back as 0 whatever f is there
    g(u, n, out, logQ);
    for (let i = 0; i < n; i++) if (out[i] === 0 && !(logQ !== undefined && logQ[i] === Infinity)) zeros.count++;
    if (nan !== 'error') return;
    for (let i = 0; i < n; i++) {
      if (Number.isFinite(out[i])) continue;
      mapToDomain(problem, u.subarray(i * problem.dim, (i + 1) * problem.dim), 1, x, new Float64Array(1));
      const f = new Float64Array(1);
      problem.integrand.evaluate(x, 1, f);
      throw new NumericalError(
        `the integrand is ${f[0]} at x = ${describePoint(x, 0, problem.dim)} during the VEGAS adaptation`,
        'adaptation',
      );
    }
  };
}

/** Inverse-variance average of the last adaptation rows. */
function lastAverage(a: VegasAdaptation): Estimate {
  let sw = 0;
  let s = 0;
  for (const r of a.rows.slice(-3)) {
    if (!(r.sdev > 0)) return { mean: r.mean, sdev: 0 };
    const wt = 1 / (r.sdev * r.sdev);
    sw += wt;
    s += wt * r.mean;
  }
  return sw > 0 ? { mean: s / sw, sdev: Math.sqrt(1 / sw) } : { mean: NaN, sdev: NaN };
}

/**
 * The weighted moments of the points of an adaptation's last complete iteration (earlier
 * iterations sample with cruder maps, and their few large weights would swamp the sums).
 */
class LastIterationSums {
  private current: CorrelationSums;
  last: CorrelationSums | null = null;

  constructor(private readonly dim: number) {
    this.current = new CorrelationSums(dim);
  }

  add(u: ArrayLike<number>, w: ArrayLike<number>, m: number): void {
    this.current.add(u, w, m);
  }

  endIteration(): void {
    this.last = this.current;
    this.current = new CorrelationSums(this.dim);
  }
}

/** What one adaptation of the stage made: the adaptation, its figures and why it stopped. */
interface StageAdaptation {
  a: VegasAdaptation;
  relVariance: number;
  integral: Estimate;
  /** Stopped by hooks.shouldStop (not by the flat-variance rule or the accuracy target). */
  interrupted: boolean;
  /** Stopped by `timeUp` (and not by hooks.shouldStop). */
  timedOut: boolean;
}

/**
 * One adaptation of the map and the strata (see `adaptMapStage`), on the cube's own axes or
 * behind `axes`, with the map's cliffs graded after every step (MAP_GRADE) and the floor at the
 * end; `sums` (when given) collects the weighted points of the last complete iteration, and
 * `progress` counts calls across all adaptations of the stage. `timeUp`, polled between
 * chunks, stops it as hooks.shouldStop does.
 */
async function adaptOnce(
  problem: Problem,
  options: IntegrateOptions,
  rng: Rng,
  hooks: MapStageHooks,
  initial: AdaptiveMap | null,
  axes: PrincipalAxes | null,
  progress: { done: number; total: number },
  sums: LastIterationSums | null,
  timeUp: () => boolean = () => false,
): Promise<StageAdaptation> {
  // with an accuracy target, adaptation goes on only while it pays: an iteration must save more
  // calls of the estimate (v / r^2 at its relative variance v) than it costs, and the estimate
  // must still need more calls than one iteration makes
  let enough = false;
  let needBefore = Infinity;
  let misses = 0;
  const zeros = { count: 0 };
  const a = await adaptVegas(
    checkedIntegrand(problem, options.nan, zeros),
    problem.dim,
    rng,
    {
      callsPerIteration: ADAPT_CALLS,
      iterations: ADAPT_ITERATIONS,
      nan: options.nan,
      axes,
      grade: MAP_GRADE,
      ...(initial ? { map: initial.clone() } : {}),
    },
    {
      onIteration: (row, index) => {
        sums?.endIteration();
        progress.done += row.calls;
        hooks.onProgress?.(progress.done, progress.total);
        if (options.relError === undefined && options.absError === undefined) return;
        const rel = Math.max(options.relError ?? 0, row.mean !== 0 ? (options.absError ?? 0) / Math.abs(row.mean) : 0);
        const need = row.mean !== 0 && rel > 0 ? (row.calls * (row.sdev / row.mean) ** 2) / (rel * rel) : Infinity;
        // an iteration that does not pay must be followed by another (noise, or a map still
        // moving between peaks) before adaptation stops
        // (only while the estimate needs fewer calls than 20 iterations make: a map far from
        // its target, e.g. gauss in d = 16 after a few iterations, is left to the flat rule)
        misses = needBefore - need < ADAPT_CALLS ? misses + 1 : 0;
        const small = need < ADAPT_ITERATIONS * ADAPT_CALLS;
        if (index >= MIN_ADAPT_ITERATIONS - 1 && (need < ADAPT_CALLS || (small && misses >= 2))) enough = true;
        needBefore = Math.min(needBefore, need);
      },
      shouldStop: () => enough || hooks.shouldStop?.() === true || timeUp(),
      onWeights: sums ? (u, w, m) => sums.add(u, w, m) : undefined,
    },
  );
  a.map.applyDensityFloor(zeros.count > 0 ? MAP_DENSITY_FLOOR : MAP_SMOOTH_FLOOR, MAP_GRADE.grade, MAP_GRADE.cliff);
  // calls (sdev/mean)^2 per row: the ratio first, so that integrands near 1e300 do not overflow
  const last = a.rows.slice(-3).map((r) => (r.mean !== 0 ? r.calls * (r.sdev / r.mean) ** 2 : NaN));
  const relVariance = last.length > 0 ? last.reduce((s, v) => s + v, 0) / last.length : NaN;
  const interrupted = a.stoppedEarly && !enough && hooks.shouldStop?.() === true;
  return { a, relVariance, integral: lastAverage(a), interrupted, timedOut: a.stoppedEarly && !enough && !interrupted && timeUp() };
}

/**
 * Calls the final estimate needs for the accuracy target (relError/absError) at the relative
 * variance per call of an adaptation: Infinity without a target or a usable variance.
 */
function targetCalls(options: IntegrateOptions, a: StageAdaptation): number {
  const r = relativeErrorSought(options, a.integral.mean);
  return r > 0 && Number.isFinite(a.relVariance) ? a.relVariance / (r * r) : Infinity;
}

/**
 * The principal axes of p from the weighted points of an adaptation (src/vegas/axes.ts), or
 * null when their moments are not usable or, for a first try (`first`), when the largest
 * eigenvalue of their correlation matrix is below AXES_MIN_EIGENVALUE or below the edge that
 * sampling noise alone reaches, (1 + sqrt(d / ESS))^2 (the Marchenko-Pastur edge; camel in
 * d = 16 on the cube's axes: ESS 8 of 20000 points, edge 5.8, eigenvalue 8.9).
 */
function principalAxesOf(sums: CorrelationSums, first: boolean): { axes: PrincipalAxes; eigenvalue: number } | null {
  const m = sums.moments();
  const eigenvalue = m ? correlationEigenvalue(m.cov, sums.dim) : null;
  if (!m || eigenvalue === null) return null;
  if (first && eigenvalue < Math.max(AXES_MIN_EIGENVALUE, (1 + Math.sqrt(sums.dim / m.ess)) ** 2)) return null;
  const { vectors, values } = symmetricEigen(m.cov, sums.dim);
  return { axes: PrincipalAxes.fromEigen(m.mean, vectors, values), eigenvalue };
}

/**
 * Adapt the map and the strata on the problem's integrand (seeded by `rng`; Lepage 1978,
 * J. Comput. Phys. 27:192, and VEGAS+, arXiv:2009.05112): up to ADAPT_ITERATIONS iterations of
 * ADAPT_CALLS calls, fewer when the variance levels off or, under an accuracy target
 * (relError/absError), when a further iteration would not save more calls than it costs. The
 * map's cliffs are graded after every step (MAP_GRADE) and it then gets the density floor
 * (AdaptiveMap.applyDensityFloor) MAP_DENSITY_FLOOR when the adaptation met zeros of the
 * integrand, else MAP_SMOOTH_FLOOR. When the weighted points of that
 * adaptation show correlated coordinates (an eigenvalue of their correlation matrix of at least
 * AXES_MIN_EIGENVALUE), a second adaptation runs on p's principal axes (src/vegas/axes.ts), and
 * the stage samples with the one on the axes when its relative variance per call is smaller by
 * a factor of AXES_MIN_GAIN, else with the first (rounds
 * on the axes only while hooks.axesSecondsLeft leaves room for them). The
 * returned stage samples rounds of the final estimate with the frozen map (`runRound`); the
 * adaptation's own estimates serve only as figures (`integral`, `relVariance`). `map` is the
 * map on the cube's own axes (the premap of a flow, the warm start of a neighbouring problem).
 * `initial` (a map of a neighbouring problem, e.g. the previous value of a parameter scan) is
 * where adaptation starts instead of the uniform map; it is copied, not changed.
 * @throws NumericalError when the integrand is not finite (unless options.nan is 'zero').
 */
export async function adaptMapStage(
  problem: Problem,
  options: IntegrateOptions,
  rng: Rng,
  hooks: MapStageHooks = {},
  initial: AdaptiveMap | null = null,
): Promise<MapStage> {
  const progress = { done: 0, total: ADAPT_CALLS * ADAPT_ITERATIONS };
  const sums = problem.dim >= 2 && options.principalAxes !== 'none' ? new LastIterationSums(problem.dim) : null;
  const aligned = await adaptOnce(problem, options, rng, hooks, initial, null, progress, sums);
  let chosen = aligned;
  let calls = aligned.a.calls;
  let seconds = aligned.a.seconds;
  let iterations = aligned.a.rows.length;
  let interrupted = aligned.interrupted;
  // each round's weighted points give the next round's axes, while the relative variance falls;
  // under an accuracy target only when the estimate still needs more calls than a round costs
  let sumsOf = targetCalls(options, aligned) < AXES_MIN_TARGET_CALLS ? null : sums;
  let eigenvalue: number | null = null;
  let tried: StageAdaptation | null = null;
  // the time cap: a round must fit whole at the first adaptation's cost per call
  const secondsLeft = hooks.axesSecondsLeft ?? (() => Infinity);
  const roundSeconds = aligned.a.calls > 0 ? (aligned.a.seconds / aligned.a.calls) * ADAPT_CALLS * ADAPT_ITERATIONS : 0;
  const timeUp = () => secondsLeft() <= 0;
  for (let round = 0; round < AXES_ROUNDS && sumsOf?.last && !interrupted && secondsLeft() >= roundSeconds; round++) {
    const found = principalAxesOf(sumsOf.last, round === 0);
    if (!found) break;
    eigenvalue ??= found.eigenvalue;
    progress.total += ADAPT_CALLS * ADAPT_ITERATIONS;
    const next = new LastIterationSums(problem.dim);
    const rotated = await adaptOnce(problem, options, rng, hooks, null, found.axes, progress, next, timeUp);
    calls += rotated.a.calls;
    seconds += rotated.a.seconds;
    iterations += rotated.a.rows.length;
    interrupted ||= rotated.interrupted;
    if (tried === null || rotated.relVariance < tried.relVariance) tried = rotated;
    if (!(AXES_MIN_GAIN * rotated.relVariance < chosen.relVariance) || rotated.timedOut) break;
    if (!rotated.interrupted) chosen = rotated;
    sumsOf = next;
  }
  const axesReport: MapReport['principalAxes'] =
    tried && eigenvalue !== null
      ? {
          eigenvalue,
          relVariance: finiteOrNull(tried.relVariance),
          axisRelVariance: finiteOrNull(aligned.relVariance),
          used: chosen !== aligned,
        }
      : null;
  const a = chosen.a;
  const { relVariance, integral } = chosen;
  // the strata of each round follow its size (finer for larger rounds, as vegas's nstrat
  // follows neval) and inherit the allocation weights learnt so far
  let sampler: VegasSampler | null = null;
  let samplerRng: Rng | null = null;
  return {
    map: aligned.a.map,
    axes: a.axes,
    relVariance,
    secondsPerCall: a.calls > 0 ? a.seconds / a.calls : Infinity,
    integral,
    seconds,
    calls,
    interrupted,
    async runRound(n, _m, roundRng, nan, roundHooks) {
      const current: VegasSampler | null = sampler;
      const nstrat = chooseStrata(problem.dim, n, a.settings.adaptiveFraction);
      if (!current || samplerRng !== roundRng || nstrat.some((v, k) => v !== current.strata.nstrat[k])) {
        const strata = (current?.strata ?? a.strata).refined(nstrat);
        sampler = new VegasSampler(a.map, strata, roundRng, {
          beta: a.settings.beta,
          adaptiveFraction: a.settings.adaptiveFraction,
          axes: a.axes,
        });
        samplerRng = roundRng;
      }
      const active = sampler as VegasSampler;
      const calls = Math.max(n, active.minCalls);
      const [m] = await estimateWithVegas(problem, active, [calls], nan, roundHooks, 'evaluation');
      if (!m || m.n < calls) return emptyMoments(problem.dim, problem.events.length);
      return m;
    },
    report: () => ({
      iterations,
      calls,
      seconds,
      increments: a.map.ninc,
      hypercubes: (sampler as VegasSampler | null)?.strata.nhcube ?? a.strata.nhcube,
      relVariance: finiteOrNull(relVariance),
      integral: Number.isFinite(integral.mean) ? integral : { mean: 0, sdev: 0 },
      principalAxes: axesReport,
    }),
  };
}
