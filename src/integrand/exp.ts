/**
 * exp(x) in float64, written in plain arithmetic so that the JIT can inline it into
 * generated kernels (Math.exp compiles to an out-of-line call, which dominates the
 * cost of Gaussian-like integrands).
 *
 * Method (table-driven, N = 64):
 *   k = round(x * N / ln2),  r = x - k * ln2/N   (|r| <= ln2/128, Cody-Waite split),
 *   exp(x) = 2^(k >> 6) * 2^((k & 63)/64) * exp(r),
 *   exp(r) - 1 by its Taylor polynomial of degree 5 (truncation error < 4e-17).
 * The relative error is below 2 ulp (about 4.5e-16). Outside (-708, 709) — where
 * the result would be subnormal or overflow — and for NaN it defers to Math.exp.
 */

const N = 64;

/** ln2/64 split as HI + LO: HI has 36 significant bits, so k * HI is exact for |k| < 2^17. */
const LN2_N_HI = 0.010830424696223417;
const LN2_N_LO = 2.572804622327669e-14;

const N_OVER_LN2 = N / Math.LN2;

/** Adding and subtracting 1.5 * 2^52 rounds a double of magnitude < 2^51 to an integer. */
const ROUND_SHIFT = 6755399441055744;

/** 2^(j/64) for j = 0..63 (Math.pow, within 1 ulp). */
const FRACTION_POWERS = new Float64Array(N);
for (let j = 0; j < N; j++) FRACTION_POWERS[j] = Math.pow(2, j / N);

/** 2^m for m = -1022..1023 at index m + 1022 (exact). */
const INTEGER_POWERS = new Float64Array(2046);
for (let m = -1022; m <= 1023; m++) INTEGER_POWERS[m + 1022] = Math.pow(2, m);

const C2 = 1 / 2;
const C3 = 1 / 6;
const C4 = 1 / 24;
const C5 = 1 / 120;

/** e^x. Agrees with Math.exp to within 2 ulp; exp(+-0) = 1, exp(-Infinity) = 0, exp(NaN) = NaN. */
export function exp(x: number): number {
  if (!(x > -708 && x < 709)) return Math.exp(x);
  const k = x * N_OVER_LN2 + ROUND_SHIFT - ROUND_SHIFT;
  const r = x - k * LN2_N_HI - k * LN2_N_LO;
  const ki = k | 0;
  const p = r + r * r * (C2 + r * (C3 + r * (C4 + r * C5)));
  const t = FRACTION_POWERS[ki & (N - 1)];
  return INTEGER_POWERS[(ki >> 6) + 1022] * (t + t * p);
}

/** Exposed for tests: the split of ln2/64 used by the range reduction. */
export const EXP_REDUCTION = { hi: LN2_N_HI, lo: LN2_N_LO, n: N } as const;
