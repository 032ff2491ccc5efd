/**
 * Piecewise-quadratic spline (see ../quadratic.ts for the formulas) as plain loops over rows,
 * in float64 arithmetic on float32 data: the value pass and its reverse-mode gradient, op for
 * op what the composite tfjs version computes:
 *
 *   v = clip01(v_in); w_k = MIN_W + (1 - K MIN_W) pw_k; e = softmax of the vertex logits [K+1]
 *   (pw and e computed by the caller); m2_k = w_k (e_k + e_{k+1}), norm2 = sum_k m2_k;
 *   masses_k = MIN_D w_k + (1 - MIN_D) m2_k / norm2; bin b from the knots of w (forward) or of
 *   the masses (inverse); X0, W and Y0, M from w and the masses as in the other families;
 *   v0, v1 = MIN_D + e_b, e_{b+1} * 2 (1 - MIN_D) / norm2; dv = v1 - v0, total = 2 v0 + dv;
 *   forward: a = clip01((v - X0) / W), out = clip01(Y0 + M a (2 v0 + a dv) / total);
 *   inverse: rt = (v - Y0) / M * total, a = clip01(rt / (v0 + sqrt(max(v0^2 + dv rt, floor)))),
 *            out = clip01(X0 + a W);
 *   ld = +-log(v0 + a dv).
 */
import { MIN_BIN_WIDTH, MIN_DERIVATIVE, MIN_DISCRIMINANT } from '../constants';

function clip01(x: number): number {
  return x < 0 ? 0 : x > 1 ? 1 : x;
}

function passes(x: number): number {
  return x >= 0 && x <= 1 ? 1 : 0;
}

/** Per-row quantities, in scratch arrays reused across rows. */
class Row {
  w: Float64Array;
  m2: Float64Array;
  masses: Float64Array;
  norm2 = 0;
  b = 0;
  x0 = 0;
  width = 0;
  y0 = 0;
  mass = 0;

  constructor(readonly bins: number) {
    this.w = new Float64Array(bins);
    this.m2 = new Float64Array(bins);
    this.masses = new Float64Array(bins);
  }

  load(i: number, v: number, pw: Float32Array, e: Float32Array, inverse: boolean): void {
    const K = this.bins;
    const cw = 1 - K * MIN_BIN_WIDTH;
    const o = i * K;
    const eo = i * (K + 1);
    let norm2 = 0;
    for (let k = 0; k < K; k++) {
      const wk = MIN_BIN_WIDTH + cw * pw[o + k];
      this.w[k] = wk;
      const m2 = wk * (e[eo + k] + e[eo + k + 1]);
      this.m2[k] = m2;
      norm2 += m2;
    }
    this.norm2 = norm2;
    for (let k = 0; k < K; k++) this.masses[k] = MIN_DERIVATIVE * this.w[k] + ((1 - MIN_DERIVATIVE) * this.m2[k]) / norm2;
    const sizes = inverse ? this.masses : this.w;
    let b = 0;
    let acc = 0;
    for (let k = 0; k < K - 1; k++) {
      acc += sizes[k];
      if (acc <= v) b = k + 1;
      else break;
    }
    let xBelow = 0;
    let xAbove = 0;
    let yBelow = 0;
    let yAbove = 0;
    for (let k = 0; k < K; k++) {
      if (k < b) {
        xBelow += this.w[k];
        yBelow += this.masses[k];
      } else if (k > b) {
        xAbove += this.w[k];
        yAbove += this.masses[k];
      }
    }
    this.b = b;
    this.x0 = xBelow;
    this.width = 1 - xAbove - xBelow;
    this.y0 = yBelow;
    this.mass = 1 - yAbove - yBelow;
  }
}

/** Value pass: vIn [n], pw [n, K], e [n, K + 1] -> out [n], ld [n]. */
export function quadraticForward(
  n: number,
  bins: number,
  inverse: boolean,
  vIn: Float32Array,
  pw: Float32Array,
  e: Float32Array,
  out: Float32Array,
  ld: Float32Array,
): void {
  const row = new Row(bins);
  for (let i = 0; i < n; i++) {
    const v = clip01(vIn[i]);
    row.load(i, v, pw, e, inverse);
    const { b, x0, width, y0, mass, norm2 } = row;
    const scale = (2 * (1 - MIN_DERIVATIVE)) / norm2;
    const eo = i * (bins + 1);
    const v0 = e[eo + b] * scale + MIN_DERIVATIVE;
    const v1 = e[eo + b + 1] * scale + MIN_DERIVATIVE;
    const dv = v1 - v0;
    const total = 2 * v0 + dv;
    if (inverse) {
      const rt = ((v - y0) / mass) * total;
      const disc = Math.max(v0 * v0 + dv * rt, MIN_DISCRIMINANT);
      const a = clip01(rt / (v0 + Math.sqrt(disc)));
      out[i] = clip01(x0 + a * width);
      ld[i] = -Math.log(v0 + a * dv);
    } else {
      const a = clip01((v - x0) / width);
      out[i] = clip01(y0 + mass * ((a * (2 * v0 + a * dv)) / total));
      ld[i] = Math.log(v0 + a * dv);
    }
  }
}

