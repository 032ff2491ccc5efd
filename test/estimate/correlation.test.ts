/**
 * The correlation finding of a separable sampler: the largest eigenvalue of a symmetric matrix
 * (cyclic Jacobi) against closed forms, the |w|-weighted correlation matrix of points drawn
 * from Gaussians of known correlation, and the verdict's 'correlated' reason at its bounds.
 */
import { CorrelationSums, largestSymmetricEigenvalue } from '../../src/estimate/correlation';
import { CORRELATION_EIGENVALUE, judgeEstimate, SEPARABLE_MIN_ESS, type CorrelationFinding } from '../../src/estimate/verdict';
import { Rng } from '../../src/rng';
import { goodDiagnostics } from './fixtures';

/** The d x d matrix (row-major) with 1 on the diagonal and rho elsewhere. */
function equicorrelation(d: number, rho: number): Float64Array {
  const a = new Float64Array(d * d).fill(rho);
  for (let i = 0; i < d; i++) a[i * d + i] = 1;
  return a;
}

/** Standard normal deviates by Box-Muller from a seeded generator. */
function normals(rng: Rng, n: number): Float64Array {
  const z = new Float64Array(n);
  for (let i = 0; i < n; i += 2) {
    const r = Math.sqrt(-2 * Math.log(rng.next()));
    const t = 2 * Math.PI * rng.next();
    z[i] = r * Math.cos(t);
    if (i + 1 < n) z[i + 1] = r * Math.sin(t);
  }
  return z;
}

/**
 * n points (row-major [n, d]) of the normal density with unit variances and all correlations
 * rho >= 0: x_k = sqrt(rho) z_0 + sqrt(1 - rho) z_k, shifted by `mean` and scaled by `scale` per
 * axis (which leave the correlation matrix unchanged).
 */
function correlatedGaussian(n: number, d: number, rho: number, seed: number, mean = 0, scale = 1): Float64Array {
  const z = normals(new Rng(seed, 3), n * (d + 1));
  const x = new Float64Array(n * d);
  for (let i = 0; i < n; i++) {
    const common = Math.sqrt(rho) * z[i * (d + 1)];
    for (let k = 0; k < d; k++) {
      x[i * d + k] = mean + scale * (k + 1) * (common + Math.sqrt(1 - rho) * z[i * (d + 1) + k + 1]);
    }
  }
  return x;
}

/** The finding of CorrelationSums on the points x with weights w. */
function eigenvalueOf(x: Float64Array, w: ArrayLike<number>, d: number): number | null {
  const sums = new CorrelationSums(d);
  sums.add(x, w, w.length);
  return sums.largestEigenvalue();
}

const ones = (n: number) => new Float64Array(n).fill(1);

describe('largestSymmetricEigenvalue', () => {
  test('the identity: 1', () => {
    for (const d of [1, 2, 5, 16]) expect(largestSymmetricEigenvalue(equicorrelation(d, 0), d)).toBeCloseTo(1, 10);
  });

  test('all correlations rho: 1 + (d - 1) rho', () => {
    for (const d of [2, 3, 4, 8, 20, 64]) {
      for (const rho of [0.1, 0.5, 0.9, 0.99]) {
        expect(largestSymmetricEigenvalue(equicorrelation(d, rho), d)).toBeCloseTo(1 + (d - 1) * rho, 8);
      }
    }
  });

  test('all correlations rho < 0: the top eigenvalue is 1 - rho, its eigenvectors orthogonal to the all-ones vector', () => {
    // 1 + (d - 1) rho is then the smallest eigenvalue, with the all-ones vector as its eigenvector
    for (const [d, rho] of [
      [2, -0.5],
      [3, -0.3],
      [4, -0.2],
      [6, -0.1],
    ]) {
      expect(largestSymmetricEigenvalue(equicorrelation(d, rho), d)).toBeCloseTo(1 - rho, 6);
    }
  });

  test('diag(3, 1, 2): 3', () => {
    const a = Float64Array.from([3, 0, 0, 0, 1, 0, 0, 0, 2]);
    expect(largestSymmetricEigenvalue(a, 3)).toBeCloseTo(3, 8);
  });

  test('[[1, -0.9], [-0.9, 1]]: 1.9, though its other eigenvector is the all-ones vector', () => {
    expect(largestSymmetricEigenvalue(Float64Array.from([1, -0.9, -0.9, 1]), 2)).toBeCloseTo(1.9, 8);
    expect(largestSymmetricEigenvalue(Float64Array.from([1, 0.9, 0.9, 1]), 2)).toBeCloseTo(1.9, 8);
  });

  test('a block of anti-correlated pairs: its top eigenvector is orthogonal to the all-ones vector', () => {
    // x1 and x2 with correlation -0.8, x3 and x4 with -0.8, the pairs independent: eigenvalues 1.8 (twice), 0.2
    const a = Float64Array.from([1, -0.8, 0, 0, -0.8, 1, 0, 0, 0, 0, 1, -0.8, 0, 0, -0.8, 1]);
    expect(largestSymmetricEigenvalue(a, 4)).toBeCloseTo(1.8, 6);
  });

  test('the zero matrix: 0', () => {
    expect(largestSymmetricEigenvalue(new Float64Array(9), 3)).toBe(0);
  });
});

