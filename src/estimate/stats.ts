/**
 * Float64 estimators from weighted samples.
 *
 * A run draws x_i ~ q and forms weights w_i = f(x_i)/q(x_i) (w_i = f(x_i) * volume for
 * uniform sampling). All estimates are built from sufficient statistics (plain float64 sums)
 * so that chunks, iterations and separate processes can be merged by adding them:
 *
 *   F      = E_q[w]                                   (the integral)
 *   E_p[g] = E_q[w g] / E_q[w]     with p = f/F       (expectations under the integrand)
 *
 * E_p[g] is a ratio of two means taken from the same samples; its error follows from the
 * delta method: Var(a/b) ~ (Var a - 2 R Cov(a,b) + R^2 Var b) / (n b^2), with a_i = w_i g_i,
 * b_i = w_i and R = mean(a)/mean(b) (vegas' PDFIntegrator does the same).
 */

import { gammaQ } from '../integrand/special';
import { mergeObservableMoments, trimObservableTails, type ObservableMoments } from '../observables/moments';
import { keepLargest, mergeLargest, TAIL_KEEP } from './tail';

/** An estimate and its standard error (sdev), in the units of the quantity estimated. */
export interface Estimate {
  mean: number;
  sdev: number;
}

/** Sums for one observable g: S1 = sum w g, S2 = sum (w g)^2, Sx = sum w^2 g. */
export interface ObservableSums {
  s1: number;
  s2: number;
  sx: number;
}

/**
 * Sufficient statistics of a set of weighted samples. Everything adds under merge.
 *
 * The sums are kept in units of `scale`, a power of two chosen from the first non-zero weights
 * (and raised if much larger ones arrive), so that integrands of size 1e300 or 1e-300 neither
 * overflow nor underflow in sum w^2. Scaling by a power of two is exact in float64.
 */
export interface Moments {
  /** Number of samples (integrand calls). */
  n: number;
  /** Unit of every weight sum below (sumW, s1: one power; sumW2, s2, sx: two powers). */
  scale: number;
  /** sum w, sum w^2 */
  sumW: number;
  sumW2: number;
  /** sum |w| and the largest |w| (unweighting efficiency, ESS of |f|). */
  sumAbsW: number;
  maxAbsW: number;
  /**
   * The largest |w| in decreasing order, at most TAIL_KEEP of them, in the user's units (not
   * in units of `scale`): the tail that the Pareto k-hat is fitted to (src/estimate/tail.ts).
   * The union's largest under merge.
   */
  top: number[];
  /** Samples whose integrand value was zero. */
  zeros: number;
  /** Samples whose integrand or density was NaN/Inf and were counted as zero (--nan zero). */
  nonFinite: number;
  /** One entry per coordinate k: g = x_k. */
  coords: ObservableSums[];
  /** One entry per event A: g = 1_A(x). */
  events: ObservableSums[];
  /**
   * Var(sum w) of a stratified sampler (VEGAS+), in units of scale^2, set once the samples
   * are in (see `setStratifiedVariance`). When present the integral's error comes from it
   * instead of the iid formula; E_p ratios keep the iid delta method (conservative under
   * stratification). Adds under merge.
   */
  varSumW?: number;
  /**
   * Sums of the further integrands and observable histograms weighed on the same points
   * (src/observables/moments.ts), when the problem has any. Adds under merge.
   */
  observables?: ObservableMoments;
}

/** Zero sums of one observable. */
function emptyObservable(): ObservableSums {
  return { s1: 0, s2: 0, sx: 0 };
}

/** Zero moments (scale 1) with one ObservableSums per coordinate (`dim`) and per event (`nEvents`): the identity of `mergeMoments`. */
export function emptyMoments(dim: number, nEvents: number): Moments {
  return {
    n: 0,
    scale: 1,
    sumW: 0,
    sumW2: 0,
    sumAbsW: 0,
    maxAbsW: 0,
    top: [],
    zeros: 0,
    nonFinite: 0,
    coords: Array.from({ length: dim }, emptyObservable),
    events: Array.from({ length: nEvents }, emptyObservable),
  };
}