/** Gradient pass: gOut, gLd [n] -> gradients with respect to vIn [n], pw [n, K] and e [n, K + 1]. */
export function quadraticBackward(
  n: number,
  bins: number,
  inverse: boolean,
  vIn: Float32Array,
  pw: Float32Array,
  e: Float32Array,
  gOut: Float32Array,
  gLd: Float32Array,
  gV: Float32Array,
  gPw: Float32Array,
  gE: Float32Array,
): void {
  const K = bins;
  const cw = 1 - K * MIN_BIN_WIDTH;
  const c = 1 - MIN_DERIVATIVE;
  const row = new Row(K);
  const gW = new Float64Array(K);
  for (let i = 0; i < n; i++) {
    const v = clip01(vIn[i]);
    row.load(i, v, pw, e, inverse);
    const { b, x0, width, y0, mass, norm2 } = row;
    const eo = i * (K + 1);
    const scale = (2 * c) / norm2;
    const eb = e[eo + b];
    const eb1 = e[eo + b + 1];
    const v0 = eb * scale + MIN_DERIVATIVE;
    const v1 = eb1 * scale + MIN_DERIVATIVE;
    const dv = v1 - v0;
    const total = 2 * v0 + dv;
    const go = gOut[i];
    const gl = (inverse ? -1 : 1) * gLd[i];
    let gv = 0;
    let gX0 = 0;
    let gWidth = 0;
    let gY0 = 0;
    let gMass = 0;
    let gV0 = 0;
    let gDv = 0;
    let gTotal = 0;
    let a: number;
    let gA: number;
    if (inverse) {
      const rt = ((v - y0) / mass) * total;
      const inner = v0 * v0 + dv * rt;
      const sq = Math.sqrt(Math.max(inner, MIN_DISCRIMINANT));
      const qden = v0 + sq;
      const aRaw = rt / qden;
      a = clip01(aRaw);
      const density = v0 + a * dv;
      const outRaw = x0 + a * width;
      const gOutRaw = go * passes(outRaw);
      gX0 += gOutRaw;
      gWidth += gOutRaw * a;
      gA = gOutRaw * width + (gl / density) * dv;
      gV0 += gl / density;
      gDv += (gl / density) * a;
      const gARaw = gA * passes(aRaw);
      let gRt = gARaw / qden;
      const gQden = (-gARaw * aRaw) / qden;
      gV0 += gQden;
      const gInner = inner >= MIN_DISCRIMINANT ? gQden / (2 * sq) : 0;
      gV0 += gInner * 2 * v0;
      gDv += gInner * rt;
      gRt += gInner * dv;
      // rt = (v - y0) / mass * total
      const frac = (v - y0) / mass;
      gTotal += gRt * frac;
      const gFrac = gRt * total;
      gv += gFrac / mass;
      gY0 -= gFrac / mass;
      gMass -= (gFrac * frac) / mass;
    } else {
      const aRaw = (v - x0) / width;
      a = clip01(aRaw);
      const density = v0 + a * dv;
      const fraction = (a * (2 * v0 + a * dv)) / total;
      const outRaw = y0 + mass * fraction;
      const gOutRaw = go * passes(outRaw);
      gY0 += gOutRaw;
      gMass += gOutRaw * fraction;
      const gFraction = gOutRaw * mass;
      // fraction = a (2 v0 + a dv) / total
      gA = (gFraction * (2 * v0 + 2 * a * dv)) / total;
      gV0 += (gFraction * 2 * a) / total;
      gDv += (gFraction * a * a) / total;
      gTotal -= (gFraction * fraction) / total;
      // ld = log(density)
      gV0 += gl / density;
      gDv += (gl / density) * a;
      gA += (gl / density) * dv;
      const gARaw = gA * passes(aRaw);
      gv += gARaw / width;
      gX0 -= gARaw / width;
      gWidth -= (gARaw * aRaw) / width;
    }
    // total = 2 v0 + dv; dv = v1 - v0
    gV0 += 2 * gTotal;
    gDv += gTotal;
    const gV1 = gDv;
    gV0 -= gDv;
    // v0 = e_b scale + MIN_D, v1 = e_{b+1} scale + MIN_D, scale = 2 c / norm2
    const gScale = gV0 * eb + gV1 * eb1;
    let gNorm2 = (-gScale * scale) / norm2;
    // knots: lower sums below b, upper = 1 - sums above b; width = upper - lower
    const gLowerX = gX0 - gWidth;
    const gLowerY = gY0 - gMass;
    // masses_k = MIN_D w_k + c m2_k / norm2
    for (let k = 0; k < K; k++) {
      const gMassK = k < b ? gLowerY : k > b ? -gMass : 0;
      gW[k] = MIN_DERIVATIVE * gMassK + (k < b ? gLowerX : k > b ? -gWidth : 0);
      gNorm2 -= (gMassK * c * row.m2[k]) / (norm2 * norm2);
    }
    const gEo = eo;
    for (let k = 0; k <= K; k++) gE[gEo + k] = 0;
    gE[gEo + b] += gV0 * scale;
    gE[gEo + b + 1] += gV1 * scale;
    for (let k = 0; k < K; k++) {
      const gMassK = k < b ? gLowerY : k > b ? -gMass : 0;
      // m2_k = w_k (e_k + e_{k+1}); norm2 = sum m2
      const gM2 = (gMassK * c) / norm2 + gNorm2;
      gW[k] += gM2 * (e[eo + k] + e[eo + k + 1]);
      const gNb = gM2 * row.w[k];
      gE[gEo + k] += gNb;
      gE[gEo + k + 1] += gNb;
    }
    const o = i * K;
    for (let k = 0; k < K; k++) gPw[o + k] = cw * gW[k];
    gV[i] = gv * passes(vIn[i]);
  }
}
