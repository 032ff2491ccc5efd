/**
 * Rational-quadratic spline (see ../rationalQuadratic.ts for the formulas) as plain loops over
 * rows, in float64 arithmetic on float32 data: the value pass and its reverse-mode gradient.
 * They compute what the composite tfjs version computes, op for op:
 *
 *   v = clip01(v_in); w_k = MIN_W + (1 - K MIN_W) pw_k;  h_k = MIN_H + (1 - K MIN_H) ph_k
 *   (pw, ph: softmax of the width and height logits, computed by the caller);
 *   bin b: the number of inner knots (cumulative sums of w, or of h for the inverse) <= v,
 *   capped at K - 1; X0 = sum_{k<b} w_k, W = w_b, or 1 - X0 in the last bin (likewise Y0, H);
 *   d0, d1 = MIN_D + (1 - MIN_D) softplus(r_b), softplus(r_{b+1}) / ln 2.
 *
 * The composite writes W as 1 - sum_{k>b} w_k - X0; that differs from w_b only by the float32
 * rounding of the softmax sum, and its gradient with respect to w differs by a constant
 * vector, which the softmax's gradient removes. Gradients follow the composite's rules at the
 * kinks: clip passes the gradient on [0, 1] inclusive, the discriminant floor passes it where
 * the discriminant is >= the floor, and the bin index is a constant.
 */
import { MIN_BIN_HEIGHT, MIN_BIN_WIDTH, MIN_DERIVATIVE, MIN_DISCRIMINANT } from '../constants';
import { clip01, passes } from './scalar';

const DERIV_SCALE = (1 - MIN_DERIVATIVE) / Math.LN2;

function softplus(x: number): number {
  return x > 0 ? x + Math.log1p(Math.exp(-x)) : Math.log1p(Math.exp(x));
}

function sigmoid(x: number): number {
  return x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x));
}

/** row[o + k] = below for k < b, 0 for k = b, above for k > b. */
function fillRow(row: Float32Array, o: number, bins: number, b: number, below: number, above: number): void {
  for (let k = 0; k < b; k++) row[o + k] = below;
  row[o + b] = 0;
  for (let k = b + 1; k < bins; k++) row[o + k] = above;
}

/** Bin of row i and the bin's quantities. */
interface Located {
  b: number;
  x0: number;
  w: number;
  y0: number;
  h: number;
  d0: number;
  d1: number;
}

const scratch: Located = { b: 0, x0: 0, w: 0, y0: 0, h: 0, d0: 0, d1: 0 };

/**
 * Fills `scratch` for row i; `searchHeights` picks the axis searched for v. The knots are the
 * cumulative sums, and the last one is exactly 1 (its bin takes up the rounding of the sum).
 * Each loop stops at the bin of v, so a row costs about K/2 steps per axis.
 */
function locate(i: number, bins: number, v: number, pw: Float32Array, ph: Float32Array, r: Float32Array, searchHeights: boolean): Located {
  const cw = 1 - bins * MIN_BIN_WIDTH;
  const ch = 1 - bins * MIN_BIN_HEIGHT;
  const o = i * bins;
  const last = bins - 1;
  // b: the first bin whose upper knot on the searched axis exceeds v (the last bin if none does)
  let b = last;
  let below = 0;
  let size = 0;
  const sizes = searchHeights ? ph : pw;
  const minSize = searchHeights ? MIN_BIN_HEIGHT : MIN_BIN_WIDTH;
  const c = searchHeights ? ch : cw;
  for (let k = 0; k < last; k++) {
    size = minSize + c * sizes[o + k];
    if (below + size > v) {
      b = k;
      break;
    }
    below += size;
  }
  // the other axis up to b
  const others = searchHeights ? pw : ph;
  const otherMin = searchHeights ? MIN_BIN_WIDTH : MIN_BIN_HEIGHT;
  const oc = searchHeights ? cw : ch;
  let otherBelow = 0;
  for (let k = 0; k < b; k++) otherBelow += otherMin + oc * others[o + k];
  const searchedSize = b === last ? 1 - below : size;
  const otherSize = b === last ? 1 - otherBelow : otherMin + oc * others[o + b];
  const ro = i * (bins + 1);
  scratch.b = b;
  if (searchHeights) {
    scratch.y0 = below;
    scratch.h = searchedSize;
    scratch.x0 = otherBelow;
    scratch.w = otherSize;
  } else {
    scratch.x0 = below;
    scratch.w = searchedSize;
    scratch.y0 = otherBelow;
    scratch.h = otherSize;
  }
  scratch.d0 = MIN_DERIVATIVE + DERIV_SCALE * softplus(r[ro + b]);
  scratch.d1 = MIN_DERIVATIVE + DERIV_SCALE * softplus(r[ro + b + 1]);
  return scratch;
}

