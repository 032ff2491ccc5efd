/**
 * Flow benchmark on the wasm backend (`npm run build && npm run bench:flow`, whose entry point
 * and tables are in src/cli/scripts/benchFlow.ts).
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
 * The command line (--reps N timed steps, default 9; --warmup N, default 3; --dims, --splines,
 * --sizes, --threads as comma lists, defaults 4,8 / rqs,pwquad,pwlinear / 5000,10000 / 1,2)
 * is read by src/cli/scripts/benchFlow.ts.
 */
import * as tf from '@tensorflow/tfjs';
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

/** The like-for-like PyTorch reference of a row (name, median ms of a training step): MadNIS for rqs where measured, else ZuNIS; undefined for other d. */
export function torchReference(d: number, spline: SplineKind): { name: string; ms: number } | undefined {
  if (spline === 'rqs' && madnisRqsMs[d] !== undefined) return { name: 'MadNIS rqs', ms: madnisRqsMs[d] };
  if (zunisPwquadMs[d] !== undefined) return { name: 'ZuNIS pwquad', ms: zunisPwquadMs[d] };
  return undefined;
}

/** Times of a repeated step, milliseconds. */
export interface Timing {
  /** Median wall-clock milliseconds. */
  wall: number;
  /** Fastest repetition, wall-clock milliseconds (least disturbed by other tenants of the host). */
  min: number;
  /** Median CPU milliseconds of this process (user + system): robust when other processes share the cores. */
  cpu: number;
}

/** The timings of one dimension, spline and number of points. */
export interface FlowBenchRow {
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

/**
 * Speed of this machine right now, to compare runs: the median time of the largest product
 * of the default MLP (wasm matMul [5000, 32] x [32, 196]) and of a fixed scalar JS loop.
 * Needs the tf backend initialised.
 */
export function machineReference(): string {
  const a = tf.randomUniform([5000, 32], 0, 1, 'float32', 1);
  const b = tf.randomUniform([32, 196], 0, 1, 'float32', 2);
  const mm = time(() => tf.tidy(() => void tf.matMul(a, b).dataSync()), 3, 21);
  tf.dispose([a, b]);
  const js = time(
    () => {
      let s = 0;
      for (let i = 0; i < 5e7; i++) s += i * 1e-9;
      if (s < 0) throw new RangeError('a sum of non-negative terms came out negative');
    },
    1,
    5,
  );
  return `matMul [5000,32]x[32,196] ${mm.wall.toFixed(2)} ms, JS loop of 5e7 adds ${js.wall.toFixed(0)} ms`;
}

/** What runFlowBench measures: every combination of dims, splines and sizes, training with each threads value; warmup and reps per timing. */
export interface FlowBenchOptions {
  dims: number[];
  splines: SplineKind[];
  sizes: number[];
  threads: number[];
  warmup: number;
  reps: number;
}

/**
 * Time sampling, the flow's matrix products and training steps for every dimension, spline and
 * size (in that nesting order) on the backend already initialised; `onRow` sees each row as it
 * is finished. Returns the rows in the same order.
 */
export async function runFlowBench(options: FlowBenchOptions, onRow: (row: FlowBenchRow) => void = () => {}): Promise<FlowBenchRow[]> {
  const { warmup, reps } = options;
  const rows: FlowBenchRow[] = [];
  for (const d of options.dims) {
    for (const spline of options.splines) {
      for (const n of options.sizes) {
        const flow = Flow.create(defaultFlowConfig({ dim: d, spline }), 1);
        const sample = time(sampler(flow, n), warmup, reps);
        const products = matMuls(flow, n);
        const matMul = time(products.run, warmup, reps);
        products.dispose();
        flow.dispose();
        const train: Timing[] = [];
        for (const threads of options.threads) train.push(await trainSteps(d, spline, n, threads, warmup, reps));
        const row = { d, spline, n, sample, matMul, train };
        rows.push(row);
        onRow(row);
      }
    }
  }
  return rows;
}
