/**
 * Integrands of extreme magnitude: subnormal values integrate, weights spanning 1e-300..1e300
 * count as zeros only when they are zero, and the comparison figures do not overflow.
 */
import { accumulate, chi2OfIterations, emptyMoments, integralEstimate, relativeVariance } from '../../src/estimate/stats';
import { summarize, varianceRatio } from '../../src/estimate/summary';
import { formatEstimate } from '../../src/report/format';
import { resultSchema } from '../../src/report/schema';
import { Rng } from '../../src/rng';
import { run } from '../cli/helpers';

/** n uniform points x on [0,1] and weights c * x. */
function linear(n: number, c: number, seed = 3) {
  const x = new Float64Array(n);
  new Rng(seed).fill(x);
  const w = x.map((v) => c * v);
  return { x, w };
}

describe('moments of extreme weights', () => {
  test.each([1e-309, 1e-315, 1e-320, 1e-300, 1e300, 1e307])('F = c/2 is estimated for c = %s', (c) => {
    const n = 4000;
    const { x, w } = linear(n, c);
    const m = emptyMoments(1, 0);
    accumulate(m, w, x, n);
    const e = integralEstimate(m);
    expect(Number.isFinite(e.mean) && Number.isFinite(e.sdev)).toBe(true);
    expect(e.sdev).toBeGreaterThan(0);
    // subnormal c * x keeps few significant bits; the tolerance is the estimate's own error
    expect(Math.abs(e.mean - c / 2)).toBeLessThan(4 * e.sdev);
    expect(summarize(m, []).integral.mean).toBe(e.mean);
    expect(relativeVariance(m)).toBeGreaterThan(0.2); // Var(x)/E[x]^2 = 1/3
    expect(relativeVariance(m)).toBeLessThan(0.5);
  });

  test('a weight far below the largest one is not a zero', () => {
    const w = Float64Array.from([1e300, 1e-300, 0, 5e-310, 1]);
    const x = new Float64Array(5).fill(0.5);
    const m = emptyMoments(1, 0);
    accumulate(m, w, x, 5);
    expect(m.zeros).toBe(1);
  });

  test('variance reduction and chi2 are finite for errors near 1e300 and 1e-310', () => {
    for (const scale of [1e300, 1e-310, 1]) {
      const method = { integral: { mean: 5 * scale, sdev: 0.01 * scale }, calls: 1000 };
      const baseline = { integral: { mean: 5 * scale, sdev: 0.1 * scale }, calls: 1000 };
      const vr = varianceRatio(method as never, baseline as never);
      expect(vr).not.toBeNull();
      expect(vr as number).toBeCloseTo(100, 6);
      const c = chi2OfIterations([
        { mean: 1 * scale, sdev: 0.1 * scale },
        { mean: 1.2 * scale, sdev: 0.1 * scale },
      ]);
      expect(c.dof).toBe(1);
      expect(c.chi2).toBeCloseTo(2, 6);
    }
  });

  test('estimates of subnormal size are formatted with their digits', () => {
    expect(formatEstimate(5.26e-310, 0.32e-310)).toBe('5.26(32)e-310');
    expect(formatEstimate(5.26e-321, 0.32e-321)).toMatch(/^5\.\d\d\(\d\d\)e-321$/);
    expect(formatEstimate(5.26e307, 0.32e307)).toBe('5.26(32)e+307');
  });
});

describe('the CLI on extreme integrands', () => {
  test('a subnormal integrand integrates with the uniform method', () => {
    for (const c of ['1e-309', '1e-320']) {
      const r = run(['integrate', `${c}*x1`, '--dim', '1', '--method', 'uniform', '-n', '1000', '--json']);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      const doc = resultSchema.parse(JSON.parse(r.stdout));
      const exact = Number(c) / 2;
      expect(Math.abs(doc.estimate.integral.mean - exact)).toBeLessThan(4 * doc.estimate.integral.sdev + 1e-323);
    }
  });

  test('exp(1380 (x1 - 0.5)) has no zeros, 1e300 x1 has a variance reduction', () => {
    const r = run(['integrate', 'exp(1380*(x1-0.5))', '--dim', '1', '--method', 'uniform', '-n', '10000', '--json', '-q']);
    expect(r.code).toBe(0);
    expect(resultSchema.parse(JSON.parse(r.stdout)).estimate.zeros).toBe(0);
    const big = run(['integrate', '1e300*x1', '--dim', '1', '--epochs', '10', '-n', '2000', '--json', '-q']);
    expect(big.code).toBe(0);
    const doc = resultSchema.parse(JSON.parse(big.stdout));
    expect(doc.comparison?.varianceReduction).toBeGreaterThan(0);
    expect(Math.abs(doc.estimate.integral.mean - 5e299)).toBeLessThan(4 * doc.estimate.integral.sdev);
  });
});
