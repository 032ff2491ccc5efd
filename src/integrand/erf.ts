/**
 * The error function erf(x) = 2/sqrt(pi) * integral_0^x exp(-t^2) dt in float64.
 *
 * Two regimes, both free of cancellation:
 *  - |x| < 2.5: the everywhere-positive Maclaurin form
 *      erf(a) = 2a/sqrt(pi) * exp(-a^2) * sum_{n>=0} (2a^2)^n / (1*3*5*...*(2n+1)),
 *    whose terms all have the same sign (at most ~40 terms at a = 2.5);
 *  - 2.5 <= |x| < 6: erf = 1 - erfc, with erfc from Laplace's continued fraction
 *      erfc(a) = exp(-a^2)/sqrt(pi) / (a + (1/2)/(a + (2/2)/(a + (3/2)/(a + ...))))
 *    evaluated forward with the modified Lentz method (at most ~40 steps).
 *  - |x| >= 6: erfc(6) ~ 2e-17 is below half an ulp of 1, so erf = +-1 exactly.
 * The relative error is a few ulps (< 1e-15) over the whole real line.
 */

const TWO_OVER_SQRT_PI = 2 / Math.sqrt(Math.PI);
const ONE_OVER_SQRT_PI = 1 / Math.sqrt(Math.PI);

/** Below this |x| the series is used, above it the continued fraction. */
const SERIES_LIMIT = 2.5;
/** At and above this |x|, erf(x) rounds to +-1. */
const SATURATION = 6;

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

/** erfc(a) for a >= SERIES_LIMIT. */
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

/** The error function. erf(-x) = -erf(x); erf(NaN) = NaN; erf(+-Infinity) = +-1. */
export function erf(x: number): number {
  if (x !== x) return NaN;
  if (x === 0) return x; // keeps the sign of -0
  const a = x < 0 ? -x : x;
  let r: number;
  if (a < SERIES_LIMIT) r = erfSeries(a);
  else if (a < SATURATION) r = 1 - erfcContinuedFraction(a);
  else r = 1;
  return x < 0 ? -r : r;
}