/** xi in the bin for the inverse: the stable root of the quadratic, before clipping. */
function inverseXi(s: number, curv: number, L: Located, v: number): number {
  const dy = v - L.y0;
  const dyc = dy * curv;
  const a = L.h * (s - L.d0) + dyc;
  const bq = L.h * L.d0 - dyc;
  const mc = s * dy;
  const disc = Math.max(bq * bq + 4 * a * mc, MIN_DISCRIMINANT);
  return (2 * mc) / (bq + Math.sqrt(disc));
}

/**
 * Value pass for n rows: vIn [n], pw and ph [n, K] (softmax outputs), r [n, K + 1] (raw
 * derivatives) -> out [n] and ld [n] = log |d out / d v| of the direction applied.
 */
export function rqsForward(
  n: number,
  bins: number,
  inverse: boolean,
  vIn: Float32Array,
  pw: Float32Array,
  ph: Float32Array,
  r: Float32Array,
  out: Float32Array,
  ld: Float32Array,
): void {
  for (let i = 0; i < n; i++) {
    const v = clip01(vIn[i]);
    const L = locate(i, bins, v, pw, ph, r, inverse);
    const s = L.h / L.w;
    const curv = L.d0 + L.d1 - 2 * s;
    const xi = clip01(inverse ? inverseXi(s, curv, L, v) : (v - L.x0) / L.w);
    const omx = 1 - xi;
    const xx = xi * omx;
    const den = s + curv * xx;
    const dnum = L.d1 * xi * xi + 2 * s * xx + L.d0 * omx * omx;
    const logSlope = Math.log((s * s * dnum) / (den * den));
    if (inverse) {
      out[i] = clip01(L.x0 + xi * L.w);
      ld[i] = -logSlope;
    } else {
      out[i] = clip01(L.y0 + (L.h * (s * xi * xi + L.d0 * xx)) / den);
      ld[i] = logSlope;
    }
  }
}

/**
 * Gradient pass: given gOut [n] and gLd [n] (gradients of a loss with respect to out and ld),
 * writes the gradients with respect to vIn [n], pw [n, K], ph [n, K] and r [n, K + 1].
 */
