/**
 * Flow benchmark on the wasm backend (`npm run build && npm run bench:flow`).
 *
 * For d in {4, 8}, spline in {rqs, pwquad, pwlinear} and n in {5000, 10000} points it reports
 * the median time of
 * - sample: z -> (x, log q) without gradient, including the dataSync of x and log q;
 * - matMul: the dense products of the same flow's MLPs alone (every 2-d weight of the flow
 *   times an [n, rows] input, with a fused bias and ReLU), the floor that sampling would reach
 *   if everything but the matrix products were free;
 * - train: one step of the real trainer (trainFlow) for f = exp(-sum((x-0.5)^2)/0.04) with the
 *   variance loss, for each --threads value (the batch cut into that many slices, slices after
 *   the first in worker threads).
 *
 * Options: --reps N (timed steps, default 9), --warmup N (default 3), --dims, --splines,
 * --sizes, --threads (comma lists; defaults 4,8 / rqs,pwquad,pwlinear / 5000,10000 / 1,2).
 */
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../backend';
import { defaultFlowConfig, Flow } from '../flow';
import type { SplineKind } from '../flow/types';
import { buildProblem } from '../problem';
import { Rng } from '../rng';
import { trainFlow } from '../train/trainer';

/**
 * PyTorch references on this machine kind (shared/anchors/torch-nis-results.jsonl, gauss,
 * median step at 5000 points, 2 threads): ZuNIS piecewise-quadratic and MadNIS rational-quadratic.
 */
const zunisPwquadMs: Record<number, number> = { 4: 155.4, 8: 304.1 };
const madnisRqsMs: Record<number, number> = { 4: 171.8 };

/** The like-for-like reference of a row: MadNIS for rqs where measured, else ZuNIS. */
function torchReference(d: number, spline: SplineKind): { name: string; ms: number } | undefined {
  if (spline === 'rqs' && madnisRqsMs[d] !== undefined) return { name: 'MadNIS rqs', ms: madnisRqsMs[d] };
  if (zunisPwquadMs[d] !== undefined) return { name: 'ZuNIS pwquad', ms: zunisPwquadMs[d] };
  return undefined;
}

interface Timing {
  /** Median wall-clock milliseconds. */
  wall: number;
  /** Fastest repetition, wall-clock milliseconds (least disturbed by other tenants of the host). */
  min: number;
  /** Median CPU milliseconds of this process (user + system): robust when other processes share the cores. */
  cpu: number;
}

interface Row {
  d: number;
  spline: SplineKind;
  n: number;
  sample: Timing;
  /** The flow's matrix products alone (see the file comment). */
  matMul: Timing;
  /** One entry per --threads value. */
  train: Timing[];
}

function median(xs: number[]): number {
  const s = xs.slice().sort((a, b) => a - b);
  const h = s.length >> 1;
  return s.length % 2 ? s[h] : (s[h - 1] + s[h]) / 2;
}

/** Sampling only: z -> (x, log q) with the dataSync of both, as the evaluation does it. */
function sampler(flow: Flow, n: number): () => void {
  const rng = new Rng(1234, 2);
  const z = new Float32Array(n * flow.dim);
  return () => {
    rng.fill(z);
    const zt = tf.tensor2d(z, [n, flow.dim]);
    const out = flow.forward(zt);
    out.x.dataSync();
    out.logQ.dataSync();
    tf.dispose([zt, out.x, out.logQ]);
  };
}

/**
 * The flow's dense products alone: for every 2-d weight W [k, m] of the flow, [n, k] x W with
 * a fused bias and ReLU, on inputs made once (the wasm backend runs each op when it is called).
 */
function matMuls(flow: Flow, n: number): { run: () => void; dispose: () => void } {
  const kernels = flow.variables.filter((v) => v.shape.length === 2) as tf.Variable<tf.Rank.R2>[];
  const inputs = new Map<number, tf.Tensor2D>();
  const biases = new Map<number, tf.Tensor1D>();
  for (const w of kernels) {
    const [k, m] = w.shape;
    if (!inputs.has(k)) inputs.set(k, tf.randomUniform([n, k], 0, 1, 'float32', 7) as tf.Tensor2D);
    if (!biases.has(m)) biases.set(m, tf.zeros([m]) as tf.Tensor1D);
  }
  return {
    run: () => {
      const outs = kernels.map((w) =>
        tf.fused.matMul({ a: inputs.get(w.shape[0]) as tf.Tensor2D, b: w, bias: biases.get(w.shape[1]), activation: 'relu' }),
      );
      outs[outs.length - 1].dataSync();
      tf.dispose(outs);
    },
    dispose: () => tf.dispose([...inputs.values(), ...biases.values()]),
  };
}

