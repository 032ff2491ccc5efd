/**
 * The one place that decides whether an estimate can be trusted: a verdict, `reliable` and
 * the reasons, from the weight diagnostics of a summary (Pareto k-hat, ESS, largest weight,
 * non-finite values, an integrand that was zero everywhere) and, for the main estimate, the
 * consistency of its iterations (Q).
 *
 * k-hat is the Pareto shape of the weight tail (src/estimate/tail.ts; Vehtari et al., JMLR 25
 * (2024)). The weights have finite variance for k < 1/2 only; for plain importance sampling,
 * as here (no smoothing), the paper shows that the error of the estimate is then unreliable,
 * and above 0.7 even the smoothed estimate fails. Both bounds are named below.
 */
import type { Combined, Estimate } from './stats';

/** What makes an estimate unreliable. */
export const reasonCodes = [
  'zero-integrand',
  'pareto-k',
  'infinite-variance',
  'low-ess',
  'max-weight',
  'non-finite',
  'inconsistent-iterations',
  'inconsistent-adaptation',
  'no-samples',
  'boundary-mass',
  'outside-support',
  'correlated',
] as const;
/** The code of one reason for an unreliable verdict (`reasonCodes`). */
export type ReasonCode = (typeof reasonCodes)[number];

/** One reason for an unreliable verdict: its code and a message for the report. */
export interface Reason {
  code: ReasonCode;
  message: string;
}

/** Whether an estimate can be trusted; `reasons` is empty exactly when `reliable` is true. */
export interface Verdict {
  reliable: boolean;
  reasons: Reason[];
}

/** Pareto k-hat above which the error cannot be trusted even with Pareto smoothing. */
export const KHAT_MAX = 0.7;
/** Pareto k-hat above which the weights have no finite variance: the plain estimate's error is unreliable. */
export const KHAT_FINITE_VARIANCE = 0.5;
/** ESS fraction below which the error may be underestimated. */
const LOW_ESS_FRACTION = 0.01;
/** Largest |w| over mean |w| below which k-hat gives no verdict (see judgeEstimate). */
const KHAT_MIN_SPREAD = 10;
/** Largest |w| over the mean |w|, per 1e6 calls, above which one weight dominates. */
const HEAVY_MAX_WEIGHT = 1000;
/**
 * Share of sum w^2 carried by the largest weight above which the estimate is unreliable (with at
 * least MAX_SHARE_CALLS calls): the variance estimate then rests on one point, as with the
 * infinite-variance weights of an integrand whose tail the domain map turns into a singularity.
 */
const MAX_WEIGHT_SHARE = 0.1;
/** Fewest calls at which the MAX_WEIGHT_SHARE check applies. */
const MAX_SHARE_CALLS = 1000;
/** Q below which the iteration estimates are judged inconsistent. */
const LOW_Q = 0.05;
/**
 * Largest |z| between an estimate and the average of the VEGAS adaptation's last iterations
 * (independent points, unbiased maps) that counts as agreement: 4 (two-sided 6e-5 for honest
 * errors). Measured on (x1 < 0.125) in d = 1, seeds 1-8: the two estimates at +35 and -57
 * sigma (a stratum holding the step got 2 points, both on one side, and reported no variance)
 * stood at z = 11 and -30; the six honest ones within |z| < 1.5.
 */
const ADAPTATION_MAX_Z = 4;

/** The fields of a summary that the verdict reads. */
export interface WeightDiagnostics {
  calls: number;
  integral: { mean: number; sdev: number };
  essFraction: number;
  maxWeight: number;
  /** mean |w| / max |w|. */
  unweightingEfficiency: number;
  khat: number | null;
  nonFinite: number;
}

/** Mass found in the thinnest slab at a face of the cube (src/estimate/boundary.ts). */
export interface BoundaryFinding {
  /** The face, e.g. "x1 = 0". */
  where: string;
  /** Width of the slab as a fraction of the axis. */
  width: number;
  /** Estimated integral over the slab. */
  mass: number;
}

/** The correlation of p seen by a separable sampler (src/estimate/correlation.ts). */
export interface CorrelationFinding {
  /** Largest eigenvalue of the |w|-weighted correlation matrix of the coordinates. */
  eigenvalue: number;
}

/**
 * Largest eigenvalue of p's correlation matrix from which a product density (the VEGAS map)
 * has weights of infinite variance for a Gaussian p (src/estimate/correlation.ts).
 */
export const CORRELATION_EIGENVALUE = 2;
/**
 * ESS fraction below which a separable sampler of such a correlated p is judged unreliable.
 * Measured with the VEGAS map on normal densities with all correlations rho over [-10,10]^d
 * (seeds 1-8 or 1-20): rho 0.9, d 4 (eigenvalue 3.7): ESS 10-27%, mean pull -1.2, 2 of 20
 * beyond -4 sigma; rho 0.8, d 4 (3.4): ESS 30-38%, pulls within +-1.5; rho 0.95, d 2 (1.95):
 * ESS 54%, honest. @camel (two peaks on the diagonal, eigenvalue 2.8 in d = 4) keeps ESS 50%
 * and honest pulls: the product of its marginals covers both peaks.
 */
export const SEPARABLE_MIN_ESS = 0.3;

/**
 * The verdict on one estimate. `iterations` (the main estimate's chi2 of its iterations) adds
 * the Q check; `boundary` (the boundary probe's finding) adds the check that a slab no sampler
 * resolves holds less than the standard error; `correlation` (given for a separable sampler
 * only) adds the check that p is not so correlated that such a sampler's weights have no
 * variance while its ESS shows it samples p poorly; `adaptation` (the average of the VEGAS
 * adaptation's last iterations, for an estimate sampled with that map) adds the check that the
 * two agree within ADAPTATION_MAX_Z of their combined error. Messages are complete sentences
 * about the estimate, without a label.
 */