describe('CorrelationSums', () => {
  test('equal weights on a correlated Gaussian: 1 + (d - 1) rho within 3%', () => {
    for (const [d, rho, seed] of [
      [2, 0.5, 1],
      [4, 0.9, 2],
      [4, 0.3, 3],
      [8, 0.6, 4],
    ]) {
      const n = 50000;
      // a shift and a different scale per axis leave the correlation matrix as it is
      const x = correlatedGaussian(n, d, rho, seed, 5, 0.01);
      const lambda = eigenvalueOf(x, ones(n), d);
      expect(lambda).not.toBeNull();
      expect(Math.abs(lambda! / (1 + (d - 1) * rho) - 1)).toBeLessThan(0.03);
    }
  });

  test('independent coordinates: near 1', () => {
    const n = 50000;
    const lambda = eigenvalueOf(correlatedGaussian(n, 4, 0, 5), ones(n), 4);
    expect(lambda!).toBeGreaterThanOrEqual(1);
    expect(lambda!).toBeLessThan(1.05);
  });

  test('the weights weigh the points: independent normal points weighted by p/q give the correlation of p', () => {
    // q: the independent standard normal in d = 2; p: the normal with correlation 0.5 (weights of finite variance)
    const n = 100000;
    const rho = 0.5;
    const x = normals(new Rng(6, 3), 2 * n);
    const w = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const [a, b] = [x[2 * i], x[2 * i + 1]];
      const logP = -(a * a - 2 * rho * a * b + b * b) / (2 * (1 - rho * rho)) - 0.5 * Math.log(1 - rho * rho);
      const logQ = -(a * a + b * b) / 2;
      w[i] = Math.exp(logP - logQ);
    }
    expect(eigenvalueOf(x, ones(n), 2)!).toBeLessThan(1.03);
    expect(Math.abs(eigenvalueOf(x, w, 2)! / (1 + rho) - 1)).toBeLessThan(0.03);
    // a common factor, also a negative one, changes nothing: |w| is what counts
    expect(
      eigenvalueOf(
        x,
        w.map((v) => -7 * v),
        2,
      )!,
    ).toBeCloseTo(eigenvalueOf(x, w, 2)!, 10);
  });

  test('a negative weight counts by its magnitude; zero and non-finite weights are skipped', () => {
    const n = 2000;
    const d = 4;
    const correlated = correlatedGaussian(n, d, 0.9, 7);
    const independent = correlatedGaussian(n, d, 0, 8);
    const reference = eigenvalueOf(correlated, ones(n), d)!;
    expect(reference).toBeGreaterThan(3);
    // the correlated points interleaved with independent ones of weight 0, NaN, +-Infinity
    const mixed = new Float64Array(2 * n * d);
    const w = new Float64Array(2 * n);
    const skipped = [0, NaN, Infinity, -Infinity];
    for (let i = 0; i < n; i++) {
      mixed.set(correlated.subarray(i * d, (i + 1) * d), 2 * i * d);
      mixed.set(independent.subarray(i * d, (i + 1) * d), (2 * i + 1) * d);
      w[2 * i] = i % 2 === 0 ? -1 : 1;
      w[2 * i + 1] = skipped[i % skipped.length];
    }
    expect(eigenvalueOf(mixed, w, d)).toBe(reference);
    // the same points with weight 1 everywhere: the independent half lowers the eigenvalue
    expect(eigenvalueOf(mixed, ones(2 * n), d)!).toBeLessThan(0.8 * reference);
  });

  test('points added in chunks give the same finding as in one call', () => {
    for (const d of [4, 20]) {
      const n = 3001;
      const x = correlatedGaussian(n, d, 0.5, 9);
      const w = Float64Array.from({ length: n }, (_, i) => 0.5 + (i % 7));
      const sums = new CorrelationSums(d);
      for (let start = 0; start < n;) {
        const m = Math.min(n - start, 1 + ((start * 7) % 333));
        sums.add(x.subarray(start * d, (start + m) * d), w.subarray(start, start + m), m);
        start += m;
      }
      expect(sums.largestEigenvalue()).toBe(eigenvalueOf(x, w, d));
    }
  });

  test('null for d = 1, for no (positive, finite) weight, and for a coordinate of zero variance', () => {
    const n = 1000;
    const x1 = correlatedGaussian(n, 1, 0, 10);
    expect(eigenvalueOf(x1, ones(n), 1)).toBeNull();
    const x = correlatedGaussian(n, 3, 0.5, 11);
    expect(new CorrelationSums(3).largestEigenvalue()).toBeNull();
    expect(eigenvalueOf(x, new Float64Array(n), 3)).toBeNull();
    expect(eigenvalueOf(x, new Float64Array(n).fill(NaN), 3)).toBeNull();
    const constant = x.slice();
    for (let i = 0; i < n; i++) constant[i * 3 + 1] = 0.25;
    expect(eigenvalueOf(constant, ones(n), 3)).toBeNull();
    // a single point: every coordinate has zero variance
    expect(eigenvalueOf(x.slice(0, 3), [1], 3)).toBeNull();
  });

  test('every s-th point added (s = ceil(d (d + 1) / 40)): still 1 + (d - 1) rho on a large sample', () => {
    for (const [d, rho, seed, n] of [
      [20, 0.5, 12, 60000],
      [40, 0.2, 13, 200000],
    ]) {
      const x = correlatedGaussian(n, d, rho, seed);
      const lambda = eigenvalueOf(x, ones(n), d);
      expect(Math.abs(lambda! / (1 + (d - 1) * rho) - 1)).toBeLessThan(0.04);
    }
  });

  test('a projection applied to the added points gives the finding of the projected points', () => {
    // a swap of the first two coordinates and a shift: the sums see (x2 + 1, x1 - 1, x3, x4)
    const d = 4;
    const n = 70_000; // past the first thinning, so that only the kept points are projected
    const x = correlatedGaussian(n, d, 0.5, 17);
    const w = Float64Array.from({ length: n }, (_, i) => 1 + (i % 3));
    const moved = x.slice();
    for (let i = 0; i < n; i++) {
      moved[i * d] = x[i * d + 1] + 1;
      moved[i * d + 1] = x[i * d] - 1;
    }
    let calls = 0;
    const sums = new CorrelationSums(d, (p, offset, out) => {
      calls++;
      out[0] = p[offset + 1] + 1;
      out[1] = p[offset] - 1;
      out[2] = p[offset + 2];
      out[3] = p[offset + 3];
    });
    sums.add(x, w, n);
    expect(calls).toBe(sums.pointsAdded);
    expect(calls).toBeLessThan(n);
    const direct = new CorrelationSums(d);
    direct.add(moved, w, n);
    expect(sums.moments()!.cov).toEqual(direct.moments()!.cov);
  });

  test('a long stream is thinned further, each point counting for those it stands for', () => {
    // 2^17 points of correlation 0.9, then 2^20 independent ones, all of weight 1: the sums
    // must weigh the later, thinned points by their stride, or the early ones would dominate
    const d = 4;
    const early = correlatedGaussian(1 << 17, d, 0.9, 15);
    const late = correlatedGaussian(1 << 20, d, 0, 16);
    const sums = new CorrelationSums(d);
    for (const x of [early, late]) {
      for (let start = 0; start < x.length / d; start += 32768) sums.add(x.subarray(start * d, (start + 32768) * d), ones(32768), 32768);
    }
    expect(sums.pointsAdded).toBeLessThan(300_000);
    const all = new Float64Array(early.length + late.length);
    all.set(early);
    all.set(late, early.length);
    const n = all.length / d;
    const mean = new Float64Array(d);
    for (let i = 0; i < n; i++) for (let k = 0; k < d; k++) mean[k] += all[i * d + k] / n;
    const cov = new Float64Array(d * d);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < d; j++)
        for (let k = 0; k < d; k++) cov[j * d + k] += ((all[i * d + j] - mean[j]) * (all[i * d + k] - mean[k])) / n;
    }
    const corr = cov.map((c, i) => c / Math.sqrt(cov[Math.floor(i / d) * (d + 1)] * cov[(i % d) * (d + 1)]));
    const exact = largestSymmetricEigenvalue(corr, d);
    expect(exact).toBeGreaterThan(1.3);
    expect(Math.abs(sums.largestEigenvalue()! / exact - 1)).toBeLessThan(0.03);
  });

  test('no eigenvalue from fewer than 100 d effective points (the noise edge (1 + sqrt(d / n))^2 would pass 2)', () => {
    const d = 16;
    const stride = Math.ceil((d * (d + 1)) / 40);
    const few = correlatedGaussian(stride * 100 * d - stride, d, 0, 14);
    expect(eigenvalueOf(few, ones(few.length / d), d)).toBeNull();
    const enough = correlatedGaussian(stride * 100 * d, d, 0, 14);
    expect(eigenvalueOf(enough, ones(enough.length / d), d)).toBeLessThan(1.3);
  });
});