export function rqsBackward(
  n: number,
  bins: number,
  inverse: boolean,
  vIn: Float32Array,
  pw: Float32Array,
  ph: Float32Array,
  r: Float32Array,
  gOut: Float32Array,
  gLd: Float32Array,
  gV: Float32Array,
  gPw: Float32Array,
  gPh: Float32Array,
  gR: Float32Array,
): void {
  const cw = 1 - bins * MIN_BIN_WIDTH;
  const ch = 1 - bins * MIN_BIN_HEIGHT;
  gR.fill(0);
  for (let i = 0; i < n; i++) {
    const v = clip01(vIn[i]);
    const L = locate(i, bins, v, pw, ph, r, inverse);
    const { b, x0, w, y0, h, d0, d1 } = L;
    const s = h / w;
    const curv = d0 + d1 - 2 * s;
    const go = gOut[i];
    const gl = gLd[i];
    let gS = 0;
    let gCurv = 0;
    let gD0 = 0;
    let gD1 = 0;
    let gX0 = 0;
    let gW = 0;
    let gY0 = 0;
    let gH = 0;
    let gv = 0;
    // inverse: the root of the quadratic, recomputed with its intermediates
    let dy = 0;
    let a = 0;
    let bq = 0;
    let mc = 0;
    let e = 0;
    let sq = 0;
    let qden = 0;
    let xiRaw: number;
    if (inverse) {
      dy = v - y0;
      const dyc = dy * curv;
      a = h * (s - d0) + dyc;
      bq = h * d0 - dyc;
      mc = s * dy;
      e = bq * bq + 4 * a * mc;
      sq = Math.sqrt(Math.max(e, MIN_DISCRIMINANT));
      qden = bq + sq;
      xiRaw = (2 * mc) / qden;
    } else {
      xiRaw = (v - x0) / w;
    }
    const xi = clip01(xiRaw);
    const omx = 1 - xi;
    const xx = xi * omx;
    const den = s + curv * xx;
    const dnum = d1 * xi * xi + 2 * s * xx + d0 * omx * omx;
    // the log-slope term: ls = log(s^2) + log(dnum) - 2 log(den), entering with sign +-1
    const sign = inverse ? -1 : 1;
    gS += (sign * gl * 2) / s;
    const gDnum = (sign * gl) / dnum;
    let gDen = (-sign * gl * 2) / den;
    let gXi = 0;
    let gXx = 0;
    let gOmx = 0;
    if (inverse) {
      const outRaw = x0 + xi * w;
      const gOutRaw = go * passes(outRaw);
      gX0 += gOutRaw;
      gXi += gOutRaw * w;
      gW += gOutRaw * xi;
    } else {
      const num = s * xi * xi + d0 * xx;
      const yRaw = y0 + (h * num) / den;
      const gYRaw = go * passes(yRaw);
      gY0 += gYRaw;
      gH += (gYRaw * num) / den;
      const gNum = (gYRaw * h) / den;
      gDen -= (gYRaw * h * num) / (den * den);
      gS += gNum * xi * xi;
      gXi += gNum * s * 2 * xi;
      gD0 += gNum * xx;
      gXx += gNum * d0;
    }
    // dnum = d1 xi^2 + 2 s xx + d0 omx^2
    gD1 += gDnum * xi * xi;
    gS += gDnum * 2 * xx;
    gXx += gDnum * 2 * s;
    gD0 += gDnum * omx * omx;
    gXi += gDnum * d1 * 2 * xi;
    gOmx += gDnum * d0 * 2 * omx;
    // den = s + curv xx
    gS += gDen;
    gCurv += gDen * xx;
    gXx += gDen * curv;
    // xx = xi omx, omx = 1 - xi
    gXi += gXx * omx;
    gOmx += gXx * xi;
    gXi -= gOmx;
    const gXiRaw = gXi * passes(xiRaw);
    if (inverse) {
      // xiRaw = 2 mc / qden, qden = bq + sqrt(max(e, floor)), e = bq^2 + 4 a mc
      let gMc = (gXiRaw * 2) / qden;
      const gQden = (-gXiRaw * xiRaw) / qden;
      let gBq = gQden;
      const gE = e >= MIN_DISCRIMINANT ? gQden / (2 * sq) : 0;
      gBq += gE * 2 * bq;
      const gA = gE * 4 * mc;
      gMc += gE * 4 * a;
      // mc = s dy; bq = h d0 - dyc; a = h (s - d0) + dyc; dyc = dy curv; dy = v - y0
      gS += gMc * dy;
      let gDy = gMc * s;
      gH += gBq * d0;
      gD0 += gBq * h;
      let gDyc = -gBq;
      gH += gA * (s - d0);
      gS += gA * h;
      gD0 -= gA * h;
      gDyc += gA;
      gDy += gDyc * curv;
      gCurv += gDyc * dy;
      gv += gDy;
      gY0 -= gDy;
    } else {
      // xiRaw = (v - x0) / w
      gv += gXiRaw / w;
      gX0 -= gXiRaw / w;
      gW -= (gXiRaw * xiRaw) / w;
    }
    // curv = d0 + d1 - 2 s; s = h / w
    gD0 += gCurv;
    gD1 += gCurv;
    gS -= 2 * gCurv;
    gH += gS / w;
    gW -= (gS * s) / w;
    // knots: x0 = sum_{k<b} w_k; w = w_b, or 1 - x0 in the last bin (same for y0, h)
    const o = i * bins;
    if (b === bins - 1) {
      fillRow(gPw, o, bins, b, cw * (gX0 - gW), 0);
      fillRow(gPh, o, bins, b, ch * (gY0 - gH), 0);
    } else {
      fillRow(gPw, o, bins, b, cw * gX0, 0);
      fillRow(gPh, o, bins, b, ch * gY0, 0);
      gPw[o + b] = cw * gW;
      gPh[o + b] = ch * gH;
    }
    const ro = i * (bins + 1);
    gR[ro + b] += gD0 * DERIV_SCALE * sigmoid(r[ro + b]);
    gR[ro + b + 1] += gD1 * DERIV_SCALE * sigmoid(r[ro + b + 1]);
    gV[i] = gv * passes(vIn[i]);
  }
}
