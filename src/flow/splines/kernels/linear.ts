/**
 * Piecewise-linear spline (see ../linear.ts for the formulas) as plain loops over rows, in
 * float64 arithmetic on float32 data: the value pass and its reverse-mode gradient, op for op
 * what the composite tfjs version computes:
 *
 *   v = clip01(v_in); h_k = MIN_H + (1 - K MIN_H) ph_k (ph: softmax of the mass logits);
 *   bin b = min(floor(K v), K - 1) forward, or the number of inner output knots <= v (capped
 *   at K - 1) inverse; Y0 = sum_{k<b} h_k, H = h_b or 1 - Y0 in the last bin (the composite's
 *   1 - sum_{k>b} h_k - Y0 differs by float32 rounding, and its gradient by a constant vector
 *   that the softmax removes);
 *   forward: out = clip01(Y0 + (K v - b) H),              ld = log(K H);
 *   inverse: out = clip01((b + clip01((v - Y0) / H)) / K), ld = -log(K H).
 *
 * Clipping passes the gradient on [0, 1] inclusive; the bin index is a constant.
 */
import { MIN_BIN_HEIGHT } from '../constants';
import { clip01, passes } from './scalar';

interface Located {
  b: number;
  y0: number;
  h: number;
}

const scratch: Located = { b: 0, y0: 0, h: 0 };

/** The bin of v with its lower knot and mass; the last knot is exactly 1. */
function locate(i: number, bins: number, v: number, ph: Float32Array, inverse: boolean): Located {
  const ch = 1 - bins * MIN_BIN_HEIGHT;
  const o = i * bins;
  const last = bins - 1;
  let b = inverse ? last : Math.min(Math.floor(Math.fround(v * bins)), last); // the product as float32 computes it
  let y0 = 0;
  let hb = 0;
  for (let k = 0; k < b; k++) {
    const hk = MIN_BIN_HEIGHT + ch * ph[o + k];
    if (inverse && y0 + hk > v) {
      b = k;
      hb = hk;
      break;
    }
    y0 += hk;
  }
  scratch.b = b;
  scratch.y0 = y0;
  scratch.h = b === last ? 1 - y0 : hb > 0 ? hb : MIN_BIN_HEIGHT + ch * ph[o + b];
  return scratch;
}

/** Value pass: vIn [n], ph [n, K] -> out [n], ld [n]. */
export function linearForward(
  n: number,
  bins: number,
  inverse: boolean,
  vIn: Float32Array,
  ph: Float32Array,
  out: Float32Array,
  ld: Float32Array,
): void {
  for (let i = 0; i < n; i++) {
    const v = clip01(vIn[i]);
    const { b, y0, h } = locate(i, bins, v, ph, inverse);
    const logSlope = Math.log(h * bins);
    if (inverse) {
      out[i] = clip01((b + clip01((v - y0) / h)) / bins);
      ld[i] = -logSlope;
    } else {
      out[i] = clip01(y0 + (v * bins - b) * h);
      ld[i] = logSlope;
    }
  }
}

/** Gradient pass: gOut, gLd [n] -> gradients with respect to vIn [n] and ph [n, K]. */
export function linearBackward(
  n: number,
  bins: number,
  inverse: boolean,
  vIn: Float32Array,
  ph: Float32Array,
  gOut: Float32Array,
  gLd: Float32Array,
  gV: Float32Array,
  gPh: Float32Array,
): void {
  const ch = 1 - bins * MIN_BIN_HEIGHT;
  for (let i = 0; i < n; i++) {
    const v = clip01(vIn[i]);
    const { b, y0, h } = locate(i, bins, v, ph, inverse);
    const go = gOut[i];
    let gv = 0;
    let gY0 = 0;
    let gH = ((inverse ? -1 : 1) * gLd[i]) / h;
    if (inverse) {
      const alphaRaw = (v - y0) / h;
      const alpha = clip01(alphaRaw);
      const gAlphaRaw = ((go * passes((b + alpha) / bins)) / bins) * passes(alphaRaw);
      gv += gAlphaRaw / h;
      gY0 -= gAlphaRaw / h;
      gH -= (gAlphaRaw * alphaRaw) / h;
    } else {
      const alpha = v * bins - b;
      const gOutRaw = go * passes(y0 + alpha * h);
      gY0 += gOutRaw;
      gH += gOutRaw * alpha;
      gv += gOutRaw * h * bins;
    }
    // y0 = sum_{k<b} h_k; h = h_b, or 1 - y0 in the last bin
    const lastBin = b === bins - 1;
    const below = ch * (lastBin ? gY0 - gH : gY0);
    const o = i * bins;
    for (let k = 0; k < b; k++) gPh[o + k] = below;
    gPh[o + b] = lastBin ? 0 : ch * gH;
    for (let k = b + 1; k < bins; k++) gPh[o + k] = 0;
    gV[i] = gv * passes(vIn[i]);
  }
}
