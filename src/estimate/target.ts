/**
 * Sampling to an accuracy target: fresh rounds of growing size until the pooled estimate has
 * SE <= max(absError, relError |F|) (the epsabs/epsrel convention of Cuba, and vegas's
 * atol/rtol), or until a cap on calls or time stops it.
 *
 * Each round is one iteration of the final estimate (its own Moments, so chi2/dof and Q across
 * rounds are reported as for vegas iterations). The first round is sized from the relative
 * variance per call known before sampling (from adaptation or training) and the later ones from
 * the measured variance: n_needed = n_done (SE / target)^2, with a margin. A minimum number of
 * calls keeps the bias of stopping on the estimated error far below the error itself
 * (checked by `npm run calibrate`).
 */
import { integralEstimate, mergeMoments, emptyMoments, type Moments } from './stats';

/** Fewest calls of an estimate that stops on its own error. */
export const MIN_TARGET_CALLS = 20_000;
/** Smallest round. */
const MIN_ROUND = 10_000;
/** A round predicted to reach the target asks for this many times the predicted calls. */
const ROUND_MARGIN = 1.1;
/**
 * The first round asks for this share of the calls predicted from the earlier stages, whose
 * variance estimate is often pessimistic (VEGAS+ strata get finer with larger rounds); the
 * second round then knows the real variance.
 */
const FIRST_ROUND_SHARE = 0.5;
/** A round is at most this many times the calls done so far (the variance estimate may be poor). */
const MAX_GROWTH = 8;

/** The accuracy sought (--rel-error / --abs-error); with both, the looser one: SE <= max(absError, relError |F|). */
export interface AccuracyTarget {
  /** Relative error sought: SE <= relError |F|. */
  relError?: number;
  /** Absolute error sought: SE <= absError. */
  absError?: number;
}

/** Caps that stop sampling before the target is reached. */
export interface TargetCaps {
  /** Most calls of the final estimate. */
  maxCalls: number;
  /** Seconds left for sampling (Infinity for none). */
  seconds: number;
}

/** The standard error sought for an estimate F: max(absError, relError |F|). */
export function errorSought(target: AccuracyTarget, mean: number): number {
  return Math.max(target.absError ?? 0, (target.relError ?? 0) * Math.abs(mean));
}

/**
 * The relative error a target asks for at an estimate `mean` of F: max(relError, absError/|F|)
 * (absError is left out when |F| is 0 or not a number).
 */
export function relativeErrorSought(target: AccuracyTarget, mean: number): number {
  const f = Math.abs(mean);
  return Math.max(target.relError ?? 0, f > 0 ? (target.absError ?? 0) / f : 0);
}

/** The result of sampling to a target: the rounds (the iterations of the final estimate) and whether and why it stopped. */
export interface TargetOutcome {
  /** Moments of each round, in order. */
  rounds: Moments[];
  reached: boolean;
  /** The SE sought at the final estimate (at plan.scale, or 0 when that is null too, without samples). */
  sought: number;
  /** Calls the final estimate would need at its measured variance (null when unknown). */
  callsNeeded: number | null;
  /** Why sampling stopped: 'target reached', 'max calls', 'max time', 'interrupted'. */
  stopReason: string;
}

/** What runs one round of n calls into fresh moments (it may stop early when interrupted). */
export type RoundRunner = (n: number, moments: Moments) => Promise<Moments>;

/**
 * The inputs of sampling to a target: the target and caps, the shape of the moments (dim,
 * number of events), and what earlier stages measured (relative variance per call, |F|, seconds
 * per call) to size the first round.
 */
export interface TargetPlan {
  target: AccuracyTarget;
  caps: TargetCaps;
  dim: number;
  events: number;
  /** Relative variance per call expected of the sampler (null when unknown). */
  relVariance: number | null;
  /** Expected |F| from earlier stages (null when unknown). */
  scale: number | null;
  /** Seconds per call of the sampler measured so far (null when unknown). */
  secondsPerCall: number | null;
  /** Polled between rounds: true when an interrupt asks to stop. */
  interrupted?: () => boolean;
  /** Seconds since the run started, for the time cap (default: since this call). */
  clock?: () => number;
}

/** Calls needed for the target from a relative variance per call v and a scale |F|. */
function callsFor(target: AccuracyTarget, v: number, mean: number): number {
  const se = errorSought(target, mean);
  if (!(se > 0) || !Number.isFinite(v)) return Infinity;
  return (v * mean * mean) / (se * se);
}

/**
 * Run rounds until the target is met or a cap is hit (see the file comment). Throws nothing of
 * its own; the round runner's errors propagate.
 */
export async function sampleToTarget(run: RoundRunner, plan: TargetPlan): Promise<TargetOutcome> {
  const start = Date.now();
  const clock = plan.clock ?? (() => (Date.now() - start) / 1000);
  const t0 = clock();
  const rounds: Moments[] = [];
  let pooled = emptyMoments(plan.dim, plan.events);
  let secondsPerCall = plan.secondsPerCall;
  const { maxCalls, seconds } = plan.caps;
  let stopReason = 'target reached';
  let reached = false;
  for (;;) {
    const done = pooled.n;
    let want: number;
    if (done === 0) {
      const predicted =
        plan.relVariance !== null && plan.scale !== null ? FIRST_ROUND_SHARE * callsFor(plan.target, plan.relVariance, plan.scale) : 0;
      want = Math.max(MIN_TARGET_CALLS, Number.isFinite(predicted) ? Math.ceil(predicted) : MIN_TARGET_CALLS);
    } else {
      const e = integralEstimate(pooled);
      const se = errorSought(plan.target, e.mean);
      const total = se > 0 ? done * (e.sdev / se) ** 2 * ROUND_MARGIN : Infinity;
      want = Math.max(MIN_ROUND, Math.ceil(Math.min(total - done, MAX_GROWTH * done)));
    }
    // the caps: calls, and the time left at the measured cost per call
    want = Math.min(want, maxCalls - done);
    if (secondsPerCall !== null && Number.isFinite(seconds)) {
      const left = seconds - (clock() - t0);
      want = Math.min(want, Math.floor(left / secondsPerCall));
    }
    if (want < Math.min(MIN_ROUND, maxCalls) || want <= 0) {
      stopReason = done >= maxCalls ? 'max calls' : 'max time';
      break;
    }
    const before = clock();
    const m = await run(want, emptyMoments(plan.dim, plan.events));
    if (m.n > 0) {
      rounds.push(m);
      pooled = mergeMoments(pooled, m);
      secondsPerCall = (clock() - before) / m.n;
    }
    if (plan.interrupted?.()) {
      stopReason = 'interrupted';
      break;
    }
    if (m.n < want) {
      // the round stopped itself: the time cap, as the round runner's only other reason
      stopReason = 'max time';
      break;
    }
    const e = integralEstimate(pooled);
    if (pooled.n >= MIN_TARGET_CALLS && e.sdev <= errorSought(plan.target, e.mean)) {
      reached = true;
      break;
    }
    if (pooled.n >= maxCalls) {
      stopReason = 'max calls';
      break;
    }
  }
  const e = integralEstimate(pooled);
  // a cap before the first round leaves no estimate: the error sought is then that at the |F| of the earlier stages
  const sought = errorSought(plan.target, pooled.n > 0 ? e.mean : (plan.scale ?? 0));
  const callsNeeded = pooled.n > 0 && sought > 0 && Number.isFinite(e.sdev) ? Math.ceil(pooled.n * (e.sdev / sought) ** 2) : null;
  return { rounds, reached, sought, callsNeeded, stopReason };
}
