/**
 * When a flow pays: the cost model of `--method auto`.
 *
 * A sampler with relative variance per call v = Var(w)/F^2 and cost c seconds per call needs
 * N = v / r^2 calls, i.e. c v / r^2 seconds, for a relative error r. Training a flow costs
 * time now and lowers v later; it pays while each second of training saves more than a second
 * of sampling. The training batches give v of the current flow (each batch is a fresh sample
 * of it); a timed chunk gives its c. See also the i-flow paper (arXiv:2001.05486, sec. IV),
 * which trains until its accumulated error reaches the target.
 */
import type { EpochInfo } from '../train/trainer';

/** Relative variance per call and seconds per call of a sampler. */
export interface SamplerFigures {
  relVariance: number;
  secondsPerCall: number;
}

/** Seconds a sampler needs for a relative error whose square is `rel2`: c v / r^2. */
export function secondsToPrecision(f: SamplerFigures, rel2: number): number {
  if (f.relVariance === 0) return 0;
  if (!(rel2 > 0)) return Infinity;
  return (f.secondsPerCall * f.relVariance) / rel2;
}

/**
 * Below this many predicted seconds for the map alone, auto does not try a flow. Before the
 * first decision of the payoff rule, a flow costs TensorFlow.js's start-up, two probes and two
 * windows of training steps: on this 2-core machine 20-40 s at d = 16 (gauss_d16 at 1e-4, where
 * the map alone needed 2-3 s of sampling, took 37-43 s with a threshold of 2 s and ended on
 * the map all the same), a few seconds at d = 2.
 */
export const AUTO_TRAIN_MIN_SECONDS = 20;
/** Training steps per window of the payoff rule. */
export const PAYOFF_WINDOW = 10;
/** Windows in a row with too little gain before training stops. */
const PAYOFF_PATIENCE = 2;

/**
 * The batch relative variances of training steps, compared window by window (PAYOFF_WINDOW
 * steps each), with the count of windows in a row that made too little progress: the common
 * part of the stopping rules below.
 */
class WindowedVariance {
  private readonly relVars: number[] = [];
  private misses = 0;

  /** Steps recorded so far. */
  get steps(): number {
    return this.relVars.length;
  }

  /**
   * Record a step (a non-finite variance counts as Infinity). At the end of each window from
   * the second on, returns the mean relative variance of that window and of the one before.
   */
  add(info: EpochInfo): { now: number; before: number } | null {
    const v = info.relSdev * info.relSdev;
    this.relVars.push(Number.isFinite(v) ? v : Infinity);
    const n = this.relVars.length;
    if (n % PAYOFF_WINDOW !== 0 || n < 2 * PAYOFF_WINDOW) return null;
    const mean = (a: number[]) => a.reduce((s, x) => s + x, 0) / a.length;
    return { now: mean(this.relVars.slice(n - PAYOFF_WINDOW)), before: mean(this.relVars.slice(n - 2 * PAYOFF_WINDOW, n - PAYOFF_WINDOW)) };
  }

  /** Mean relative variance over the last `k` steps (Infinity before any). */
  recent(k: number): number {
    const tail = this.relVars.slice(-k);
    if (tail.length === 0) return Infinity;
    return tail.reduce((a, b) => a + b, 0) / tail.length;
  }

  /** Count a window that missed (a window that did not resets the count); true after PAYOFF_PATIENCE in a row. */
  judge(miss: boolean): boolean {
    this.misses = miss ? this.misses + 1 : 0;
    return this.misses >= PAYOFF_PATIENCE;
  }
}

/**
 * The stopping rule of training under auto. Every PAYOFF_WINDOW steps it compares the mean
 * batch relative variance of the last window with the window before: the predicted sampling
 * time S = c v / r^2 must fall by at least one second per second of training in between, else
 * (PAYOFF_PATIENCE windows in a row) training stops.
 */
export class TrainingPayoff {
  private readonly windows = new WindowedVariance();
  private readonly times: number[] = [];
  /** Predicted sampling seconds after each window, for the report. */
  readonly predicted: { epoch: number; seconds: number }[] = [];

  /**
   * @param flowSecondsPerCall measured cost of one flow sample (integrand included)
   * @param rel2 the square of the relative error sought
   */
  constructor(
    private readonly flowSecondsPerCall: number,
    private readonly rel2: number,
  ) {}

  /** Mean batch relative variance over the last `k` steps (Infinity before any). */
  recentRelVariance(k = PAYOFF_WINDOW): number {
    return this.windows.recent(k);
  }

  /** Record a training step; returns a stop reason when training no longer pays. */
  observe(info: EpochInfo): string | null {
    this.times.push(info.seconds);
    const w = this.windows.add(info);
    if (!w) return null;
    const n = this.windows.steps;
    const c = this.flowSecondsPerCall;
    const sNow = (c * w.now) / this.rel2;
    const sBefore = (c * w.before) / this.rel2;
    this.predicted.push({ epoch: n, seconds: sNow });
    const spent = this.times[n - 1] - this.times[n - 1 - PAYOFF_WINDOW];
    const saved = sBefore - sNow;
    if (this.windows.judge(!(saved > spent))) {
      return `training no longer pays: over the last ${PAYOFF_WINDOW} steps the predicted sampling time fell by ${formatS(saved)} for ${formatS(spent)} of training`;
    }
    return null;
  }
}

/** Least fall of the windowed batch variance, as a fraction, that counts as progress of a warm-started training. */
const PLATEAU_GAIN = 0.02;

/**
 * The stopping rule of a training that starts from a trained flow (a parameter scan's warm
 * start): every PAYOFF_WINDOW steps the mean batch relative variance of the last window must
 * fall by PLATEAU_GAIN against the window before, else (PAYOFF_PATIENCE windows in a row) the
 * flow has converged and training stops. A cold start keeps its epochs: the first windows of
 * a fresh flow are noisy and its progress is not yet monotone.
 */
export class TrainingPlateau {
  private readonly windows = new WindowedVariance();

  /** Record a training step; returns a stop reason once the variance has stopped falling. */
  observe(info: EpochInfo): string | null {
    const w = this.windows.add(info);
    if (w && this.windows.judge(!(w.now < (1 - PLATEAU_GAIN) * w.before))) {
      return `converged: the batch variance fell by less than ${PLATEAU_GAIN * 100}% per ${PAYOFF_WINDOW} steps, ${PAYOFF_PATIENCE} windows in a row`;
    }
    return null;
  }
}

function formatS(s: number): string {
  return Number.isFinite(s) ? `${s.toPrecision(2)} s` : `${s}`;
}
