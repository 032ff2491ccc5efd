import { NumericalError } from '../../src/errors';
import { emptyMoments, integralEstimate, mergeMoments, type Moments } from '../../src/estimate/stats';
import { resolveIntegrand } from '../../src/integrands';
import { buildProblem, type Problem } from '../../src/problem';
import { Rng } from '../../src/rng';
import {
  AdaptiveMap,
  Stratification,
  VegasSampler,
  adaptVegas,
  drawFromMap,
  estimateWithVegas,
  planVegas,
  runVegas,
  samplerFor,
  unitIntegrandOf,
} from '../../src/vegas';

const pooled = (problem: Problem, its: Moments[]) =>
  its.reduce((a, b) => mergeMoments(a, b), emptyMoments(problem.dim, problem.events.length));

/** A fixed non-uniform map: x = y^2 on axis 0, x = sqrt(y) on axis 1 (ninc 64). */
function warpedMap(): AdaptiveMap {
  const n = 64;
  const e0 = Array.from({ length: n + 1 }, (_, i) => (i / n) ** 2);
  const e1 = Array.from({ length: n + 1 }, (_, i) => Math.sqrt(i / n));
  return new AdaptiveMap(2, n, [e0, e1]);
}

describe('VegasSampler', () => {
  test('points lie in their hypercubes, n_h follow the allocation, log q is log(n_h H/N) - log|J|, mean(w) is the stratified estimate', () => {
    const map = warpedMap();
    const strata = new Stratification([3, 2]);
    const rng = new Rng(2);
    for (let h = 0; h < 6; h++) strata.weights[h] = 0.1 + rng.next();
    const sampler = new VegasSampler(map, strata, new Rng(3), { beta: 0.75, adaptiveFraction: 0.75 });
    const N = 300;
    sampler.beginIteration(N);
    const counts = Array.from(strata.counts);
    const H = 6;
    const seen = new Array(H).fill(0);
    const sumGJ = new Array(H).fill(0);
    const sumGJ2 = new Array(H).fill(0);
    let sumW = 0;
    const x = new Float64Array(2 * 37);
    const lj = new Float64Array(37);
    for (let done = 0; done < N;) {
      const m = Math.min(37, N - done);
      const { u, logQ } = sampler.draw(m);
      const y = sampler.lastY();
      const ids = sampler.lastHypercubes();
      map.forward(y, m, x, lj);
      const w = new Float64Array(m);
      for (let i = 0; i < m; i++) {
        const h = ids[i];
        const d0 = h % 3;
        const d1 = Math.floor(h / 3);
        expect(y[2 * i]).toBeGreaterThanOrEqual(d0 / 3);
        expect(y[2 * i]).toBeLessThan((d0 + 1) / 3);
        expect(y[2 * i + 1]).toBeGreaterThanOrEqual(d1 / 2);
        expect(y[2 * i + 1]).toBeLessThan((d1 + 1) / 2);
        expect(u[2 * i]).toBe(x[2 * i]);
        expect(u[2 * i + 1]).toBe(x[2 * i + 1]);
        expect(logQ[i]).toBeCloseTo(Math.log((counts[h] * H) / N) - lj[i], 12);
        const g = 1 + u[2 * i] * u[2 * i + 1] ** 2;
        w[i] = g / Math.exp(logQ[i]);
        sumW += w[i];
        const gj = g * Math.exp(lj[i]);
        seen[h]++;
        sumGJ[h] += gj;
        sumGJ2[h] += gj * gj;
      }
      // hypercube order
      for (let i = 1; i < m; i++) expect(ids[i]).toBeGreaterThanOrEqual(ids[i - 1]);
      sampler.addWeights(w, m);
      done += m;
    }
    expect(seen).toEqual(counts);
    // stratified estimate sum_h V_h mean_h(g J) and its variance sum_h V_h^2 s_h^2 / n_h
    let strat = 0;
    let variance = 0;
    for (let h = 0; h < H; h++) {
      const n = counts[h];
      const mean = sumGJ[h] / n;
      strat += mean / H;
      variance += (sumGJ2[h] - n * mean * mean) / (n - 1) / n / (H * H);
    }
    expect(sumW / N).toBeCloseTo(strat, 12);
    const v = sampler.endIteration();
    expect((v.varSumW * v.scale * v.scale) / (N * N) / variance).toBeCloseTo(1, 9);
  });

  test('misuse is caught: a draw before the weights of the last one, too many points, weights of the wrong size', () => {
    const sampler = new VegasSampler(warpedMap(), new Stratification([2, 2]), new Rng(1));
    expect(() => sampler.beginIteration(7)).toThrow(RangeError);
    sampler.beginIteration(20);
    sampler.draw(5);
    expect(() => sampler.draw(5)).toThrow(/not added/);
    expect(() => sampler.addWeights(new Float64Array(4), 4)).toThrow(/4 weights/);
    sampler.addWeights(new Float64Array(5).fill(1), 5);
    expect(() => sampler.draw(16)).toThrow(RangeError);
  });

  test('an incomplete iteration keeps the allocation weights', () => {
    const strata = new Stratification([4]);
    strata.weights.set([1, 2, 3, 4]);
    const sampler = new VegasSampler(new AdaptiveMap(1, 8), strata, new Rng(1));
    sampler.beginIteration(40);
    sampler.draw(15);
    sampler.addWeights(
      new Float64Array(15).map((_, i) => i),
      15,
    );
    const v = sampler.endIteration();
    expect(Number.isFinite(v.varSumW)).toBe(true);
    expect(Array.from(strata.weights)).toEqual([1, 2, 3, 4]);
  });

  test('map-only draws carry the map density', () => {
    const map = warpedMap();
    const u = new Float64Array(200);
    const logQ = new Float64Array(100);
    drawFromMap(map, new Rng(4), 100, u, logQ);
    const check = new Float64Array(100);
    map.logDensity(u, 100, check);
    for (let i = 0; i < 100; i++) expect(logQ[i]).toBeCloseTo(check[i], 9);
  });
});

