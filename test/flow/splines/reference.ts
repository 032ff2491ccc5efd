/**
 * Float64 reference implementations of the spline families and the logit couplings in plain JS, one coordinate
 * at a time, with the same parameter layout, normalisation, minimum sizes and bin rule as the
 * tfjs versions (see linear.ts, quadratic.ts, rationalQuadratic.ts). Used to validate them.
 */
import type { SplineKind } from '../../../src/flow/types';
import { MIN_BIN_HEIGHT, MIN_BIN_WIDTH, MIN_DERIVATIVE } from '../../../src/flow/splines/constants';
import { AFFINE_LOG_SCALE_BOUND } from '../../../src/flow/splines/logit';

export interface ScalarSplineResult {
  y: number;
  /** log |dy/dz| of the direction computed (the inverse gives minus the forward value). */
  logAbsDet: number;
}

/** One coordinate: raw holds the P parameters of that coordinate. */
export type ReferenceSpline = (z: number, raw: ArrayLike<number>, bins: number, inverse: boolean) => ScalarSplineResult;

function clip01(x: number): number {
  return Math.min(1, Math.max(0, x));
}

function softmax(raw: ArrayLike<number>, offset: number, count: number): number[] {
  let max = -Infinity;
  for (let k = 0; k < count; k++) max = Math.max(max, raw[offset + k]);
  const e: number[] = [];
  let total = 0;
  for (let k = 0; k < count; k++) {
    e.push(Math.exp(raw[offset + k] - max));
    total += e[k];
  }
  return e.map((x) => x / total);
}

/** minSize + (1 - K minSize) softmax(raw[offset, offset + K)). */
function binSizes(raw: ArrayLike<number>, offset: number, bins: number, minSize: number): number[] {
  return softmax(raw, offset, bins).map((p) => minSize + (1 - bins * minSize) * p);
}

interface Knots {
  lower: number[];
  upper: number[];
}

/** Exclusive cumulative sums with the last knot set to 1. */
function knots(sizes: number[]): Knots {
  const lower: number[] = [];
  let acc = 0;
  for (const s of sizes) {
    lower.push(acc);
    acc += s;
  }
  const upper = lower.slice(1);
  upper.push(1);
  return { lower, upper };
}

/** Number of upper knots <= v, capped at K - 1. */
function findBin(upper: number[], v: number): number {
  let b = 0;
  while (b < upper.length - 1 && upper[b] <= v) b++;
  return b;
}

function softplus(x: number): number {
  return x > 30 ? x + Math.log1p(Math.exp(-x)) : Math.log1p(Math.exp(x));
}

/** A spline of one coordinate with its parameters already turned into knots. */
export interface PreparedSpline {
  apply(z: number, inverse: boolean): ScalarSplineResult;
}

/** Piecewise-linear spline, P = K. */
function prepareLinear(raw: ArrayLike<number>, bins: number): PreparedSpline {
  const y = knots(binSizes(raw, 0, bins, MIN_BIN_HEIGHT));
  return {
    apply(z, inverse) {
      const v = clip01(z);
      if (inverse) {
        const b = findBin(y.upper, v);
        const height = y.upper[b] - y.lower[b];
        const alpha = clip01((v - y.lower[b]) / height);
        return { y: clip01((b + alpha) / bins), logAbsDet: -Math.log(bins * height) };
      }
      const b = Math.min(Math.floor(v * bins), bins - 1);
      const height = y.upper[b] - y.lower[b];
      const alpha = v * bins - b;
      return { y: clip01(y.lower[b] + alpha * height), logAbsDet: Math.log(bins * height) };
    },
  };
}

