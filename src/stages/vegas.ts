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
 * Per-axis density floor of the adapted map (AdaptiveMap.applyDensityFloor). Measured on
 * x1 < 0.5 in d = 2 (seeds 1-8, 2e4 calls): without a floor pulls down to -12; 0.005 still -9.7;
 * 0.01 at most 2.3 in size. Its cost in FoM at 1e6 calls: gauss_d8 0.0076 -> 0.024, narrow_gauss_d4
 * 0.027 -> 0.067 (vegas+: 0.105 and 0.044); 0.02 cost 4-6x.
 */
const MAP_DENSITY_FLOOR = 0.01;

/**
 * Callbacks of `adaptMapStage`: progress in integrand calls (done of at most ADAPT_CALLS x
 * ADAPT_ITERATIONS) after each iteration, and cooperative cancellation polled between chunks.
 */
export interface MapStageHooks {
  onProgress?: (done: number, total: number) => void;
  shouldStop?: () => boolean;
}

/** An adapted map with its stratification and figures, ready to sample the final estimate. */
export interface MapStage {
  map: AdaptiveMap;
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
 * with the point named in the user's coordinates, as every other stage does.
 */
function checkedIntegrand(problem: Problem, nan: NanPolicy): UnitIntegrand {
  const g = unitIntegrandOf(problem);
  if (nan !== 'error') return g;
  const x = new Float64Array(problem.dim);
  return (u, n, out) => {
    g(u, n, out);
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
 * Adapt the map and the strata on the problem's integrand (seeded by `rng`; Lepage 1978,
 * J. Comput. Phys. 27:192, and VEGAS+, arXiv:2009.05112): up to ADAPT_ITERATIONS iterations of
 * ADAPT_CALLS calls, fewer when the variance levels off or, under an accuracy target
 * (relError/absError), when a further iteration would not save more calls than it costs. The
 * map then gets the density floor MAP_DENSITY_FLOOR. The returned stage samples rounds of the
 * final estimate with the frozen map (`runRound`); the adaptation's own estimates serve only as
 * figures (`integral`, `relVariance`). `initial` (a map of a neighbouring problem, e.g. the
 * previous value of a parameter scan) is where adaptation starts instead of the uniform map; it
 * is copied, not changed.
 * @throws NumericalError when the integrand is not finite (unless options.nan is 'zero').
 */
export async function adaptMapStage(
  problem: Problem,
  options: IntegrateOptions,
  rng: Rng,
  hooks: MapStageHooks = {},
  initial: AdaptiveMap | null = null,
): Promise<MapStage> {
  const total = ADAPT_CALLS * ADAPT_ITERATIONS;
  let done = 0;
  // with an accuracy target, adaptation goes on only while it pays: an iteration must save more
  // calls of the estimate (v / r^2 at its relative variance v) than it costs, and the estimate
  // must still need more calls than one iteration makes
  let enough = false;
  let needBefore = Infinity;
  let misses = 0;
  const a = await adaptVegas(
    checkedIntegrand(problem, options.nan),
    problem.dim,
    rng,
    { callsPerIteration: ADAPT_CALLS, iterations: ADAPT_ITERATIONS, nan: options.nan, ...(initial ? { map: initial.clone() } : {}) },
    {
      onIteration: (row, index) => {
        done += row.calls;
        hooks.onProgress?.(done, total);
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
      shouldStop: () => enough || hooks.shouldStop?.() === true,
    },
  );
  a.map.applyDensityFloor(MAP_DENSITY_FLOOR);
  const integral = lastAverage(a);
  // calls (sdev/mean)^2 per row: the ratio first, so that integrands near 1e300 do not overflow
  const last = a.rows.slice(-3).map((r) => (r.mean !== 0 ? r.calls * (r.sdev / r.mean) ** 2 : NaN));
  const relVariance = last.length > 0 ? last.reduce((s, v) => s + v, 0) / last.length : NaN;
  // the strata of each round follow its size (finer for larger rounds, as vegas's nstrat
  // follows neval) and inherit the allocation weights learnt so far
  let sampler: VegasSampler | null = null;
  let samplerRng: Rng | null = null;
  return {
    map: a.map,
    relVariance,
    secondsPerCall: a.calls > 0 ? a.seconds / a.calls : Infinity,
    integral,
    seconds: a.seconds,
    calls: a.calls,
    interrupted: a.stoppedEarly && !enough && hooks.shouldStop?.() === true,
    async runRound(n, _m, roundRng, nan, roundHooks) {
      const current: VegasSampler | null = sampler;
      const nstrat = chooseStrata(problem.dim, n, a.settings.adaptiveFraction);
      if (!current || samplerRng !== roundRng || nstrat.some((v, k) => v !== current.strata.nstrat[k])) {
        const strata = (current?.strata ?? a.strata).refined(nstrat);
        sampler = new VegasSampler(a.map, strata, roundRng, { beta: a.settings.beta, adaptiveFraction: a.settings.adaptiveFraction });
        samplerRng = roundRng;
      }
      const active = sampler as VegasSampler;
      const calls = Math.max(n, active.minCalls);
      const [m] = await estimateWithVegas(problem, active, [calls], nan, roundHooks, 'evaluation');
      if (!m || m.n < calls) return emptyMoments(problem.dim, problem.events.length);
      return m;
    },
    report: () => ({
      iterations: a.rows.length,
      calls: a.calls,
      seconds: a.seconds,
      increments: a.map.ninc,
      hypercubes: (sampler as VegasSampler | null)?.strata.nhcube ?? a.strata.nhcube,
      relVariance: Number.isFinite(relVariance) ? relVariance : null,
      integral: Number.isFinite(integral.mean) ? integral : { mean: 0, sdev: 0 },
    }),
  };
}
