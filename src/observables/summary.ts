/**
 * Estimates from the statistics of src/observables/moments.ts, as they appear in the result:
 * each G_k with its standard error, the covariance matrix of (F, G_1, ..., G_m), the ratios
 * G_k/F with delta-method errors, and per histogram bin the integral of f over the bin (or its
 * fraction of F).
 *
 * Delta method for a ratio R = A/B of means from the same points:
 *   Var(R) ~ (Var A - 2 R Cov(A, B) + R^2 Var B) / B^2,
 * with the covariances of the means (stratified for G_k/F under VEGAS+; iid for histogram
 * fractions, conservative under stratification as for E_p[X] in src/estimate/stats.ts).
 */
import { chi2OfIterations, ratioEstimate, type Estimate } from '../estimate/stats';
import { paretoKHat } from '../estimate/tail';
import { judgeEstimate, type Verdict } from '../estimate/verdict';
import type { ObservablesReport } from '../report/schema';
import { emptyObservableMoments, packedIndex, settled, sumCovariance, type ObservableMoments } from './moments';
import type { ObservableSpec } from './options';

const orNull = (v: number): number | null => (Number.isFinite(v) ? v : null);
const loose = (e: Estimate) => ({ mean: orNull(e.mean), sdev: orNull(e.sdev) });

/** Number of estimates in the covariance matrix: F and the m further integrands. */
const size = (om: ObservableMoments) => om.sums.length;

/**
 * The covariance matrix of the estimates (F, G_1, ..., G_m) in the user's units: entry (a, b)
 * is Cov(S_a, S_b) / n^2 (stratified when the sampler was). Entries are NaN without points.
 */
export function covarianceMatrix(om: ObservableMoments): number[][] {
  const K = size(om);
  const n = om.n;
  const cov = sumCovariance(om);
  const unit = om.scale / n;
  return Array.from({ length: K }, (_, a) => Array.from({ length: K }, (_, b) => (n > 0 ? cov[packedIndex(a, b, K)] * unit * unit : NaN)));
}

/** Estimate a of (F, G_1, ..., G_m): S_a / n and sqrt(Cov(S_a, S_a)) / n. */
export function integralOf(om: ObservableMoments, a: number): Estimate {
  const n = om.n;
  if (n === 0) return { mean: NaN, sdev: NaN };
  const cov = sumCovariance(om);
  const v = cov[packedIndex(a, a, size(om))];
  return { mean: (om.sums[a] / n) * om.scale, sdev: (Math.sqrt(Math.max(0, v)) / n) * om.scale };
}

/** G_k / F (k >= 1) with its delta-method error from the covariance of the sums; NaN when F's sum is 0. */
export function ratioToF(om: ObservableMoments, k: number): Estimate {
  const K = size(om);
  const s0 = om.sums[0];
  if (om.n === 0 || s0 === 0) return { mean: NaN, sdev: NaN };
  const cov = sumCovariance(om);
  const r = om.sums[k] / s0;
  const v = (cov[packedIndex(k, k, K)] - 2 * r * cov[packedIndex(k, 0, K)] + r * r * cov[packedIndex(0, 0, K)]) / (s0 * s0);
  return { mean: r, sdev: Math.sqrt(Math.max(0, v)) };
}

/** Mean of w over the points and its iid standard error, from sum w and sum w^2 of a cell. */
function cellIntegral(n: number, s1: number, s2: number, scale: number): Estimate {
  if (n === 0) return { mean: NaN, sdev: NaN };
  const mean = s1 / n;
  if (n < 2) return { mean: mean * scale, sdev: Infinity };
  const variance = Math.max(0, (s2 - n * mean * mean) / (n - 1));
  return { mean: mean * scale, sdev: Math.sqrt(variance / n) * scale };
}

/**
 * A cell's share of F: the ratio of sum w 1_cell to sum w with the delta method
 * (ratioEstimate), where sum (w 1_cell)(w) = sum w^2 1_cell.
 */
function cellFraction(n: number, s1: number, s2: number, sumW: number, sumW2: number): Estimate {
  return ratioEstimate(n, s1, s2, s2, sumW, sumW2);
}

