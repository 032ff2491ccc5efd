/**
 * Special functions in float64: the exponential and the error function that generated
 * kernels call (see KERNEL_HELPERS in ./functions), and the log-gamma and regularized
 * incomplete gamma functions behind the chi-square probabilities of the estimators.
 *
 * Each function states its method and source, its accuracy and its domain, and why
 * mathjs' version (erf, lgamma), where there is one, is not used instead.
 */

// ---- exp --------------------------------------------------------------------

const EXP_N = 64;

/** ln2/64 split as HI + LO: HI has 36 significant bits, so k * HI is exact for |k| < 2^17. */
const LN2_N_HI = 0.010830424696223417;
const LN2_N_LO = 2.572804622327669e-14;

const N_OVER_LN2 = EXP_N / Math.LN2;

/** Adding and subtracting 1.5 * 2^52 rounds a double of magnitude < 2^51 to an integer. */
const ROUND_SHIFT = 6755399441055744;

/** 2^(j/64) for j = 0..63 (Math.pow, within 1 ulp). */
const FRACTION_POWERS = new Float64Array(EXP_N);
for (let j = 0; j < EXP_N; j++) FRACTION_POWERS[j] = Math.pow(2, j / EXP_N);

/** 2^m for m = -1022..1023 at index m + 1022 (exact). */
const INTEGER_POWERS = new Float64Array(2046);
for (let m = -1022; m <= 1023; m++) INTEGER_POWERS[m + 1022] = Math.pow(2, m);

const C2 = 1 / 2;
const C3 = 1 / 6;
const C4 = 1 / 24;
const C5 = 1 / 120;

/**
 * e^x in plain arithmetic, so that the JIT can inline it into generated kernels
 * (Math.exp compiles to an out-of-line call, which dominates the cost of Gaussian-like
 * integrands).
 *
 * Method: the table-driven exponential of P. T. P. Tang, "Table-driven implementation
 * of the exponential function in IEEE floating-point arithmetic", ACM TOMS 15 (1989)
 * 144-157, with a table of N = 64 entries and the two-constant (Cody-Waite) argument
 * reduction of W. J. Cody and W. Waite, "Software Manual for the Elementary Functions"
 * (1980):
 *   k = round(x * N / ln2),  r = x - k * ln2/N   (|r| <= ln2/128),
 *   exp(x) = 2^(k >> 6) * 2^((k & 63)/64) * exp(r),
 *   exp(r) - 1 by its Taylor polynomial of degree 5 (truncation error < 4e-17).
 *
 * Accuracy: relative error below 2 ulp (about 4.5e-16) against Math.exp.
 * Domain: all of float64. Outside (-708, 709), where the result would be subnormal or
 * overflow, and for NaN it returns Math.exp(x); exp(+-0) = 1, exp(-Infinity) = 0,
 * exp(NaN) = NaN.
 */
export function exp(x: number): number {
  if (!(x > -708 && x < 709)) return Math.exp(x);
  const k = x * N_OVER_LN2 + ROUND_SHIFT - ROUND_SHIFT;
  const r = x - k * LN2_N_HI - k * LN2_N_LO;
  const ki = k | 0;
  const p = r + r * r * (C2 + r * (C3 + r * (C4 + r * C5)));
  const t = FRACTION_POWERS[ki & (EXP_N - 1)];
  return INTEGER_POWERS[(ki >> 6) + 1022] * (t + t * p);
}

/** The split of ln2/64 used by the range reduction of exp (checked by the tests). */
export const EXP_REDUCTION = { hi: LN2_N_HI, lo: LN2_N_LO, n: EXP_N } as const;

// ---- erf --------------------------------------------------------------------

const TWO_OVER_SQRT_PI = 2 / Math.sqrt(Math.PI);
const ONE_OVER_SQRT_PI = 1 / Math.sqrt(Math.PI);

/** Below this |x| the series is used, above it the continued fraction. */
const ERF_SERIES_LIMIT = 2.5;
/** At and above this |x|, erf(x) rounds to +-1. */
const ERF_SATURATION = 6;

/**
 * The everywhere-positive Maclaurin form (Abramowitz & Stegun 7.1.6)
 *   erf(a) = 2a/sqrt(pi) * exp(-a^2) * sum_{n>=0} (2a^2)^n / (1*3*5*...*(2n+1)),
 * whose terms all have the same sign (at most ~40 terms at a = 2.5).
 */
