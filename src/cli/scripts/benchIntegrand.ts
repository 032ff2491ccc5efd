/**
 * `npm run bench:integrand`: throughput of compiled integrand kernels versus mathjs `evaluate`
 * (src/bench/integrand.ts). Prints points/s for both, the speed-up, the largest relative
 * difference between the two on the mathjs points, and whether the Gaussian meets its targets.
 *
 * Usage: npm run build && npm run bench:integrand
 */
import {
  DIM,
  EXPRESSIONS,
  KERNEL_PASSES,
  KERNEL_POINTS,
  MATHJS_BATCHES,
  MATHJS_POINTS,
  runIntegrandBench,
  TARGET_GAUSS_RATE,
  TARGET_SPEEDUP,
} from '../../bench/integrand';

function fmtRate(r: number): string {
  return r >= 1e6 ? `${(r / 1e6).toFixed(1)} M/s` : `${(r / 1e3).toFixed(1)} k/s`;
}

function main(): void {
  console.log(`integrand kernels vs mathjs evaluate, d = ${DIM}`);
  console.log(
    `kernel: ${KERNEL_POINTS.toExponential(0)} points, best of ${KERNEL_PASSES} passes; ` +
      `mathjs: ${MATHJS_POINTS.toExponential(0)} points in ${MATHJS_BATCHES} batches, best batch extrapolated`,
  );
  console.log(`node ${process.version}\n`);

  const results = runIntegrandBench();

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

if (require.main === module) main();