/**
 * Add a chunk of n samples. `w` holds the weights, `x` the points row-major (n x dim) in the
 * user's coordinates, `hits[e]` the 0/1 indicator of event e at each point.
 */
export function accumulate(m: Moments, w: Float64Array, x: Float64Array, n: number, hits: Uint8Array[] = []): void {
  const dim = m.coords.length;
  let chunkMax = 0;
  for (let i = 0; i < n; i++) {
    const a = Math.abs(w[i]);
    if (a > chunkMax) chunkMax = a;
  }
  rescaleFor(m, chunkMax);
  const inv = 1 / m.scale;
  let sumW = 0;
  let sumW2 = 0;
  let sumAbs = 0;
  let maxAbs = m.maxAbsW;
  let zeros = 0;
  for (let i = 0; i < n; i++) {
    // a zero is a zero weight, not one too small for the unit of the sums
    if (w[i] === 0) zeros++;
    const wi = w[i] * inv;
    sumW += wi;
    sumW2 += wi * wi;
    const a = Math.abs(wi);
    sumAbs += a;
    if (a > maxAbs) maxAbs = a;
  }
  for (let k = 0; k < dim; k++) {
    let s1 = 0;
    let s2 = 0;
    let sx = 0;
    for (let i = 0, o = k; i < n; i++, o += dim) {
      const wi = w[i] * inv;
      if (wi === 0) continue;
      const a = wi * x[o];
      s1 += a;
      s2 += a * a;
      sx += a * wi;
    }
    const c = m.coords[k];
    c.s1 += s1;
    c.s2 += s2;
    c.sx += sx;
  }
  for (let e = 0; e < m.events.length; e++) {
    const h = hits[e];
    let s1 = 0;
    let s2 = 0;
    for (let i = 0; i < n; i++) {
      if (h[i]) {
        const wi = w[i] * inv;
        s1 += wi;
        s2 += wi * wi;
      }
    }
    const ev = m.events[e];
    ev.s1 += s1;
    ev.s2 += s2; // (w 1_A)^2 = w^2 1_A
    ev.sx += s2; // w^2 1_A
  }
  m.n += n;
  m.sumW += sumW;
  m.sumW2 += sumW2;
  m.sumAbsW += sumAbs;
  m.maxAbsW = maxAbs;
  m.top = keepLargest(m.top, w, n);
  m.zeros += zeros;
}

/** Exponent range of the unit: 1/scale and scale stay finite normal numbers. */
const MIN_SCALE_EXP = -1022;
const MAX_SCALE_EXP = 1023;

/**
 * A power of two close to x (x > 0, finite), within the normal float64 range: for a subnormal
 * x the unit stays 2^-1022 (1/2^-1027 would overflow), and x/unit is then exact.
 */
function powerOfTwoNear(x: number): number {
  const e = Math.round(Math.log2(x));
  return Math.pow(2, Math.min(MAX_SCALE_EXP, Math.max(MIN_SCALE_EXP, e)));
}

/** Largest ratio of a new chunk's max |w| to the current scale before the sums are rescaled. */
const RESCALE_LIMIT = Math.pow(2, 300);

/**
 * Choose the scale from the first non-zero chunk, and raise it (rescaling the sums, exactly
 * up to underflow of negligible terms) when a chunk's weights exceed it by far.
 */
function rescaleFor(m: Moments, chunkMax: number): void {
  if (!(chunkMax > 0) || !Number.isFinite(chunkMax)) return;
  if (m.sumAbsW === 0 && m.maxAbsW === 0) {
    m.scale = powerOfTwoNear(chunkMax);
    return;
  }
  if (chunkMax / m.scale > RESCALE_LIMIT) setScale(m, powerOfTwoNear(chunkMax));
}

/** Express the sums of m in the unit `scale` (in place). */
function setScale(m: Moments, scale: number): void {
  if (scale === m.scale) return;
  if (m.sumAbsW === 0 && m.maxAbsW === 0) {
    // nothing to convert (and old/new may overflow when squared)
    m.scale = scale;
    return;
  }
  const f = m.scale / scale;
  const f2 = f * f;
  m.sumW *= f;
  m.sumAbsW *= f;
  m.maxAbsW *= f;
  m.sumW2 *= f2;
  if (m.varSumW !== undefined) m.varSumW *= f2;
  for (const g of [...m.coords, ...m.events]) {
    g.s1 *= f;
    g.s2 *= f2;
    g.sx *= f2;
  }
  m.scale = scale;
}