function erfSeries(a: number): number {
  const a2 = a * a;
  const q = 2 * a2;
  let term = 1;
  let sum = 1;
  for (let n = 0; n < 200; n++) {
    term *= q / (2 * n + 3);
    const next = sum + term;
    if (next === sum) break;
    sum = next;
  }
  return TWO_OVER_SQRT_PI * a * Math.exp(-a2) * sum;
}

/**
 * erfc(a) for a >= ERF_SERIES_LIMIT from Laplace's continued fraction (Abramowitz &
 * Stegun 7.1.14)
 *   erfc(a) = exp(-a^2)/sqrt(pi) / (a + (1/2)/(a + (2/2)/(a + (3/2)/(a + ...)))),
 * evaluated forward with the modified Lentz method (W. J. Lentz, Appl. Opt. 15 (1976)
 * 668; I. J. Thompson and A. R. Barnett, J. Comput. Phys. 64 (1986) 490; Numerical
 * Recipes, 3rd ed., section 5.2), at most ~40 steps.
 */
function erfcContinuedFraction(a: number): number {
  // Modified Lentz: f = b0 + a1/(b1 + a2/(b2 + ...)) with b_k = a, a_k = k/2.
  const tiny = 1e-300;
  let f = a;
  let c = a;
  let d = 0;
  for (let k = 1; k < 500; k++) {
    const ak = k / 2;
    d = a + ak * d;
    if (d === 0) d = tiny;
    d = 1 / d;
    c = a + ak / c;
    if (c === 0) c = tiny;
    const delta = c * d;
    f *= delta;
    if (Math.abs(delta - 1) < 1e-16) break;
  }
  return (ONE_OVER_SQRT_PI * Math.exp(-a * a)) / f;
}

/**
 * The error function erf(x) = 2/sqrt(pi) * integral_0^x exp(-t^2) dt.
 *
 * Method, in two regimes both free of cancellation:
 *  - |x| < 2.5: the Maclaurin series with terms of one sign (Abramowitz & Stegun 7.1.6);
 *  - 2.5 <= |x| < 6: erf = 1 - erfc, with erfc from Laplace's continued fraction
 *    (Abramowitz & Stegun 7.1.14) by the modified Lentz method;
 *  - |x| >= 6: erfc(6) ~ 2e-17 is below half an ulp of 1, so erf = +-1 exactly.
 *
 * Accuracy: relative error of a few ulps (< 1e-15) over the whole real line; it agrees
 * with mathjs' erf (W. J. Cody's rational Chebyshev approximations, Math. Comp. 23
 * (1969) 631) to 1e-14. mathjs' erf is about twice as fast per call (~200 ns against
 * ~400 ns) but is not used: kernels would give other low-order bits, so fixed-seed
 * results would change, and loading mathjs' function set (not only its parser) takes
 * seconds at start-up.
 *
 * Domain: all of float64. erf(-x) = -erf(x), erf(-0) = -0, erf(NaN) = NaN,
 * erf(+-Infinity) = +-1.
 */
export function erf(x: number): number {
  if (x !== x) return NaN;
  if (x === 0) return x; // keeps the sign of -0
  const a = x < 0 ? -x : x;
  let r: number;
  if (a < ERF_SERIES_LIMIT) r = erfSeries(a);
  else if (a < ERF_SATURATION) r = 1 - erfcContinuedFraction(a);
  else r = 1;
  return x < 0 ? -r : r;
}

// ---- log-gamma and incomplete gamma ----------------------------------------

