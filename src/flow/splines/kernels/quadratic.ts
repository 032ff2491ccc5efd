/**
 * Piecewise-quadratic spline (see ../quadratic.ts for the formulas) as plain loops over rows,
 * in float64 arithmetic on float32 data: the value pass and its reverse-mode gradient, op for
 * op what the composite tfjs version computes:
 *
 *   v = clip01(v_in); w_k = MIN_W + (1 - K MIN_W) pw_k; e = softmax of the vertex logits [K+1]
 *   (pw and e computed by the caller); m2_k = w_k (e_k + e_{k+1}), norm2 = sum_k m2_k;
 *   masses_k = MIN_D w_k + (1 - MIN_D) m2_k / norm2; bin b from the knots of w (forward) or of
 *   the masses (inverse); X0 = sum_{k<b} w_k, W = w_b or 1 - X0 in the last bin, and Y0, M
 *   likewise from the masses (the composite's W = 1 - sum_{k>b} w_k - X0 differs by float32
 *   rounding, and its gradient by a constant vector that the softmax removes);
 *   v0, v1 = MIN_D + e_b, e_{b+1} * 2 (1 - MIN_D) / norm2; dv = v1 - v0, total = 2 v0 + dv;
 *   forward: a = clip01((v - X0) / W), out = clip01(Y0 + M a (2 v0 + a dv) / total);
 *   inverse: rt = (v - Y0) / M * total, a = clip01(rt / (v0 + sqrt(max(v0^2 + dv rt, floor)))),
 *            out = clip01(X0 + a W);
 *   ld = +-log(v0 + a dv).
 */
import { MIN_BIN_WIDTH, MIN_DERIVATIVE, MIN_DISCRIMINANT } from '../constants';
import { clip01, passes } from './scalar';

/** Per-row quantities of the bin of v (one object reused across rows). */
class Row {
  norm2 = 0;
  b = 0;
  x0 = 0;
  width = 0;
  y0 = 0;
  mass = 0;

  constructor(readonly bins: number) {}

  /**
   * norm2 in one pass, then the knots up to the bin of v in a second pass that stops there.
   * The knots are cumulative sums and the last one is exactly 1 (its bin takes up the
   * rounding of the sums).
   */
  load(i: number, v: number, pw: Float32Array, e: Float32Array, inverse: boolean): void {
    const K = this.bins;
    const cw = 1 - K * MIN_BIN_WIDTH;
    const c = 1 - MIN_DERIVATIVE;
    const o = i * K;
    const eo = i * (K + 1);
    let norm2 = 0;
    for (let k = 0; k < K; k++) norm2 += (MIN_BIN_WIDTH + cw * pw[o + k]) * (e[eo + k] + e[eo + k + 1]);
    let b = K - 1;
    let x0 = 0;
    let y0 = 0;
    let wb = 0;
    let mb = 0;
    for (let k = 0; k < K - 1; k++) {
      const wk = MIN_BIN_WIDTH + cw * pw[o + k];
      const mk = MIN_DERIVATIVE * wk + (c * wk * (e[eo + k] + e[eo + k + 1])) / norm2;
      if ((inverse ? y0 + mk : x0 + wk) > v) {
        b = k;
        wb = wk;
        mb = mk;
        break;
      }
      x0 += wk;
      y0 += mk;
    }
    this.norm2 = norm2;
    this.b = b;
    this.x0 = x0;
    this.y0 = y0;
    this.width = b === K - 1 ? 1 - x0 : wb;
    this.mass = b === K - 1 ? 1 - y0 : mb;
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
    // knots: x0 = sum_{k<b} w_k, width = w_b or, in the last bin, 1 - x0 (y0, mass likewise)
    const lastBin = b === K - 1;
    const gWBelow = lastBin ? gX0 - gWidth : gX0;
    const gMBelow = lastBin ? gY0 - gMass : gY0;
    // masses_k = MIN_D w_k + c m2_k / norm2, m2_k = w_k (e_k + e_{k+1}), norm2 = sum_k m2_k
    const o = i * K;
    for (let k = 0; k < K; k++) {
      const gMassK = k < b ? gMBelow : k === b && !lastBin ? gMass : 0;
      const wk = MIN_BIN_WIDTH + cw * pw[o + k];
      gW[k] = MIN_DERIVATIVE * gMassK + (k < b ? gWBelow : k === b && !lastBin ? gWidth : 0);
      gNorm2 -= (gMassK * c * wk * (e[eo + k] + e[eo + k + 1])) / (norm2 * norm2);
    }
    for (let k = 0; k <= K; k++) gE[eo + k] = 0;
    gE[eo + b] += gV0 * scale;
    gE[eo + b + 1] += gV1 * scale;
    for (let k = 0; k < K; k++) {
      const gMassK = k < b ? gMBelow : k === b && !lastBin ? gMass : 0;
      const wk = MIN_BIN_WIDTH + cw * pw[o + k];
      const gM2 = (gMassK * c) / norm2 + gNorm2;
      gW[k] += gM2 * (e[eo + k] + e[eo + k + 1]);
      const gNb = gM2 * wk;
      gE[eo + k] += gNb;
      gE[eo + k + 1] += gNb;
    }
    for (let k = 0; k < K; k++) gPw[o + k] = cw * gW[k];
    gV[i] = gv * passes(vIn[i]);
  }
}
