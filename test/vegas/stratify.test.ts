import { Stratification, chooseStrata } from '../../src/vegas';
import { Rng } from '../../src/rng';

const product = (a: ArrayLike<number>) => Array.from(a).reduce((p, v) => p * v, 1);

describe('chooseStrata', () => {
  test('as vegas: ns or ns + 1 strata per axis, at most (1 - frac) calls / 2 hypercubes', () => {
    expect(Array.from(chooseStrata(2, 5000))).toEqual([25, 25]);
    expect(Array.from(chooseStrata(8, 5000))).toEqual([3, 3, 2, 2, 2, 2, 2, 2]);
    // d = 16: only 9 axes are cut (2^9 = 512 <= 625), the others have one stratum
    expect(Array.from(chooseStrata(16, 5000))).toEqual([2, 2, 2, 2, 2, 2, 2, 2, 2, 1, 1, 1, 1, 1, 1, 1]);
    for (const [d, calls] of [
      [4, 5000],
      [4, 1e6],
      [32, 1e5],
      [96, 5e4],
      [3, 7],
      [96, 10],
    ] as const) {
      const s = chooseStrata(d, calls);
      expect(s.length).toBe(d);
      expect(Math.max(...s) - Math.min(...s)).toBeLessThanOrEqual(1);
      expect(Math.min(...s)).toBeGreaterThanOrEqual(1);
      expect(product(s)).toBeLessThanOrEqual(Math.max(1, (0.25 * calls) / 2));
      // one more stratum on the next axis would not fit
      const next = Array.from(s);
      const k = next.indexOf(Math.min(...next));
      next[k]++;
      expect(product(next)).toBeGreaterThan((0.25 * calls) / 2);
    }
    expect(Array.from(chooseStrata(96, 5e4)).filter((v) => v === 2).length).toBe(12);
  });
});

describe('Stratification', () => {
  test('the allocation sums to the calls, gives every hypercube 2 or more and follows the weights', () => {
    const s = new Stratification([3, 4]);
    const rng = new Rng(1);
    for (let h = 0; h < s.nhcube; h++) s.weights[h] = rng.next() ** 3;
    s.allocate(1000, 0.75);
    const counts = Array.from(s.counts);
    expect(counts.reduce((a, b) => a + b, 0)).toBe(1000);
    const nmin = Math.floor(250 / 12);
    const total = Array.from(s.weights).reduce((a, b) => a + b, 0);
    for (let h = 0; h < 12; h++) {
      expect(counts[h]).toBeGreaterThanOrEqual(2);
      const share = nmin + ((1000 - nmin * 12) * s.weights[h]) / total;
      expect(Math.abs(counts[h] - share)).toBeLessThanOrEqual(1);
    }
    expect(() => s.allocate(23)).toThrow(RangeError);
    s.allocate(24);
    expect(Array.from(s.counts)).toEqual(new Array(12).fill(2));
  });

  test('the variance is sum_h n_h/(n_h - 1) (S2_h - S1_h^2/n_h), also for huge weights', () => {
    for (const size of [1, 1e300, 1e-300]) {
      const s = new Stratification([2, 2]);
      s.allocate(40, 0.5);
      const rng = new Rng(4);
      const ids = new Int32Array(40);
      const w = new Float64Array(40);
      let i = 0;
      for (let h = 0; h < 4; h++)
        for (let j = 0; j < s.counts[h]; j++, i++) {
          ids[i] = h;
          w[i] = size * (h + rng.next());
        }
      s.addWeights(ids, w, 40);
      let expected = 0;
      for (let h = 0; h < 4; h++) {
        const ws = Array.from(w)
          .filter((_, p) => ids[p] === h)
          .map((v) => v / size);
        const n = ws.length;
        const mean = ws.reduce((a, b) => a + b, 0) / n;
        expected += (n / (n - 1)) * ws.reduce((a, b) => a + (b - mean) ** 2, 0);
      }
      const v = s.variance();
      const rel = (v.varSumW * (v.scale / size) * (v.scale / size)) / expected;
      expect(rel).toBeCloseTo(1, 10);
      const sum = s.sumW();
      expect((sum.sumW * sum.scale) / size).toBeCloseTo(
        Array.from(w).reduce((a, b) => a + b / size, 0),
        9,
      );
    }
  });

  test('weights follow sigma_h^beta; beta = 0 gives equal weights', () => {
    const s = new Stratification([2]);
    s.allocate(8, 0.5);
    // hypercube 0: constant weights (sigma 0); hypercube 1: spread
    const ids = Int32Array.from([0, 0, 0, 0, 1, 1, 1, 1]);
    const w = Float64Array.from([2, 2, 2, 2, 1, 3, 1, 3]);
    s.addWeights(ids, w, 8);
    s.updateWeights(1);
    expect(s.weights[0]).toBe(0);
    expect(s.weights[1]).toBe(1);
    s.updateWeights(0);
    expect(Array.from(s.weights)).toEqual([1, 1]);
  });

  test('refined strata inherit the weight of the hypercube holding their centre', () => {
    const s = new Stratification([2, 3]);
    for (let h = 0; h < 6; h++) s.weights[h] = h + 1;
    const r = s.refined([4, 3]);
    // new digit i on axis 0 -> old digit floor(i / 2); axis 1 unchanged
    for (let j = 0; j < 3; j++) for (let i = 0; i < 4; i++) expect(r.weights[i + 4 * j]).toBe(s.weights[Math.floor(i / 2) + 2 * j]);
    const json = JSON.parse(JSON.stringify(r.toJSON()));
    expect(Array.from(Stratification.fromJSON(json).weights)).toEqual(Array.from(r.weights));
  });
});