describe("the verdict's 'correlated' reason", () => {
  const good = goodDiagnostics;
  const codes = (essFraction: number, correlation: CorrelationFinding | null) =>
    judgeEstimate({ ...good, essFraction }, null, null, correlation).reasons.map((r) => r.code);

  test('the bounds: eigenvalue 2 and ESS below 30%', () => {
    expect(CORRELATION_EIGENVALUE).toBe(2);
    expect(SEPARABLE_MIN_ESS).toBe(0.3);
  });

  test('exactly when the eigenvalue is >= 2 and the ESS fraction < 0.3', () => {
    expect(codes(0.1, { eigenvalue: 1.99 })).toEqual([]);
    expect(codes(0.1, { eigenvalue: 2 })).toEqual(['correlated']);
    expect(codes(0.1, { eigenvalue: 3.7 })).toEqual(['correlated']);
    expect(codes(0.3, { eigenvalue: 3.7 })).toEqual([]);
    expect(codes(0.29, { eigenvalue: 3.7 })).toEqual(['correlated']);
    expect(codes(0.29, { eigenvalue: 2 })).toEqual(['correlated']);
    expect(codes(0.3, { eigenvalue: 1.99 })).toEqual([]);
    expect(codes(0.9, { eigenvalue: 4 })).toEqual([]);
  });

  test('no finding, no reason', () => {
    expect(codes(0.1, null)).toEqual([]);
    expect(judgeEstimate({ ...good, essFraction: 0.1 })).toEqual({ reliable: true, reasons: [] });
  });

  test('the reason makes the estimate unreliable, and its message names the eigenvalue and the ESS', () => {
    const v = judgeEstimate({ ...good, essFraction: 0.12 }, null, null, { eigenvalue: 3.714 });
    expect(v.reliable).toBe(false);
    expect(v.reasons).toHaveLength(1);
    expect(v.reasons[0].message).toMatch(/largest eigenvalue of their correlation matrix 3\.71 >= 2/);
    expect(v.reasons[0].message).toMatch(/ESS 12% < 30%/);
  });
});