/** Per histogram: bins, underflow, overflow and undefined cells as estimates (see the result schema). */
function histogramEstimates(spec: ObservableSpec, om: ObservableMoments): ObservablesReport['histograms'] {
  const n = om.n;
  const normalized = spec.histNormalize;
  return spec.histograms.map((h, j) => {
    const sums = om.histograms[j];
    const cell = (c: number): Estimate =>
      normalized ? cellFraction(n, sums.s1[c], sums.s2[c], om.sums[0], om.products[0]) : cellIntegral(n, sums.s1[c], sums.s2[c], om.scale);
    const width = (h.hi - h.lo) / h.bins;
    return {
      observable: h.observable,
      lo: h.lo,
      hi: h.hi,
      normalized,
      bins: Array.from({ length: h.bins }, (_, i) => {
        const e = cell(i + 1);
        return { lo: h.lo + i * width, hi: i === h.bins - 1 ? h.hi : h.lo + (i + 1) * width, mean: orNull(e.mean), sdev: orNull(e.sdev) };
      }),
      underflow: loose(cell(0)),
      overflow: loose(cell(h.bins + 1)),
      undefined: loose(cell(h.bins + 2)),
    };
  });
}

/** The observables section of a result and the warnings it raises. */
export interface ObservablesSummary {
  report: ObservablesReport;
  warnings: string[];
}

/**
 * Summarise pooled statistics (and, for the Q check of each G_k, the per-iteration ones).
 * `learned`: the sampler was adapted to f (VEGAS map or flow), so points where f = 0 and
 * g_k != 0 mean g_k's error is unreliable; with uniform sampling they do not.
 */
export function summarizeObservables(
  spec: ObservableSpec,
  pooled: ObservableMoments | undefined,
  iterations: (ObservableMoments | undefined)[] = [],
  learned = true,
): ObservablesSummary {
  const warnings: string[] = [];
  const om = pooled
    ? settled(pooled)
    : emptyObservableMoments(
        spec.also.length,
        spec.histograms.map((h) => h.bins),
      );
  const n = om.n;
  const labels = ['F', ...spec.also.map((a) => a.label)];
  const integrals = spec.also.map((a, j) => {
    const k = j + 1;
    const g = om.integrands[j];
    const integral = integralOf(om, k);
    const ratio = ratioToF(om, k);
    const sumSq = om.products[packedIndex(k, k, size(om))];
    const ess = sumSq > 0 ? (g.sumAbs * g.sumAbs) / sumSq : 0;
    const diagnostics = {
      essFraction: n > 0 ? ess / n : 0,
      maxWeight: g.maxAbs * om.scale,
      unweightingEfficiency: g.maxAbs > 0 && n > 0 ? g.sumAbs / n / g.maxAbs : 0,
      khat: paretoKHat(g.top, n),
      zeros: g.zeros,
      nonFinite: g.nonFinite,
    };
    const perIteration = iterations.filter((it): it is ObservableMoments => it !== undefined && it.n > 0).map((it) => integralOf(it, k));
    const judged: Verdict = judgeEstimate(
      { calls: n, integral: n > 0 ? integral : { mean: 0, sdev: 0 }, ...diagnostics },
      perIteration.length > 1 ? chi2OfIterations(perIteration) : null,
    );
    const outsideMatters = learned && g.outside > 0;
    const verdict: Verdict = outsideMatters
      ? {
          reliable: false,
          reasons: [
            ...judged.reasons,
            {
              code: 'outside-support',
              message:
                `g is non-zero at ${g.outside} sample point(s) where the integrand f is zero: its support reaches outside f's, ` +
                `where the sampler (adapted to f) puts few points; the estimate and its error cannot be trusted`,
            },
          ],
        }
      : judged;
    for (const r of verdict.reasons) warnings.push(`${a.label}: ${r.message}`);
    return {
      label: a.label,
      expression: a.expression,
      integral: loose(n > 0 ? integral : { mean: 0, sdev: 0 }),
      ratio: Number.isFinite(ratio.mean) ? loose(ratio) : null,
      ...diagnostics,
      outsideSupport: g.outside,
      verdict,
      reliable: verdict.reliable,
    };
  });
  const matrix = covarianceMatrix(om).map((row) => row.map(orNull));
  return {
    report: { calls: n, integrals, covariance: { labels, matrix }, histograms: histogramEstimates(spec, om) },
    warnings,
  };
}
