/**
 * Piecewise-linear spline (see ../linear.ts for the formulas) as plain loops over rows, in
 * float64 arithmetic on float32 data: the value pass and its reverse-mode gradient, op for op
 * what the composite tfjs version computes:
 *
 *   v = clip01(v_in); h_k = MIN_H + (1 - K MIN_H) ph_k (ph: softmax of the mass logits);
 *   bin b = min(floor(K v), K - 1) forward, or the number of inner output knots <= v (capped
 *   at K - 1) inverse; Y0 = sum_{k<b} h_k, H = 1 - sum_{k>b} h_k - Y0;
 *   forward: out = clip01(Y0 + (K v - b) H),              ld = log(K H);
 *   inverse: out = clip01((b + clip01((v - Y0) / H)) / K), ld = -log(K H).
 *
 * Clipping passes the gradient on [0, 1] inclusive; the bin index is a constant.
 */
import { MIN_BIN_HEIGHT } from '../constants';

function clip01(x: number): number {
  return x < 0 ? 0 : x > 1 ? 1 : x;
}

function passes(x: number): number {
  return x >= 0 && x <= 1 ? 1 : 0;
}

interface Located {
  b: number;
  y0: number;
  h: number;
}

const scratch: Located = { b: 0, y0: 0, h: 0 };

function locate(i: number, bins: number, v: number, ph: Float32Array, inverse: boolean): Located {
  const ch = 1 - bins * MIN_BIN_HEIGHT;
  const o = i * bins;
  let b = 0;
  if (inverse) {
    let acc = 0;
    for (let k = 0; k < bins - 1; k++) {
      acc += MIN_BIN_HEIGHT + ch * ph[o + k];
      if (acc <= v) b = k + 1;
      else break;
    }
  } else {
    b = Math.min(Math.floor(Math.fround(v * bins)), bins - 1); // the product as float32 computes it
  }
  let below = 0;
  let above = 0;
  for (let k = 0; k < bins; k++) {
    const hk = MIN_BIN_HEIGHT + ch * ph[o + k];
    if (k < b) below += hk;
    else if (k > b) above += hk;
  }
  scratch.b = b;
  scratch.y0 = below;
  scratch.h = 1 - above - below;
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
    const gLower = gY0 - gH;
    const o = i * bins;
    for (let k = 0; k < bins; k++) gPh[o + k] = k < b ? ch * gLower : k > b ? -ch * gH : 0;
    gV[i] = gv * passes(vIn[i]);
  }
}
