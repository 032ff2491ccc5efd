/**
 * Arithmetic of the benchmark: figure of merit, pulls, and the summary of several seeds.
 *
 * FoM = (SE / exact)^2 x calls, with every integrand call counted (training included): the
 * relative variance per call of the whole procedure; lower is better. It is only meaningful
 * when the error is honest, which the pulls (estimate - exact) / SE check.
 */

/** Pulls beyond this size mean that the reported error is not to be trusted. */
export const PULL_ALARM = 4;

/** (se / exact)^2 x calls; null when undefined (exact = 0 or non-finite inputs). */
export function figureOfMerit(se: number, exact: number, calls: number): number | null {
  if (exact === 0 || !Number.isFinite(se) || !Number.isFinite(exact)) return null;
  return (se / exact) ** 2 * calls;
}

/**
 * (estimate - exact) / sqrt(se^2 + exactUncertainty^2); null when both errors vanish and the
 * estimate is off (an infinite pull is reported as null together with a zero error).
 */
export function pull(estimate: number, se: number, exact: number, exactUncertainty = 0): number | null {
  const s = Math.hypot(se, exactUncertainty);
  if (!Number.isFinite(estimate) || !Number.isFinite(s)) return null;
  if (s === 0) return estimate === exact ? 0 : null;
  return (estimate - exact) / s;
}

/** se / |exact|: the reported relative error. */
export function relativeError(se: number, exact: number): number | null {
  return exact === 0 ? null : se / Math.abs(exact);
}

/** Median of a list of numbers (the mean of the middle two for an even count); null for an empty list. */
export function median(xs: number[]): number | null {
  if (xs.length === 0) return null;
  const s = xs.slice().sort((a, b) => a - b);
  const h = s.length >> 1;
  return s.length % 2 ? s[h] : (s[h - 1] + s[h]) / 2;
}

/** Root mean square; null for an empty list. */
export function rms(xs: number[]): number | null {
  if (xs.length === 0) return null;
  return Math.sqrt(xs.reduce((a, x) => a + x * x, 0) / xs.length);
}

/** One run of one method at one seed. */
export interface RunRecord {
  seed: number;
  estimate: number;
  se: number;
  /** Every integrand call of the run: training + evaluation. */
  calls: number;
  trainCalls: number;
  evalCalls: number;
  pull: number | null;
  relError: number | null;
  fom: number | null;
  unweightingEfficiency: number;
  essFraction: number;
  seconds: number;
  trainSeconds: number;
  warnings: string[];
}

/**
 * A RunRecord from a run's figures, with its pull, relative error and FoM against `exact`
 * (± `exactUncertainty`), each null where undefined.
 */
export function makeRun(fields: Omit<RunRecord, 'pull' | 'relError' | 'fom'>, exact: number, exactUncertainty = 0): RunRecord {
  return {
    ...fields,
    pull: pull(fields.estimate, fields.se, exact, exactUncertainty),
    relError: relativeError(fields.se, exact),
    fom: figureOfMerit(fields.se, exact, fields.calls),
  };
}

/** Several seeds of one method on one case. */
export interface RunSummary {
  runs: number;
  /** Inverse-variance weighted mean of the runs and its standard error. */
  estimate: number;
  se: number;
  /** Pull and relative error of the combined estimate. */
  pull: number | null;
  relError: number | null;
  /** Median over the runs of the per-run values. */
  calls: number;
  fom: number | null;
  unweightingEfficiency: number | null;
  /** Mean wall seconds per run. */
  seconds: number;
  /** RMS and largest |pull| over the runs (the honesty of the per-run error bars). */
  pullRms: number | null;
  maxAbsPull: number | null;
}

/**
 * Combine several seeds of one method on one case: inverse-variance weighted estimate and its
 * error (the plain mean with error 0 when some run reports no positive finite error), its pull
 * and relative error, medians of calls, FoM and unweighting efficiency, mean seconds, and the
 * RMS and largest |pull| over the runs.
 */
export function summarizeRuns(runs: RunRecord[], exact: number, exactUncertainty = 0): RunSummary {
  const positive = runs.filter((r) => r.se > 0 && Number.isFinite(r.se));
  let estimate: number;
  let se: number;
  if (positive.length === runs.length && runs.length > 0) {
    const w = runs.map((r) => 1 / (r.se * r.se));
    const sw = w.reduce((a, b) => a + b, 0);
    estimate = runs.reduce((a, r, i) => a + w[i] * r.estimate, 0) / sw;
    se = 1 / Math.sqrt(sw);
  } else {
    // some run reports a zero error: the plain mean, with a zero error
    estimate = runs.reduce((a, r) => a + r.estimate, 0) / Math.max(1, runs.length);
    se = 0;
  }
  const pulls = runs.map((r) => r.pull).filter((p): p is number => p !== null);
  const foms = runs.map((r) => r.fom).filter((f): f is number => f !== null);
  return {
    runs: runs.length,
    estimate,
    se,
    pull: pull(estimate, se, exact, exactUncertainty),
    relError: relativeError(se, exact),
    calls: median(runs.map((r) => r.calls)) ?? 0,
    fom: median(foms),
    unweightingEfficiency: median(runs.map((r) => r.unweightingEfficiency)),
    seconds: runs.length > 0 ? runs.reduce((a, r) => a + r.seconds, 0) / runs.length : 0,
    pullRms: rms(pulls),
    maxAbsPull: pulls.length > 0 ? Math.max(...pulls.map(Math.abs)) : null,
  };
}

/** Pulls of many runs (over seeds and cases): RMS, largest |pull| and how many exceed PULL_ALARM. */
export interface PullStats {
  n: number;
  rms: number | null;
  maxAbs: number | null;
  alarms: number;
}

/** Pull statistics of many runs; a run without a pull (zero error, wrong estimate) counts as an alarm. */
export function pullStats(runs: RunRecord[]): PullStats {
  const p = runs.map((r) => r.pull);
  const finite = p.filter((x): x is number => x !== null);
  return {
    n: p.length,
    rms: rms(finite),
    maxAbs: finite.length > 0 ? Math.max(...finite.map(Math.abs)) : null,
    // an undefined pull (zero error, wrong estimate) counts as an alarm
    alarms: p.filter((x) => x === null || Math.abs(x) > PULL_ALARM).length,
  };
}

/** Geometric mean of positive ratios; null when there are none. */
export function geometricMean(xs: number[]): number | null {
  const ok = xs.filter((x) => x > 0 && Number.isFinite(x));
  if (ok.length === 0) return null;
  return Math.exp(ok.reduce((a, x) => a + Math.log(x), 0) / ok.length);
}
