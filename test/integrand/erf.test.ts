/**
 * Accuracy of the float64 erf against mathjs and against reference values.
 */
import { erf as mathErf } from 'mathjs';
import { erf } from '../../src/integrand/special';

function relErr(a: number, b: number): number {
  return a === b ? 0 : Math.abs(a - b) / Math.max(Math.abs(a), Math.abs(b));
}

describe('erf', () => {
  it('matches mathjs erf to 1e-14 relative on a dense grid over [-7, 7]', () => {
    let worst = 0;
    let worstAt = 0;
    for (let i = -70000; i <= 70000; i++) {
      const x = i / 10000 + 1e-5; // avoid landing only on round numbers
      const e = relErr(erf(x), mathErf(x) as number);
      if (e > worst) {
        worst = e;
        worstAt = x;
      }
    }
    if (worst > 1e-14) throw new Error(`worst relative error ${worst} at x = ${worstAt}`);
  });

  it('is accurate near 0, around the regime switch at 2.5, and in the tail', () => {
    for (const x of [1e-300, 1e-20, 1e-8, 1e-3, 0.1, 0.5, 1, 2, 2.4999999, 2.5, 2.5000001, 3, 4, 5, 5.9, 5.99999]) {
      expect(relErr(erf(x), mathErf(x) as number)).toBeLessThan(1e-14);
      expect(relErr(erf(-x), mathErf(-x) as number)).toBeLessThan(1e-14);
    }
  });

  it('reproduces reference values', () => {
    // erf values to 17 significant digits.
    const table: [number, number][] = [
      [0.5, 0.52049987781304654],
      [1, 0.84270079294971487],
      [1.5, 0.96610514647531073],
      [2, 0.99532226501895273],
      [3, 0.99997790950300141],
    ];
    for (const [x, v] of table) expect(relErr(erf(x), v)).toBeLessThan(2e-16 * 4);
  });

  it('handles special values', () => {
    expect(erf(0)).toBe(0);
    expect(Object.is(erf(-0), -0)).toBe(true);
    expect(erf(6)).toBe(1);
    expect(erf(-30)).toBe(-1);
    expect(erf(Infinity)).toBe(1);
    expect(erf(-Infinity)).toBe(-1);
    expect(erf(NaN)).toBeNaN();
    // small x: erf(x) ~ 2x/sqrt(pi)
    expect(relErr(erf(1e-10), (2 / Math.sqrt(Math.PI)) * 1e-10)).toBeLessThan(1e-15);
  });

  it('is odd and monotone', () => {
    let prev = -1;
    for (let i = -600; i <= 600; i++) {
      const x = i / 100;
      expect(erf(-x)).toBe(-erf(x));
      const v = erf(x);
      expect(v).toBeGreaterThanOrEqual(prev);
      prev = v;
    }
  });
});