describe('adaptation and estimates', () => {
  test('a separable Gaussian reaches a relative variance per call below 1e-3', async () => {
    const problem = buildProblem({ expression: 'exp(-sum(((x - 0.5)/0.1).^2))', dim: 2 });
    const a = await adaptVegas(unitIntegrandOf(problem), 2, new Rng(1), { callsPerIteration: 20000, iterations: 20 });
    const sampler = samplerFor(a, 20000, new Rng(2));
    const its = await estimateWithVegas(problem, sampler, [20000, 20000], 'error');
    const m = pooled(problem, its);
    const e = integralEstimate(m);
    const relVar = (m.n * e.sdev * e.sdev) / (e.mean * e.mean);
    expect(relVar).toBeLessThan(1e-3);
    const exact = 0.01 * Math.PI; // erf(5)^2 = 1 to double precision
    expect(Math.abs(e.mean - exact)).toBeLessThan(4 * e.sdev);
  });

  test('the stratified error is honest on a non-separable ridge: pulls, and estimated vs observed scatter', async () => {
    // f = exp(-(x1 - x2)^2 / s^2), s = 0.1: integral s sqrt(pi) erf(1/s) - s^2 (1 - exp(-1/s^2))
    const problem = buildProblem({ expression: 'exp(-(x1 - x2)^2 / 0.01)', dim: 2 });
    const exact = 0.1 * Math.sqrt(Math.PI) - 0.01 * (1 - Math.exp(-100));
    const a = await adaptVegas(unitIntegrandOf(problem), 2, new Rng(7), { callsPerIteration: 5000, iterations: 10 });
    const reps = 30;
    const means: number[] = [];
    const vars: number[] = [];
    let iidOverStrat = 0;
    for (let seed = 1; seed <= reps; seed++) {
      const sampler = samplerFor(a, 4000, new Rng(seed, 3));
      const m = pooled(problem, await estimateWithVegas(problem, sampler, [4000, 4000, 4000], 'error'));
      const e = integralEstimate(m);
      expect(Math.abs(e.mean - exact) / e.sdev).toBeLessThan(4);
      means.push(e.mean);
      vars.push(e.sdev * e.sdev);
      iidOverStrat += integralEstimate({ ...m, varSumW: undefined }).sdev / e.sdev / reps;
    }
    const mean = means.reduce((p, v) => p + v, 0) / reps;
    const scatter = means.reduce((p, v) => p + (v - mean) ** 2, 0) / (reps - 1);
    const estimated = vars.reduce((p, v) => p + v, 0) / reps;
    expect(scatter / estimated).toBeGreaterThan(1 / 1.5);
    expect(scatter / estimated).toBeLessThan(1.5);
    expect(Math.abs(mean - exact)).toBeLessThan(4 * Math.sqrt(estimated / reps));
    // the test has power: the iid formula would be far off under stratification
    expect(iidOverStrat).toBeGreaterThan(1.5);
  });

  test('bounds: the unit-cube integrand carries the volume', async () => {
    const problem = buildProblem({
      expression: 'x1 * x2^2',
      dim: 2,
      bounds: [
        [0, 2],
        [1, 3],
      ],
    });
    const run = await runVegas(problem, 20000, new Rng(1), new Rng(2));
    const e = integralEstimate(pooled(problem, run.iterations));
    const exact = 2 * (26 / 3); // int_0^2 x dx * int_1^3 y^2 dy
    expect(Math.abs(e.mean - exact)).toBeLessThan(4 * e.sdev);
    expect(e.sdev / exact).toBeLessThan(1e-3);
    expect(run.calls).toBe(20000);
  });

  test('non-finite integrand values stop the adaptation or count as zero', async () => {
    const problem = buildProblem({ expression: 'sqrt(x1 - 0.3)', dim: 2 });
    const g = unitIntegrandOf(problem);
    await expect(adaptVegas(g, 2, new Rng(1), { callsPerIteration: 1000, iterations: 2 })).rejects.toThrow(NumericalError);
    const a = await adaptVegas(g, 2, new Rng(1), { callsPerIteration: 1000, iterations: 2, nan: 'zero' });
    expect(a.nonFinite).toBeGreaterThan(0);
    expect(a.calls).toBe(2000);
  });

  test('planVegas splits the budget exactly', () => {
    const p = planVegas(100000);
    expect(p.adaptIterations).toBe(20);
    expect(p.adaptCalls).toBe(2500);
    expect(p.finalCalls.reduce((a, b) => a + b, 0)).toBe(50000);
    const q = planVegas(12345, { adaptIterations: 7, finalIterations: 3, adaptFraction: 0.3 });
    expect(q.adaptIterations * q.adaptCalls + q.finalCalls.reduce((a, b) => a + b, 0)).toBe(12345);
    expect(() => planVegas(100)).toThrow(RangeError);
  });
});