/** Piecewise-quadratic spline, P = 2K + 1. */
function prepareQuadratic(raw: ArrayLike<number>, bins: number): PreparedSpline {
  const widths = binSizes(raw, 0, bins, MIN_BIN_WIDTH);
  const e = softmax(raw, bins, bins + 1);
  let norm = 0;
  for (let k = 0; k < bins; k++) norm += (widths[k] * (e[k] + e[k + 1])) / 2;
  const vertex = e.map((x) => MIN_DERIVATIVE + ((1 - MIN_DERIVATIVE) * x) / norm);
  const masses = widths.map((w, k) => (w * (vertex[k] + vertex[k + 1])) / 2);
  const x = knots(widths);
  const y = knots(masses);
  return {
    apply(z, inverse) {
      const v = clip01(z);
      const b = findBin(inverse ? y.upper : x.upper, v);
      const width = x.upper[b] - x.lower[b];
      const v0 = vertex[b];
      const dv = vertex[b + 1] - v0;
      if (inverse) {
        const dy = v - y.lower[b];
        const disc = Math.max((width * v0) ** 2 + 2 * width * dv * dy, 0);
        const alpha = clip01((2 * dy) / (width * v0 + Math.sqrt(disc)));
        return { y: clip01(x.lower[b] + alpha * width), logAbsDet: -Math.log(v0 + alpha * dv) };
      }
      const alpha = clip01((v - x.lower[b]) / width);
      return {
        y: clip01(y.lower[b] + width * alpha * (v0 + (alpha * dv) / 2)),
        logAbsDet: Math.log(v0 + alpha * dv),
      };
    },
  };
}

/** Rational-quadratic spline, P = 3K + 1 (K + 1 learned knot derivatives). */
function prepareRationalQuadratic(raw: ArrayLike<number>, bins: number): PreparedSpline {
  const x = knots(binSizes(raw, 0, bins, MIN_BIN_WIDTH));
  const y = knots(binSizes(raw, bins, bins, MIN_BIN_HEIGHT));
  const d: number[] = [];
  for (let k = 0; k <= bins; k++) {
    d.push(MIN_DERIVATIVE + ((1 - MIN_DERIVATIVE) * softplus(raw[2 * bins + k])) / Math.LN2);
  }
  return {
    apply(z, inverse) {
      const v = clip01(z);
      const b = findBin(inverse ? y.upper : x.upper, v);
      const width = x.upper[b] - x.lower[b];
      const height = y.upper[b] - y.lower[b];
      const s = height / width;
      const d0 = d[b];
      const d1 = d[b + 1];
      const curvature = d0 + d1 - 2 * s;
      let xi: number;
      if (inverse) {
        const dy = v - y.lower[b];
        const a = height * (s - d0) + dy * curvature;
        const bb = height * d0 - dy * curvature;
        const disc = Math.max(bb * bb + 4 * a * s * dy, 0);
        xi = clip01((2 * s * dy) / (bb + Math.sqrt(disc)));
      } else {
        xi = clip01((v - x.lower[b]) / width);
      }
      const t = xi * (1 - xi);
      const den = s + curvature * t;
      const logDeriv = Math.log((s * s * (d1 * xi * xi + 2 * s * t + d0 * (1 - xi) * (1 - xi))) / (den * den));
      if (inverse) return { y: clip01(x.lower[b] + xi * width), logAbsDet: -logDeriv };
      return { y: clip01(y.lower[b] + (height * (s * xi * xi + d0 * t)) / den), logAbsDet: logDeriv };
    },
  };
}

/** Builds the prepared reference spline of `kind` from one coordinate's raw parameters. */
/** log sigmoid'(a) in float64. */
function logSigmoidSlope(a: number): number {
  return -softplus(a) - softplus(-a);
}

/**
 * The logit couplings (logit.ts): raw = [t] (additive) or [r, t] (affine, s = exp(S tanh(r/S))),
 * y = sigmoid(s logit(x) + t); inputs at 0 or 1 are fixed. Other inputs are clamped to
 * [1e-300, 1 - 2^-53] (float64; the tfjs version clamps to the float32 edge LOGIT_EDGE).
 */
function prepareLogit(shift: number, logScale: number): PreparedSpline {
  return {
    apply(z, inverse) {
      const x = Math.min(Math.max(z, 1e-300), 1 - 2 ** -53);
      const l = Math.log(x) - Math.log1p(-x);
      const a = inverse ? (l - shift) * Math.exp(-logScale) : logScale === 0 ? l + shift : l * Math.exp(logScale) + shift;
      const ld = logSigmoidSlope(a) - logSigmoidSlope(l) + (inverse ? -logScale : logScale);
      return { y: z <= 0 || z >= 1 ? z : 1 / (1 + Math.exp(-a)), logAbsDet: ld };
    },
  };
}