/**
 * ln Gamma(x), the natural logarithm of |Gamma(x)|.
 *
 * Method: the Lanczos approximation (C. Lanczos, "A precision approximation of the gamma
 * function", SIAM J. Numer. Anal. B 1 (1964) 86-96) with g = 7 and the n = 9 coefficients
 * of P. Godfrey ("A note on the computation of the convergent Lanczos complex gamma
 * approximation", 2001):
 *   Gamma(x) = sqrt(2 pi) t^(x - 1/2) e^(-t) A(x),  t = x + g - 1/2,
 *   A(x) = c0 + sum_{i=1..8} c_i / (x - 1 + i),
 * for x >= 1/2, and Euler's reflection formula Gamma(x) Gamma(1 - x) = pi / sin(pi x)
 * below.
 *
 * Accuracy: relative error below 3e-14 where |ln Gamma(x)| > 0.01, absolute error below
 * 1e-15 near the zeros x = 1 and x = 2 (measured at 400 points of [1e-3, 1e5] against
 * 40-digit values). mathjs' lgamma (Lanczos with g = 5, n = 7, the coefficients of
 * Numerical Recipes' gammln) takes about the same time per call but is good to about
 * 3e-12 relative only, so it is not used.
 *
 * Domain: x > 0 is the intended domain (the chi-square probabilities use x = dof/2).
 * For x < 1/2 the reflection gives ln|Gamma(x)|, Infinity at 0 and the negative integers
 * (where sin(pi x) rounds to zero, a large finite value); NaN for NaN.
 */
export function logGamma(x: number): number {
  const c = [
    0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059, 12.507343278686905,
    -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
  ];
  if (x < 0.5) return Math.log(Math.PI / Math.abs(Math.sin(Math.PI * x))) - logGamma(1 - x);
  const xx = x - 1;
  let a = c[0];
  const t = xx + 7.5;
  for (let i = 1; i < 9; i++) a += c[i] / (xx + i);
  return 0.5 * Math.log(2 * Math.PI) + (xx + 0.5) * Math.log(t) - t + Math.log(a);
}

/**
 * The regularized upper incomplete gamma function Q(a, x) = Gamma(a, x) / Gamma(a)
 * = 1 - P(a, x); the chi-square tail probability of chi2 with dof degrees of freedom is
 * Q(dof/2, chi2/2).
 *
 * Method: that of Numerical Recipes (W. H. Press et al., 3rd ed., section 6.2, gser and
 * gcf): for x < a + 1 the series (Abramowitz & Stegun 6.5.29)
 *   P(a, x) = x^a e^(-x) / Gamma(a) * sum_{k>=0} x^k / (a (a+1) ... (a+k)),
 * and Q = 1 - P; for x >= a + 1 Legendre's continued fraction (Abramowitz & Stegun 6.5.31)
 *   Q(a, x) = x^a e^(-x) / Gamma(a) * 1/(x + 1 - a - 1 (1 - a)/(x + 3 - a - 2 (2 - a)/(x + 5 - a - ...)))
 * by the modified Lentz method. Both stop at a relative change below 1e-16 (at most 1000
 * terms), and Gamma(a) comes from logGamma.
 *
 * Accuracy: absolute error below 4e-14; relative error below 2e-13 where Q > 1e-3 and
 * below 6e-13 further into the tail (measured at 400 points with a in [0.1, 316],
 * x/a in [0.03, 5] against 40-digit values); the error comes from logGamma and from
 * 1 - P when x is just below a + 1. mathjs has no incomplete gamma function.
 *
 * Domain: a > 0, any x. Q = 1 for x <= 0, Q = 0 for x = Infinity; the result is clamped
 * to [0, 1].
 */
export function gammaQ(a: number, x: number): number {
  if (x <= 0) return 1;
  if (!Number.isFinite(x)) return 0;
  const lg = logGamma(a);
  if (x < a + 1) {
    // series for P(a, x)
    let sum = 1 / a;
    let term = sum;
    for (let k = 1; k < 1000; k++) {
      term *= x / (a + k);
      sum += term;
      if (Math.abs(term) < Math.abs(sum) * 1e-16) break;
    }
    return Math.max(0, 1 - sum * Math.exp(-x + a * Math.log(x) - lg));
  }
  // continued fraction for Q(a, x) (modified Lentz)
  const tiny = 1e-300;
  let b = x + 1 - a;
  let c = 1 / tiny;
  let d = 1 / b;
  let h = d;
  for (let i = 1; i < 1000; i++) {
    const an = -i * (i - a);
    b += 2;
    d = an * d + b;
    if (Math.abs(d) < tiny) d = tiny;
    c = b + an / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const delta = d * c;
    h *= delta;
    if (Math.abs(delta - 1) < 1e-16) break;
  }
  return Math.min(1, Math.exp(-x + a * Math.log(x) - lg) * h);
}