describe('figure of merit against vegas+', () => {
  // Lepage's vegas 6.4.1 (VEGAS+, beta 0.75, 10 + 10 iterations of N/20), N = 1e5: median
  // FoM = (error/exact)^2 x calls over seeds 1 to 10, from the project anchors
  // (anchors/RESULTS.md, "spread over seeds"; also src/bench/anchors.json seeds10.vegas_plus).
  const reference: Record<string, number> = { gauss_d4: 0.0325, camel_d4: 0.5, narrow_gauss_d4: 0.093 };
  const cases: [string, string, number, Record<string, number>][] = [
    ['gauss_d4', 'gauss', 4, { alpha: 0.2 }],
    ['camel_d4', 'camel', 4, { alpha: 0.2 }],
    ['narrow_gauss_d4', 'gauss', 4, { alpha: 0.05 }],
  ];
  test.each(cases)('%s at 1e5 calls: FoM within 2x of vegas+, |pull| < 4', async (id, name, dim, params) => {
    const r = resolveIntegrand(`@${name}`, dim, params);
    const problem = buildProblem({ expression: r.expression, dim: r.dim, defaults: r.defaults });
    const run = await runVegas(problem, 100000, new Rng(1, 2), new Rng(1, 3));
    const e = integralEstimate(pooled(problem, run.iterations));
    const exact = r.exact as number;
    const fom = (e.sdev / exact) ** 2 * run.calls;
    expect(run.calls).toBe(100000);
    expect(Math.abs(e.mean - exact) / e.sdev).toBeLessThan(4);
    expect(fom).toBeLessThan(2 * reference[id]);
  });
});