/** NICE additive coupling in logit coordinates, P = 1. */
function prepareAdditive(raw: ArrayLike<number>): PreparedSpline {
  return prepareLogit(raw[0], 0);
}

/** RealNVP affine coupling in logit coordinates, P = 2. */
function prepareAffine(raw: ArrayLike<number>): PreparedSpline {
  const S = AFFINE_LOG_SCALE_BOUND;
  return prepareLogit(raw[1], S * Math.tanh(raw[0] / S));
}

export const prepareReference: Record<SplineKind, (raw: ArrayLike<number>, bins: number) => PreparedSpline> = {
  pwlinear: prepareLinear,
  pwquad: prepareQuadratic,
  rqs: prepareRationalQuadratic,
  additive: prepareAdditive,
  affine: prepareAffine,
};

const referenceLinear: ReferenceSpline = (z, raw, bins, inverse) => prepareLinear(raw, bins).apply(z, inverse);
const referenceQuadratic: ReferenceSpline = (z, raw, bins, inverse) => prepareQuadratic(raw, bins).apply(z, inverse);
const referenceRationalQuadratic: ReferenceSpline = (z, raw, bins, inverse) => prepareRationalQuadratic(raw, bins).apply(z, inverse);

export const referenceSplines: Record<SplineKind, ReferenceSpline> = {
  pwlinear: referenceLinear,
  pwquad: referenceQuadratic,
  rqs: referenceRationalQuadratic,
  additive: (z, raw, bins, inverse) => prepareAdditive(raw).apply(z, inverse),
  affine: (z, raw, bins, inverse) => prepareAffine(raw).apply(z, inverse),
};

/** Number of raw parameters per coordinate of each family for K bins. */
export function referenceParamCount(kind: SplineKind, bins: number): number {
  const counts: Record<SplineKind, number> = { pwlinear: bins, pwquad: 2 * bins + 1, rqs: 3 * bins + 1, additive: 1, affine: 2 };
  return counts[kind];
}

/**
 * Input and output knots (K + 1 each, from 0 to 1) of one coordinate's spline; for the logit
 * couplings, which have no knots, the ends and the image of 1/2.
 */
export function referenceKnots(kind: SplineKind, raw: ArrayLike<number>, bins: number): { x: number[]; y: number[] } {
  if (kind === 'additive' || kind === 'affine') {
    const x = [0, 0.5, 1];
    return { x, y: x.map((v) => prepareReference[kind](raw, bins).apply(v, false).y) };
  }
  const uniform = Array.from({ length: bins + 1 }, (_, k) => k / bins);
  const spline = prepareReference[kind](raw, bins);
  const x = kind === 'pwlinear' ? uniform : knotsWithEnds(binSizes(raw, 0, bins, MIN_BIN_WIDTH));
  return { x, y: x.map((v) => spline.apply(v, false).y) };
}

function knotsWithEnds(sizes: number[]): number[] {
  const k = knots(sizes);
  return [...k.lower, 1];
}

/**
 * The reference spline over a batch: z holds n x m values (row-major), raw n x m x P values.
 * Returns y (n x m) and logAbsDet (n, summed over the m coordinates).
 */
export function applyReference(
  kind: SplineKind,
  z: ArrayLike<number>,
  raw: ArrayLike<number>,
  n: number,
  m: number,
  bins: number,
  inverse: boolean,
): { y: Float64Array; logAbsDet: Float64Array } {
  const spline = referenceSplines[kind];
  const p = referenceParamCount(kind, bins);
  const y = new Float64Array(n * m);
  const logAbsDet = new Float64Array(n);
  for (let i = 0; i < n * m; i++) {
    const params = Array.prototype.slice.call(raw, i * p, (i + 1) * p) as number[];
    const r = spline(z[i], params, bins, inverse);
    y[i] = r.y;
    logAbsDet[Math.floor(i / m)] += r.logAbsDet;
  }
  return { y, logAbsDet };
}
