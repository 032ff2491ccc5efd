/**
 * Benchmark: throughput of compiled integrand kernels versus mathjs `evaluate`.
 *
 * For each expression (d = 6): the compiled kernel runs over 1e6 uniform points
 * (best of several passes after a warm-up pass); mathjs evaluates a compiled
 * expression point by point with scope {x1..x6, x} on 2e4 points (in batches, the
 * fastest batch giving the rate) and its rate is extrapolated. Gives points/s for both and the
 * largest relative difference between the two on the mathjs points; the table is printed by
 * src/cli/scripts/benchIntegrand.ts (`npm run bench:integrand`).
 */

import { compile as mathCompile } from 'mathjs';
import { compileIntegrand } from '../integrand';
import { Rng } from '../rng';

/** Dimension of the benchmarked integrands. */
export const DIM = 6;
/** Uniform points per kernel pass. */
export const KERNEL_POINTS = 1_000_000;
/** Timed kernel passes after the warm-up pass (the best one gives the rate). */
export const KERNEL_PASSES = 25;
/** Points evaluated with mathjs. */
export const MATHJS_POINTS = 20_000;
/** Timed batches the mathjs points are cut into (the fastest one gives the rate). */
export const MATHJS_BATCHES = 8;
const MATHJS_WARMUP = 2_000;

/** Target for the Gaussian: speed-up of the kernel over mathjs. */
export const TARGET_SPEEDUP = 50;
/** Target for the Gaussian: kernel throughput, points per second. */
export const TARGET_GAUSS_RATE = 30e6;

/** The benchmarked expressions, the Gaussian first (the targets apply to it). */
export const EXPRESSIONS: { name: string; expr: string }[] = [
  { name: 'gauss', expr: 'exp(-sum((x-0.5).^2)/0.04)' },
  {
    name: 'circles',
    expr: 'x2^3 * exp(-250*abs((x2-0.6)^2 + (x1-0.4)^2 - 0.0625)) + (1-x2)^3 * exp(-250*abs((x2-0.4)^2 + (x1-0.6)^2 - 0.0625))',
  },
  { name: 'annulus', expr: '(sum((x - 0.5).^2) > 0.2^2 and sum((x - 0.5).^2) < 0.45^2) ? 1 : 0' },
];

/** The figures of one expression: kernel and mathjs rates (points per second) and the largest relative difference of their values. */
export interface IntegrandBenchResult {
  name: string;
  kernelRate: number;
  mathjsRate: number;
  maxRelDiff: number;
}

function seconds(start: bigint): number {
  return Number(process.hrtime.bigint() - start) / 1e9;
}

function benchKernel(expr: string, pts: Float64Array): { rate: number; out: Float64Array } {
  const kernel = compileIntegrand(expr, { dim: DIM });
  const out = new Float64Array(KERNEL_POINTS);
  kernel.evaluate(pts, KERNEL_POINTS, out); // warm-up: lets the JIT optimise the loop
  let best = Infinity;
  for (let pass = 0; pass < KERNEL_PASSES; pass++) {
    const t0 = process.hrtime.bigint();
    kernel.evaluate(pts, KERNEL_POINTS, out);
    best = Math.min(best, seconds(t0));
  }
  return { rate: KERNEL_POINTS / best, out };
}

function benchMathjs(expr: string, pts: Float64Array): { rate: number; values: Float64Array } {
  const code = mathCompile(expr);
  const evalAt = (i: number): number => {
    const x = Array.from(pts.subarray(i * DIM, (i + 1) * DIM));
    const scope: Record<string, unknown> = { x };
    for (let k = 0; k < DIM; k++) scope[`x${k + 1}`] = x[k];
    const r: unknown = code.evaluate(scope);
    return typeof r === 'boolean' ? (r ? 1 : 0) : (r as number);
  };
  for (let i = 0; i < MATHJS_WARMUP; i++) evalAt(i);
  // Timed in batches; the fastest batch gives the rate (least disturbed by other load).
  const values = new Float64Array(MATHJS_POINTS);
  const batch = MATHJS_POINTS / MATHJS_BATCHES;
  let best = Infinity;
  for (let b = 0; b < MATHJS_BATCHES; b++) {
    const t0 = process.hrtime.bigint();
    for (let i = b * batch; i < (b + 1) * batch; i++) values[i] = evalAt(i);
    best = Math.min(best, seconds(t0));
  }
  return { rate: batch / best, values };
}

function maxRelDiff(a: Float64Array, b: Float64Array, n: number): number {
  let worst = 0;
  for (let i = 0; i < n; i++) {
    if (a[i] === b[i]) continue;
    const d = Math.abs(a[i] - b[i]) / Math.max(Math.abs(a[i]), Math.abs(b[i]));
    worst = Math.max(worst, d);
  }
  return worst;
}

/** Time the kernel and mathjs on every expression of EXPRESSIONS, on the same uniform points (fixed seed); one result per expression, in order. */
export function runIntegrandBench(): IntegrandBenchResult[] {
  const pts = new Rng(20240601).fill(new Float64Array(KERNEL_POINTS * DIM)) as Float64Array;
  const results: IntegrandBenchResult[] = [];
  for (const { name, expr } of EXPRESSIONS) {
    const k = benchKernel(expr, pts);
    const m = benchMathjs(expr, pts);
    results.push({ name, kernelRate: k.rate, mathjsRate: m.rate, maxRelDiff: maxRelDiff(k.out, m.values, MATHJS_POINTS) });
  }
  return results;
}
