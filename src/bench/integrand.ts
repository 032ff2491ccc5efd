/**
 * Benchmark: throughput of compiled integrand kernels versus mathjs `evaluate`.
 *
 * For each expression (d = 6): the compiled kernel runs over 1e6 uniform points
 * (best of several passes after a warm-up pass); mathjs evaluates a compiled
 * expression point by point with scope {x1..x6, x} on 2e4 points (in batches, the
 * fastest batch giving the rate) and its rate is extrapolated. Prints points/s for both, the speed-up, and the largest relative
 * difference between the two on the mathjs points.
 *
 * Usage: npm run build && npm run bench:integrand
 */

import { compile as mathCompile } from 'mathjs';
import { compileIntegrand } from '../integrand';
import { Rng } from '../rng';

const DIM = 6;
const KERNEL_POINTS = 1_000_000;
const KERNEL_PASSES = 25;
const MATHJS_POINTS = 20_000;
const MATHJS_BATCHES = 8;
const MATHJS_WARMUP = 2_000;

/** Targets for the Gaussian: speed-up over mathjs and absolute kernel throughput. */
const TARGET_SPEEDUP = 50;
const TARGET_GAUSS_RATE = 30e6;

const EXPRESSIONS: { name: string; expr: string }[] = [
  { name: 'gauss', expr: 'exp(-sum((x-0.5).^2)/0.04)' },
  {
    name: 'circles',
    expr: 'x2^3 * exp(-250*abs((x2-0.6)^2 + (x1-0.4)^2 - 0.0625)) + (1-x2)^3 * exp(-250*abs((x2-0.4)^2 + (x1-0.6)^2 - 0.0625))',
  },
  { name: 'annulus', expr: '(sum((x - 0.5).^2) > 0.2^2 and sum((x - 0.5).^2) < 0.45^2) ? 1 : 0' },
];

interface Result {
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

function fmtRate(r: number): string {
  return r >= 1e6 ? `${(r / 1e6).toFixed(1)} M/s` : `${(r / 1e3).toFixed(1)} k/s`;
}

function main(): void {
  const pts = new Rng(20240601).fill(new Float64Array(KERNEL_POINTS * DIM)) as Float64Array;
  console.log(`integrand kernels vs mathjs evaluate, d = ${DIM}`);
  console.log(
    `kernel: ${KERNEL_POINTS.toExponential(0)} points, best of ${KERNEL_PASSES} passes; ` +
      `mathjs: ${MATHJS_POINTS.toExponential(0)} points in ${MATHJS_BATCHES} batches, best batch extrapolated`,
  );
  console.log(`node ${process.version}\n`);

  const results: Result[] = [];
  for (const { name, expr } of EXPRESSIONS) {
    const k = benchKernel(expr, pts);
    const m = benchMathjs(expr, pts);
    results.push({ name, kernelRate: k.rate, mathjsRate: m.rate, maxRelDiff: maxRelDiff(k.out, m.values, MATHJS_POINTS) });
  }

  const header = ['expression', 'kernel', 'mathjs', 'speed-up', 'max rel diff'];
  const rows = results.map((r) => [
    r.name,
    fmtRate(r.kernelRate),
    fmtRate(r.mathjsRate),
    `${(r.kernelRate / r.mathjsRate).toFixed(0)}x`,
    r.maxRelDiff.toExponential(1),
  ]);
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((row) => row[c].length)));
  const line = (cells: string[]) => cells.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join('  ');
  console.log(line(header));
  for (const row of rows) console.log(line(row));
  console.log('');
  for (const { name, expr } of EXPRESSIONS) console.log(`${name.padEnd(widths[0])}  ${expr}`);

  const gauss = results[0];
  const speedup = gauss.kernelRate / gauss.mathjsRate;
  console.log('');
  console.log(
    `targets (gauss): speed-up ${speedup.toFixed(0)}x >= ${TARGET_SPEEDUP}x: ${speedup >= TARGET_SPEEDUP ? 'met' : 'NOT met'}; ` +
      `${fmtRate(gauss.kernelRate)} >= ${fmtRate(TARGET_GAUSS_RATE)}: ${gauss.kernelRate >= TARGET_GAUSS_RATE ? 'met' : 'NOT met'}`,
  );
}

main();