/**
 * Training steps of the real trainer (trainFlow: sample, f = exp(-sum((x-0.5)^2)/0.04) in
 * float64, variance-loss coefficients, gradient through the inverse pass, Adam) with
 * `threads` slices; the times between consecutive epochs after the warm-up ones.
 */
async function trainSteps(d: number, spline: SplineKind, n: number, threads: number, warmup: number, reps: number): Promise<Timing> {
  const flow = Flow.create(defaultFlowConfig({ dim: d, spline }), 1);
  const problem = buildProblem({ expression: 'exp(-sum((x-0.5).^2)/0.04)', dim: d, bounds: [], param: [], event: [], tail: [] });
  const wall: number[] = [];
  const cpu: number[] = [];
  let t = performance.now();
  let c = process.cpuUsage();
  await trainFlow(
    flow,
    problem,
    new Rng(1234, 3),
    { epochs: warmup + reps, batch: n, lr: 1e-3, decay: 0, clip: 10, loss: 'variance', evalSamples: n, nan: 'error', threads },
    {
      onEpoch: ({ epoch }) => {
        const now = performance.now();
        const used = process.cpuUsage(c);
        if (epoch > warmup) {
          wall.push(now - t);
          cpu.push((used.user + used.system) / 1000);
        }
        t = now;
        c = process.cpuUsage();
      },
    },
  );
  flow.dispose();
  return { wall: median(wall), min: Math.min(...wall), cpu: median(cpu) };
}

function time(fn: () => void, warmup: number, reps: number): Timing {
  for (let i = 0; i < warmup; i++) fn();
  const wall: number[] = [];
  const cpu: number[] = [];
  for (let i = 0; i < reps; i++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    fn();
    wall.push(performance.now() - t0);
    const c = process.cpuUsage(c0);
    cpu.push((c.user + c.system) / 1000);
  }
  return { wall: median(wall), min: Math.min(...wall), cpu: median(cpu) };
}

function fmt(t: Timing): string {
  return `${t.wall.toFixed(0)} / ${t.min.toFixed(0)} (${t.cpu.toFixed(0)})`;
}

/**
 * Speed of this machine right now, to compare runs: the median time of the largest product
 * of the default MLP (wasm matMul [5000, 32] x [32, 196]) and of a fixed scalar JS loop.
 */
function machineReference(): string {
  const a = tf.randomUniform([5000, 32], 0, 1, 'float32', 1);
  const b = tf.randomUniform([32, 196], 0, 1, 'float32', 2);
  const mm = time(() => tf.tidy(() => void tf.matMul(a, b).dataSync()), 3, 21);
  tf.dispose([a, b]);
  const js = time(
    () => {
      let s = 0;
      for (let i = 0; i < 5e7; i++) s += i * 1e-9;
      if (s < 0) console.log(s);
    },
    1,
    5,
  );
  return `matMul [5000,32]x[32,196] ${mm.wall.toFixed(2)} ms, JS loop of 5e7 adds ${js.wall.toFixed(0)} ms`;
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
  const rows: Row[] = [];
  for (const d of dims) {
    for (const spline of splines) {
      for (const n of sizes) {
        const flow = Flow.create(defaultFlowConfig({ dim: d, spline }), 1);
        const sample = time(sampler(flow, n), warmup, reps);
        const products = matMuls(flow, n);
        const matMul = time(products.run, warmup, reps);
        products.dispose();
        flow.dispose();
        const train: Timing[] = [];
        for (const threads of threadList) train.push(await trainSteps(d, spline, n, threads, warmup, reps));
        rows.push({ d, spline, n, sample, matMul, train });
        console.log(
          `d=${d} ${spline.padEnd(8)} n=${String(n).padStart(5)}  sample ${fmt(sample)} ms (matMuls alone ${fmt(matMul)} ms)  train ` +
            train.map((t, i) => `${threadList[i]} thread(s) ${fmt(t)} ms`).join(', '),
        );
      }
    }
  }
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

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
