/** Plain-number summaries of accumulated moments, as they appear in the result document. */
import { NumericalError } from '../errors';
import type { Summary } from '../report/schema';
import {
  effectiveSampleSize,
  expectationEstimate,
  integralEstimate,
  maxWeight,
  relativeVariance,
  unweightingEfficiency,
  type Estimate,
  type Moments,
} from './stats';
import { paretoKHat } from './tail';
import { judgeEstimate } from './verdict';

function finiteOrNull(e: Estimate): Estimate | null {
  return Number.isFinite(e.mean) && Number.isFinite(e.sdev) ? e : null;
}

/**
 * Whether the weights change sign: sum |w| equals |sum w| exactly (the same additions in the
 * same order) when they all have one sign.
 */
function isSigned(m: Moments): boolean {
  return m.sumAbsW !== Math.abs(m.sumW);
}

/**
 * The summary of a set of moments, with the verdict on its weights (src/estimate/verdict.ts;
 * the iteration check is added by the caller that knows the iterations).
 * Throws NumericalError when the estimate overflows float64.
 */
export function summarize(m: Moments, eventLabels: string[]): Summary {
  const integral = integralEstimate(m);
  const undefinedRatios = m.sumW === 0;
  const ess = effectiveSampleSize(m);
  const rv = relativeVariance(m);
  if (m.n > 0 && !(Number.isFinite(integral.mean) && Number.isFinite(integral.sdev))) {
    throw new NumericalError(
      `the estimate is not finite (${integral.mean} ± ${integral.sdev} from ${m.n} samples): the weights overflow float64`,
      'estimation',
    );
  }
  const core = {
    calls: m.n,
    integral: m.n > 0 ? integral : { mean: 0, sdev: 0 },
    expectation: m.coords.map((c) => (undefinedRatios ? null : finiteOrNull(expectationEstimate(m, c)))),
    events: m.events.map((ev, e) => ({
      label: eventLabels[e] ?? `event ${e + 1}`,
      probability: undefinedRatios ? null : finiteOrNull(expectationEstimate(m, ev)),
    })),
    ess,
    essFraction: m.n > 0 ? ess / m.n : 0,
    unweightingEfficiency: unweightingEfficiency(m),
    maxWeight: maxWeight(m),
    relativeVariance: Number.isFinite(rv) ? rv : null,
    zeros: m.zeros,
    nonFinite: m.nonFinite,
    khat: paretoKHat(m.top, m.n),
    signed: isSigned(m),
  };
  return { ...core, verdict: judgeEstimate(core) };
}

/**
 * Variance reduction of a method against a baseline at equal calls:
 * (SE_b^2 n_b) / (SE_m^2 n_m), i.e. the ratio of per-call variances. With `extraCalls`
 * (training) the method's calls are counted in full.
 */
export function varianceRatio(method: Summary, baseline: Summary, extraCalls = 0): number | null {
  const sm = method.integral.sdev;
  const sb = baseline.integral.sdev;
  if (!(sm > 0) || !Number.isFinite(sm) || !Number.isFinite(sb)) return null;
  // the ratio of errors first: their squares overflow (1e300) or underflow (1e-300)
  const r = sb / sm;
  const v = (r * r * baseline.calls) / (method.calls + extraCalls);
  return Number.isFinite(v) ? v : null;
}
