/**
 * Histograms of the evaluation stream: the marginals of p = f/F and of q agree with their
 * exact bin probabilities within the reported errors (chi2 over bins), the weight histogram
 * accounts for every sample, and axes with infinite bounds take their range from the first chunk.
 */
import { MarginalHistograms, marginalDensities } from '../../src/estimate/histograms';
import { streamChunks } from '../../src/estimate/evaluate';
import { emptyMoments, integralEstimate } from '../../src/estimate/stats';
import { erf, gammaQ } from '../../src/integrand/special';
import { buildProblem } from '../../src/problem';
import { Rng } from '../../src/rng';

const EXPRESSION = 'exp(-sum((x-0.5).^2)/0.04)';
const BOUNDS: [number, number][] = [
  [0, 1],
  [-0.5, 1.5],
];
/** Mass of exp(-((t - 0.5) / 0.2)^2) on [a, b], up to a constant factor. */
const gaussMass = (a: number, b: number) => erf((b - 0.5) / 0.2) - erf((a - 0.5) / 0.2);

/**
 * Stream n points of the problem through the evaluation loop into histograms. The sampler
 * draws u_k = v_k^2 (v uniform), density q(u) = prod 1 / (2 sqrt(u_k)), so p and q differ.
 */
async function streamed(n: number, seed: number) {
  const problem = buildProblem({ expression: EXPRESSION, dim: 2, bounds: BOUNDS });
  const hist = new MarginalHistograms({ bounds: problem.bounds, pair: [1, 2] });
  const rng = new Rng(seed);
  const moments = emptyMoments(2, 0);
  const u = new Float64Array(4096 * 2);
  const logQ = new Float64Array(4096);
  await streamChunks(problem, n, 4096, moments, 'error', 'test', { onSamples: (x, w, m) => hist.add(x, w, m) }, (m) => {
    rng.fill(u.subarray(0, 2 * m));
    for (let i = 0; i < m; i++) {
      let lq = 0;
      for (let k = 0; k < 2; k++) {
        const v = u[2 * i + k];
        u[2 * i + k] = v * v;
        lq -= Math.log(2 * v);
      }
      logQ[i] = lq;
    }
    return { u: u.subarray(0, 2 * m), logQ: logQ.subarray(0, m) };
  });
  return { hist: hist.data(), moments };
}

/** chi2 of estimated bin probabilities against exact ones, with the dof and the p-value Q. */
function chi2(est: number[], err: number[], exact: number[]) {
  let c = 0;
  for (let b = 0; b < est.length; b++) c += ((est[b] - exact[b]) / err[b]) ** 2;
  return { chi2: c, dof: est.length, Q: gammaQ(est.length / 2, c / 2) };
}

describe('marginal histograms of the evaluation stream', () => {
  test.each([11, 12])('the marginals of p and q match the exact ones within their errors (seed %i)', async (seed) => {
    const n = 200_000;
    const { hist, moments } = await streamed(n, seed);
    expect(hist.calls).toBe(n);
    // the histogram totals are the estimate's own sums: the same samples, the same weights
    expect(hist.sumW / n).toBeCloseTo(integralEstimate(moments).mean, 12);
    for (const m of hist.marginals) {
      const [A, B] = BOUNDS[m.dim - 1];
      const bins = marginalDensities(m, hist);
      const width = bins[0].hi - bins[0].lo;
      expect(m.under.count + m.over.count).toBe(0);
      expect(m.count.reduce((a, b) => a + b, 0)).toBe(n);
      // p: bin probabilities of the truncated normal marginal
      const pExact = bins.map((b) => gaussMass(b.lo, b.hi) / gaussMass(A, B));
      const pc = chi2(
        bins.map((b) => b.p * width),
        bins.map((b) => b.pErr * width),
        pExact,
      );
      expect(pc.Q).toBeGreaterThan(1e-3);
      expect(pc.Q).toBeLessThan(1 - 1e-3);
      // q: u = (x - A) / (B - A) has CDF sqrt(u)
      const cdf = (x: number) => Math.sqrt((x - A) / (B - A));
      const qExact = bins.map((b) => cdf(b.hi) - cdf(b.lo));
      const qc = chi2(
        bins.map((b) => b.q * width),
        qExact.map((P) => Math.sqrt((P * (1 - P)) / n)),
        qExact,
      );
      expect(qc.Q).toBeGreaterThan(1e-3);
      expect(qc.Q).toBeLessThan(1 - 1e-3);
    }
    // the pair holds every point once, and its p-mass sums to one
    const pair = hist.pair!;
    expect(pair.count.reduce((a, b) => a + b, 0)).toBe(n);
    expect(pair.sumW.reduce((a, b) => a + b, 0) / hist.sumW).toBeCloseTo(1, 10);
  });

  test('the weight histogram accounts for every sample and is centred on w / mean w', () => {
    const hist = new MarginalHistograms({ bounds: [[0, 1]] });
    const n = 1000;
    const x = new Float64Array(n).map((_, i) => (i + 0.5) / n);
    // weights 5 (half), 0 (a quarter) and -5 (a quarter): mean |w| = 3.75
    const w = new Float64Array(n).map((_, i) => (i % 2 === 0 ? 5 : i % 4 === 1 ? 0 : -5));
    hist.add(x, w, n);
    const d = hist.data().weights;
    const binned = d.counts.reduce((a, b) => a + b, 0);
    expect(binned + d.zeros + d.below + d.above).toBe(n);
    expect(d.zeros).toBe(250);
    expect(d.negatives).toBe(250);
    // |w| / mean |w| = 4/3 for all non-zero weights: one bin, holding log10(4/3)
    expect(d.counts).toEqual([750]);
    expect(d.log10Lo).toBeLessThanOrEqual(Math.log10(4 / 3) + 1e-12);
    expect(d.log10Lo + d.step).toBeGreaterThan(Math.log10(4 / 3));
  });

  test('an axis with infinite bounds takes its range from the first chunk, later points outside are counted', () => {
    const hist = new MarginalHistograms({
      bounds: [
        [-Infinity, Infinity],
        [0, Infinity],
      ],
      bins: 10,
    });
    const first = new Float64Array([-1, 0.5, 1, 1, 0, 2]); // (x1, x2) rows
    hist.add(first, new Float64Array([1, 1, 1]), 3);
    hist.add(new Float64Array([5, 1, -5, 100]), new Float64Array([2, 3]), 2);
    const [m1, m2] = hist.data().marginals;
    // x1: span [-1, 1] widened by a quarter of the span on each side; x2: finite lower bound kept
    expect([m1.lo, m1.hi]).toEqual([-1.5, 1.5]);
    expect([m2.lo, m2.hi]).toEqual([0, 2.375]);
    expect(m1.count.reduce((a, b) => a + b, 0)).toBe(3);
    expect(m1.over).toEqual({ sumW: 2, count: 1 });
    expect(m1.under).toEqual({ sumW: 3, count: 1 });
    expect(m2.over).toEqual({ sumW: 3, count: 1 });
  });

  test('only the first `dims` marginals are kept', () => {
    const hist = new MarginalHistograms({ bounds: Array.from({ length: 20 }, () => [0, 1] as [number, number]) });
    expect(hist.data().marginals.map((m) => m.dim)).toEqual(Array.from({ length: 16 }, (_, k) => k + 1));
    const all = new MarginalHistograms({ bounds: Array.from({ length: 20 }, () => [0, 1] as [number, number]), dims: 20 });
    expect(all.data().marginals).toHaveLength(20);
  });
});