function cloneMoments(m: Moments): Moments {
  return { ...m, top: [...m.top], coords: m.coords.map((c) => ({ ...c })), events: m.events.map((c) => ({ ...c })) };
}

/**
 * Record Var(sum w) of a stratified sampler's samples in m: `varSumW` is in units of
 * `scale`^2 (scale: the unit the sampler kept its sums in, default 1) and is stored in m's
 * own unit.
 */
export function setStratifiedVariance(m: Moments, v: { varSumW: number; scale?: number }): void {
  const f = (v.scale ?? 1) / m.scale;
  m.varSumW = v.varSumW * f * f;
}

/**
 * Var(sum w) of iid samples, n/(n-1) (sum w^2 - (sum w)^2/n), in units of scale^2: what a
 * part without a stratified variance contributes when merged with one that has it.
 */
function iidVarSumW(m: Moments): number {
  if (m.n === 0) return 0;
  if (m.n < 2) return Infinity;
  return Math.max(0, (m.sumW2 - (m.sumW * m.sumW) / m.n) * (m.n / (m.n - 1)));
}

/** Sum of two sets of moments (pooled samples). */
export function mergeMoments(a: Moments, b: Moments): Moments {
  if (a.coords.length !== b.coords.length || a.events.length !== b.events.length) {
    throw new Error('cannot merge moments of different shapes');
  }
  if (a.scale !== b.scale) {
    // bring both to the larger unit (an empty side takes the other's)
    const empty = (m: Moments) => m.sumAbsW === 0 && m.maxAbsW === 0;
    const scale = empty(a) ? b.scale : empty(b) ? a.scale : Math.max(a.scale, b.scale);
    a = cloneMoments(a);
    b = cloneMoments(b);
    setScale(a, scale);
    setScale(b, scale);
  }
  const add = (p: ObservableSums, q: ObservableSums): ObservableSums => ({
    s1: p.s1 + q.s1,
    s2: p.s2 + q.s2,
    sx: p.sx + q.sx,
  });
  const stratified = a.varSumW !== undefined || b.varSumW !== undefined;
  return {
    n: a.n + b.n,
    scale: a.scale,
    sumW: a.sumW + b.sumW,
    sumW2: a.sumW2 + b.sumW2,
    sumAbsW: a.sumAbsW + b.sumAbsW,
    maxAbsW: Math.max(a.maxAbsW, b.maxAbsW),
    top: mergeLargest(a.top, b.top),
    zeros: a.zeros + b.zeros,
    nonFinite: a.nonFinite + b.nonFinite,
    coords: a.coords.map((c, k) => add(c, b.coords[k])),
    events: a.events.map((c, k) => add(c, b.events[k])),
    ...(stratified ? { varSumW: (a.varSumW ?? iidVarSumW(a)) + (b.varSumW ?? iidVarSumW(b)) } : {}),
    ...(a.observables || b.observables ? { observables: mergeObservableMoments(a.observables, b.observables, a.n, b.n) } : {}),
  };
}

/**
 * The same moments with each `top` cut to the values that can be among the TAIL_KEEP largest
 * of all of them pooled (ties kept): what a file needs to give the pooled tail, without
 * TAIL_KEEP values per iteration.
 */
export function trimTails(ms: Moments[]): Moments[] {
  const pooled = ms.reduce<number[]>((t, m) => mergeLargest(t, m.top), []);
  let out = ms;
  if (pooled.length >= TAIL_KEEP) {
    const floor = pooled[TAIL_KEEP - 1];
    out = ms.map((m) => ({ ...m, top: m.top.filter((v) => v >= floor) }));
  }
  const withObservables = out.filter((m) => m.observables !== undefined);
  if (withObservables.length === 0) return out;
  const trimmed = trimObservableTails(withObservables.map((m) => m.observables as ObservableMoments));
  let j = 0;
  return out.map((m) => (m.observables !== undefined ? { ...m, observables: trimmed[j++] } : m));
}

