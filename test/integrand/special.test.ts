/**
 * Log-gamma and the regularized upper incomplete gamma function against reference values
 * (computed with mpmath at 40 digits, rounded to 17 significant digits).
 */
import { gammaQ, logGamma } from '../../src/integrand/special';

function relErr(a: number, b: number): number {
  return a === b ? 0 : Math.abs(a - b) / Math.abs(b);
}

describe('logGamma', () => {
  // ln Gamma(x) at x from 0.1 to 1e5.
  const table: [number, number][] = [
    [0.1, 2.2527126517342059],
    [0.5, 0.57236494292470009], // ln sqrt(pi)
    [1.5, -0.12078223763524522],
    [2.5, 0.28468287047291916],
    [3, 0.69314718055994531], // ln 2
    [4.5, 2.4537365708424422],
    [10, 12.80182748008147], // ln 9!
    [33.3, 82.603723581654943],
    [100, 359.1342053695754],
    [1000, 5905.2204232091812],
    [1e5, 1051287.7089736569],
  ];

  it.each(table)('ln Gamma(%p) = %p to 1e-13 relative', (x, expected) => {
    expect(relErr(logGamma(x), expected)).toBeLessThan(1e-13);
  });

  it('is zero to 2e-15 absolute at its zeros x = 1 and x = 2', () => {
    expect(Math.abs(logGamma(1))).toBeLessThan(2e-15);
    expect(Math.abs(logGamma(2))).toBeLessThan(2e-15);
  });

  it('follows ln Gamma(x + 1) = ln Gamma(x) + ln x to 1e-13 absolute', () => {
    for (const x of [0.7, 1.3, 2.9, 7.25, 19.5]) {
      expect(Math.abs(logGamma(x + 1) - logGamma(x) - Math.log(x))).toBeLessThan(1e-13);
    }
  });
});

describe('gammaQ', () => {
  // Q(a, x) on both sides of x = a + 1 (series below, continued fraction above).
  const table: [number, number, number][] = [
    [0.5, 0.1, 0.65472084601857702],
    [0.5, 1.9207295, 0.049999994653195766], // chi2 tail, 1 dof, 3.841459
    [1, 1.7, 0.18268352405273466], // exp(-1.7)
    [2.5, 1, 0.84914503608460964],
    [2.5, 3.5, 0.22064030793671079],
    [5, 9.153519, 0.050000000824732263], // chi2 tail, 10 dof, 18.307038
    [10, 5, 0.96817194269379519],
    [10, 15, 0.069853660699409768],
    [50, 40, 0.92966493334060505],
    [50, 70, 0.0051405024585058939],
    [0.1, 0.01, 0.33737874004552021],
    [3, 20, 4.5551495055892128e-7],
  ];

  it.each(table)('Q(%p, %p) = %p to 1e-12 relative', (a, x, expected) => {
    expect(relErr(gammaQ(a, x), expected)).toBeLessThan(1e-12);
  });

  it('is 1 at x <= 0 and 0 at x = Infinity', () => {
    expect(gammaQ(2, 0)).toBe(1);
    expect(gammaQ(2, -1)).toBe(1);
    expect(gammaQ(2, Infinity)).toBe(0);
  });
});