export function judgeEstimate(
  s: WeightDiagnostics,
  iterations: Combined | null = null,
  boundary: BoundaryFinding | null = null,
  correlation: CorrelationFinding | null = null,
  adaptation: Estimate | null = null,
): Verdict {
  const reasons: Reason[] = [];
  const add = (code: ReasonCode, message: string) => reasons.push({ code, message });
  const se = s.integral.sdev;
  if (correlation && correlation.eigenvalue >= CORRELATION_EIGENVALUE && s.essFraction < SEPARABLE_MIN_ESS) {
    add(
      'correlated',
      `p correlates its coordinates (largest eigenvalue of their correlation matrix ${correlation.eigenvalue.toFixed(2)} >= ${CORRELATION_EIGENVALUE}) ` +
        `and the separable VEGAS map samples it poorly (ESS ${(100 * s.essFraction).toPrecision(2)}% < ${100 * SEPARABLE_MIN_ESS}%): ` +
        'its weights then have no finite variance along the correlation (Gaussian approximation), and the error cannot be trusted; ' +
        'a flow can follow the correlation',
    );
  }
  if (boundary && se > 0 && Number.isFinite(se) && Math.abs(boundary.mass) > se) {
    add(
      'boundary-mass',
      `the integrand grows so fast toward ${boundary.where} that a slab of ${boundary.width.toPrecision(2)} of the axis there holds about ` +
        `${boundary.mass.toPrecision(2)}, more than the standard error ${se.toPrecision(2)}: mass that no sample reaches (a singularity or heavy tail at the boundary); ` +
        'change variables so that the integrand stays bounded there',
    );
  }
  if (s.calls === 0) {
    add(
      'no-samples',
      'no sample was taken (the time ran out before the estimate): there is no estimate, and 0 is no value of the integral',
    );
  }
  if (s.calls > 0 && s.integral.mean === 0 && s.integral.sdev === 0 && s.maxWeight === 0) {
    add('zero-integrand', 'the integrand was zero at every sample point; the integral is reported as 0 and E_p[X], P_p(A) are undefined');
  } else if (s.calls > 0) {
    // a tail that matters reaches far above the mean (k >= 0.5 at n >= 1e4 calls puts the largest
    // weight near n^k times the mean); below KHAT_MIN_SPREAD the fit only sees a short,
    // bounded tail (d = 96 VEGAS: largest weight 2.05x the mean, ESS 98%, yet k-hat 0.75)
    const spread = s.unweightingEfficiency > 0 ? 1 / s.unweightingEfficiency : Infinity;
    if (spread < KHAT_MIN_SPREAD) {
      // no tail verdict
    } else if (s.khat !== null && s.khat > KHAT_MAX) {
      add(
        'pareto-k',
        `heavy-tailed weights: Pareto k-hat ${s.khat.toFixed(2)} > ${KHAT_MAX}; the estimate and its error cannot be trusted`,
      );
    } else if (s.khat !== null && s.khat > KHAT_FINITE_VARIANCE) {
      add(
        'infinite-variance',
        `heavy-tailed weights: Pareto k-hat ${s.khat.toFixed(2)} > ${KHAT_FINITE_VARIANCE}, the weights likely have no finite variance; the error cannot be trusted`,
      );
    }
    if (s.essFraction < LOW_ESS_FRACTION) {
      add('low-ess', `heavy-tailed weights: ESS ${(100 * s.essFraction).toPrecision(2)}% of calls; the error may be underestimated`);
    }
    const relMax = s.unweightingEfficiency > 0 ? 1 / s.unweightingEfficiency : 0;
    // max w^2 / sum w^2 = ESS / (calls * unweighting efficiency)^2
    const u = s.unweightingEfficiency;
    const maxShare = s.calls > 0 && u > 0 ? s.essFraction / (s.calls * u * u) : 0;
    if (relMax > HEAVY_MAX_WEIGHT * Math.max(1, s.calls / 1e6)) {
      add(
        'max-weight',
        `heavy-tailed weights: the largest weight is ${relMax.toPrecision(3)}x the mean |w|; the error may be underestimated`,
      );
    } else if (s.calls >= MAX_SHARE_CALLS && maxShare > MAX_WEIGHT_SHARE) {
      add(
        'max-weight',
        `heavy-tailed weights: the largest weight carries ${(100 * maxShare).toPrecision(2)}% of sum w^2, so the error rests on one point and may be underestimated`,
      );
    }
    if (s.nonFinite > 0) {
      add('non-finite', `${s.nonFinite} sample(s) with a non-finite integrand or density were counted as 0 (nan policy zero)`);
    }
  }
  if (adaptation && se > 0 && adaptation.sdev > 0 && Number.isFinite(adaptation.sdev)) {
    const z = (s.integral.mean - adaptation.mean) / Math.hypot(se, adaptation.sdev);
    if (Math.abs(z) > ADAPTATION_MAX_Z) {
      add(
        'inconsistent-adaptation',
        `the estimate and the VEGAS adaptation's last iterations disagree by ${z.toFixed(1)} of their combined error: ` +
          'at least one of their errors is too small (a step or edge of f that few points per hypercube resolve); the error cannot be trusted',
      );
    }
  }
  if (iterations && iterations.dof > 0 && iterations.Q < LOW_Q) {
    add(
      'inconsistent-iterations',
      `the ${iterations.dof + 1} iterations disagree (chi2/dof = ${(iterations.chi2 / iterations.dof).toFixed(2)}, Q = ${iterations.Q.toPrecision(2)}); the error cannot be trusted`,
    );
  }
  return { reliable: reasons.length === 0, reasons };
}