/**
 * Mean of w and its standard error: sqrt(varSumW)/n for a stratified sampler, else the iid
 * sample variance with n-1.
 */
export function integralEstimate(m: Moments): Estimate {
  if (m.n === 0) return { mean: NaN, sdev: NaN };
  const mean = m.sumW / m.n;
  if (m.varSumW !== undefined) return { mean: mean * m.scale, sdev: (Math.sqrt(Math.max(0, m.varSumW)) / m.n) * m.scale };
  if (m.n < 2) return { mean: mean * m.scale, sdev: Infinity };
  const variance = Math.max(0, (m.sumW2 - m.n * mean * mean) / (m.n - 1));
  return { mean: mean * m.scale, sdev: Math.sqrt(variance / m.n) * m.scale };
}

/**
 * Ratio E[a]/E[b] from the same n samples with a delta-method error, given
 * sum a, sum a^2, sum a b, sum b, sum b^2.
 */
export function ratioEstimate(n: number, sa: number, saa: number, sab: number, sb: number, sbb: number): Estimate {
  if (n === 0 || sb === 0) return { mean: NaN, sdev: NaN };
  const ma = sa / n;
  const mb = sb / n;
  const r = ma / mb;
  if (n < 2) return { mean: r, sdev: Infinity };
  const varA = (saa - n * ma * ma) / (n - 1);
  const varB = (sbb - n * mb * mb) / (n - 1);
  const cov = (sab - n * ma * mb) / (n - 1);
  const v = (varA - 2 * r * cov + r * r * varB) / (n * mb * mb);
  return { mean: r, sdev: Math.sqrt(Math.max(0, v)) };
}

/** E_p[g] for one observable: ratio of sum w g to sum w. */
export function expectationEstimate(m: Moments, g: ObservableSums): Estimate {
  return ratioEstimate(m.n, g.s1, g.s2, g.sx, m.sumW, m.sumW2);
}

/** Effective sample size (sum |w|)^2 / sum w^2 (Kish). */
export function effectiveSampleSize(m: Moments): number {
  return m.sumW2 > 0 ? (m.sumAbsW * m.sumAbsW) / m.sumW2 : 0;
}

/** Largest |w| seen. */
export function maxWeight(m: Moments): number {
  return m.maxAbsW * m.scale;
}

/** Unweighting efficiency mean(|w|)/max(|w|): acceptance rate of hit-or-miss unweighting. */
export function unweightingEfficiency(m: Moments): number {
  return m.maxAbsW > 0 && m.n > 0 ? m.sumAbsW / m.n / m.maxAbsW : 0;
}

/** Relative variance per sample Var(w)/F^2 (the per-call figure of merit). */
export function relativeVariance(m: Moments): number {
  const e = integralEstimate(m);
  if (e.mean === 0) return NaN;
  const rel = e.sdev / e.mean; // a ratio first: sdev^2 overflows for integrands near 1e300
  return rel * rel * m.n;
}

/** Combination of independent estimates (iterations) with chi2 and its Q value. */
export interface Combined {
  chi2: number;
  dof: number;
  /** P(chi2' > chi2) for chi2' ~ chi2(dof): small Q (< 0.05) means the estimates disagree. */
  Q: number;
}

/** chi2 of iteration estimates about a common mean (their inverse-variance weighted average). */
export function chi2OfIterations(items: Estimate[]): Combined {
  const usable = items.filter((e) => e.sdev > 0 && Number.isFinite(e.sdev));
  if (usable.length < 2) return { chi2: 0, dof: 0, Q: 1 };
  // weights 1/sdev^2 in units of the largest sdev: no overflow for subnormal errors, no
  // underflow for errors near 1e300
  const unit = Math.max(...usable.map((e) => e.sdev));
  let sw = 0;
  let swm = 0;
  for (const e of usable) {
    const rel = e.sdev / unit;
    const wt = 1 / (rel * rel);
    sw += wt;
    swm += wt * e.mean;
  }
  const avg = swm / sw;
  let chi2 = 0;
  for (const e of usable) chi2 += ((e.mean - avg) / e.sdev) ** 2;
  const dof = usable.length - 1;
  return { chi2, dof, Q: gammaQ(dof / 2, chi2 / 2) };
}
