import { accumulate, emptyMoments, mergeMoments } from '../../src/estimate/stats';
import { fitGeneralizedPareto, keepLargest, mergeLargest, paretoKHat, tailLength, TAIL_KEEP } from '../../src/estimate/tail';
import { Rng } from '../../src/rng';

/** n draws of a generalized Pareto distribution (shape k, scale 1) by inversion. */
function gpdSample(k: number, n: number, seed: number): Float64Array {
  const rng = new Rng(seed, 11);
  const w = new Float64Array(n);
  for (let i = 0; i < n; i++) w[i] = (Math.pow(1 - rng.next(), -k) - 1) / k;
  return w;
}

/** Pareto k-hat of weights accumulated in chunks, as a run keeps them. */
function khatOf(w: Float64Array, chunk = 16384): number | null {
  const m = emptyMoments(0, 0);
  for (let i = 0; i < w.length; i += chunk) {
    const part = w.subarray(i, Math.min(w.length, i + chunk));
    accumulate(m, part, new Float64Array(0), part.length);
  }
  return paretoKHat(m.top, m.n);
}

describe('largest weights', () => {
  test('chunk by chunk and merged, the kept values are the largest |w| of all, in decreasing order', () => {
    const rng = new Rng(3, 1);
    const all: number[] = [];
    let top: number[] = [];
    const parts: number[][] = [[], []];
    for (let c = 0; c < 12; c++) {
      const n = 1000 + 500 * c;
      const w = new Float64Array(n);
      for (let i = 0; i < n; i++) w[i] = (rng.next() - 0.3) * Math.pow(rng.next(), -0.5);
      all.push(...Array.from(w, Math.abs));
      top = keepLargest(top, w, n, 700);
      parts[c % 2] = keepLargest(parts[c % 2], w, n, 700);
    }
    const expected = all.sort((a, b) => b - a).slice(0, 700);
    expect(top).toEqual(expected);
    expect(mergeLargest(parts[0], parts[1], 700)).toEqual(expected);
  });

  test('merged moments keep the top of the union; zeros are never kept', () => {
    const a = emptyMoments(0, 0);
    const b = emptyMoments(0, 0);
    const wa = Float64Array.from([0, 3, -7, 0, 1]);
    const wb = Float64Array.from([5, 0, -2]);
    accumulate(a, wa, new Float64Array(0), wa.length);
    accumulate(b, wb, new Float64Array(0), wb.length);
    expect(a.top).toEqual([7, 3, 1]);
    expect(mergeMoments(a, b).top).toEqual([7, 5, 3, 2, 1]);
  });

  test('the tail length is ceil(min(n/5, 3 sqrt(n))), below TAIL_KEEP', () => {
    expect(tailLength(100)).toBe(20);
    expect(tailLength(10000)).toBe(300);
    expect(tailLength(1e8)).toBe(TAIL_KEEP - 1);
  });
});

describe('Pareto k-hat', () => {
  test.each([0.5, 0.9])('recovers the shape of generalized Pareto weights, k = %s', (k) => {
    // M = 949 tail points: the standard error of k-hat is about (1 + k)/sqrt(M) < 0.07
    const khat = khatOf(gpdSample(k, 100000, 5));
    expect(khat).not.toBeNull();
    expect(Math.abs((khat as number) - k)).toBeLessThan(0.15);
  });

  test('bounded weights have a negative shape; equal ones and tiny samples have none', () => {
    const rng = new Rng(4, 2);
    const u = new Float64Array(50000);
    rng.fill(u);
    expect(khatOf(u) as number).toBeLessThan(0);
    expect(khatOf(new Float64Array(1000).fill(2.5))).toBeNull();
    expect(khatOf(Float64Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]))).toBeNull(); // M = 2 < 5
  });

  test('values tied with the cutoff are left out of the tail; too few above it give no k-hat', () => {
    // 1000 weights: M = 95; 60 distinct values above a block of ties at 1
    const w = new Float64Array(1000).fill(1);
    for (let i = 0; i < 60; i++) w[i] = 1 + Math.pow((i + 0.5) / 60, -0.5);
    const tail = Array.from(w.subarray(0, 60), (v) => v - 1).sort((a, b) => a - b);
    expect(khatOf(w)).toBeCloseTo(fitGeneralizedPareto(tail).k, 12);
    w.fill(1, 4);
    expect(khatOf(w)).toBeNull();
  });

  test('matches an independent float64 implementation (arviz 0.23.4 psislw)', () => {
    // w_i = frac(i phi)^(-a), i = 1..n: reproducible in any language; references from
    //   arviz.psislw(np.log(w), reff=1.0)[1] with numpy 2.4.6
    const phi = 0.6180339887498949;
    const cases: [number, number, number][] = [
      [20000, 0.6, 0.5801784564317378],
      [5000, 0.3, 0.309456842817954],
      [100000, 0.85, 0.8356024053414294],
    ];
    for (const [n, a, reference] of cases) {
      const w = new Float64Array(n);
      for (let i = 1; i <= n; i++) w[i - 1] = Math.pow((i * phi) % 1, -a);
      expect(Math.abs((khatOf(w) as number) - reference)).toBeLessThan(1e-9);
    }
  });

  test('the fit needs five points and a positive exceedance', () => {
    expect(() => fitGeneralizedPareto([0, 1, 2, 3])).toThrow(RangeError);
    expect(() => fitGeneralizedPareto([0, 0, 0, 0, 0, 0])).toThrow(RangeError);
    // exponential quantiles: shape near 0, shrunk towards 1/2 by the prior (weight 10/(N+10))
    const n = 2000;
    const x = Array.from({ length: n }, (_, i) => -Math.log(1 - (i + 0.5) / n));
    const fit = fitGeneralizedPareto(x);
    expect(Math.abs(fit.k)).toBeLessThan(0.05);
    expect(Math.abs(fit.sigma - 1)).toBeLessThan(0.05);
  });
});
