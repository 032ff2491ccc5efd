/**
 * `npm run bench:flow`: the flow benchmark on the wasm backend (src/bench/flow.ts). Prints one
 * line per dimension, spline and size as it finishes, then a markdown table of the medians beside
 * the PyTorch references, the machine reference at both ends and the process RSS.
 *
 * Usage: npm run build && npm run bench:flow [-- --reps 9 --warmup 3 --dims 4,8 --splines rqs,pwquad,pwlinear
 *   --sizes 5000,10000 --threads 1,2]
 */
import { initBackend } from '../../backend';
import { machineReference, runFlowBench, torchReference, type Timing } from '../../bench/flow';
import type { SplineKind } from '../../flow/types';

function fmt(t: Timing): string {
  return `${t.wall.toFixed(0)} / ${t.min.toFixed(0)} (${t.cpu.toFixed(0)})`;
}

function argInt(name: string, fallback: number): number {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number.parseInt(process.argv[i + 1], 10) : fallback;
}

function argList(name: string, fallback: string): string[] {
  const i = process.argv.indexOf(name);
  return (i >= 0 ? process.argv[i + 1] : fallback).split(',').filter((v) => v.length > 0);
}

async function main(): Promise<void> {
  const reps = argInt('--reps', 9);
  const warmup = argInt('--warmup', 3);
  const dims = argList('--dims', '4,8').map(Number);
  const splines = argList('--splines', 'rqs,pwquad,pwlinear') as SplineKind[];
  const sizes = argList('--sizes', '5000,10000').map(Number);
  const threadList = argList('--threads', '1,2').map(Number);
  const info = await initBackend('wasm');
  console.log(`backend ${info.name}; median of ${reps} steps after ${warmup} warm-up steps; train = one step of trainFlow`);
  console.log(`machine reference: ${machineReference()}`);
  const rows = await runFlowBench({ dims, splines, sizes, threads: threadList, warmup, reps }, ({ d, spline, n, sample, matMul, train }) =>
    console.log(
      `d=${d} ${spline.padEnd(8)} n=${String(n).padStart(5)}  sample ${fmt(sample)} ms (matMuls alone ${fmt(matMul)} ms)  train ` +
        train.map((t, i) => `${threadList[i]} thread(s) ${fmt(t)} ms`).join(', '),
    ),
  );
  console.log('\nwall-clock ms: median / fastest of the repetitions (median CPU ms of all threads of this process in parentheses)');
  const head = threadList.map((t) => `train ms, ${t} thread(s)`);
  console.log(
    `| d | spline | n | sample ms | its matMuls alone ms | sample / matMuls | ${head.join(' | ')} | PyTorch reference (2 threads, n=5000) |`,
  );
  console.log(`|---|---|---|---|---|---|${head.map(() => '---|').join('')}---|`);
  for (const r of rows) {
    const ref = r.n === 5000 ? torchReference(r.d, r.spline) : undefined;
    const best = Math.min(...r.train.map((t) => t.wall));
    const refText = ref ? `${ref.name} ${ref.ms} ms: best here ${(best / ref.ms).toFixed(2)}x` : '';
    const ratio = (r.sample.wall / r.matMul.wall).toFixed(1);
    console.log(
      `| ${r.d} | ${r.spline} | ${r.n} | ${fmt(r.sample)} | ${fmt(r.matMul)} | ${ratio} | ${r.train.map(fmt).join(' | ')} | ${refText} |`,
    );
  }
  console.log(`machine reference at the end: ${machineReference()}`);
  const mem = process.memoryUsage();
  console.log(`\nprocess rss ${(mem.rss / 2 ** 20).toFixed(0)} MB (the wasm heap is never returned to the OS)`);
}

if (require.main === module) {
  main().catch((e: unknown) => {
    console.error(e);
    process.exitCode = 1;
  });
}
