/**
 * Flow benchmark on the wasm backend (`npm run build && npm run bench:flow`).
 *
 * For d in {4, 8}, spline in {rqs, pwlinear} and n in {5000, 10000} it reports the median time of
 * - sample: z -> (x, log q) without gradient, including the dataSync of x and log q;
 * - train: one score-function step as the trainer does it: sample x, weights w = f/q in float64
 *   JS for f = exp(-sum((x-0.5)^2)/0.04), loss = -mean(c * log q(x)) with the constant
 *   c = w^2 / mean(w^2), gradients by tf.variableGrads through the inverse pass, Adam update.
 * The peak tensor memory of one training step comes from tf.profile.
 *
 * Options: --reps N (timed repetitions, default 5), --warmup N (default 2).
 */
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../backend';
import { defaultFlowConfig, Flow } from '../flow';
import type { SplineKind } from '../flow/types';
import { Rng } from '../rng';

/** PyTorch reference: one training step at 5000 points, milliseconds, by dimension. */
const torchTrainMs: Record<number, number> = { 4: 155, 8: 304 };

interface Timing {
  /** Median wall-clock milliseconds. */
  wall: number;
  /** Median CPU milliseconds of this process (user + system): robust when other processes share the cores. */
  cpu: number;
}

interface Row {
  d: number;
  spline: SplineKind;
  n: number;
  sample: Timing;
  train: Timing;
  peakMB: number;
}

function median(xs: number[]): number {
  const s = xs.slice().sort((a, b) => a - b);
  const h = s.length >> 1;
  return s.length % 2 ? s[h] : (s[h - 1] + s[h]) / 2;
}

function gauss(x: Float32Array, n: number, d: number, out: Float64Array): void {
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let k = 0; k < d; k++) {
      const u = x[i * d + k] - 0.5;
      s += u * u;
    }
    out[i] = Math.exp(-s / 0.04);
  }
}

class Bench {
  private readonly rng = new Rng(1234, 2);
  private readonly z: Float32Array;
  private readonly f: Float64Array;
  private readonly optimizer: tf.Optimizer = tf.train.adam(1e-3);

  constructor(
    private readonly flow: Flow,
    private readonly n: number,
  ) {
    this.z = new Float32Array(n * flow.dim);
    this.f = new Float64Array(n);
  }

  sample(): { x: Float32Array; logQ: Float32Array } {
    this.rng.fill(this.z);
    const zt = tf.tensor2d(this.z, [this.n, this.flow.dim]);
    const out = tf.tidy(() => this.flow.forward(zt));
    const x = out.x.dataSync() as Float32Array;
    const logQ = out.logQ.dataSync() as Float32Array;
    tf.dispose([zt, out.x, out.logQ]);
    return { x, logQ };
  }

  train(): void {
    const { n } = this;
    const d = this.flow.dim;
    const { x, logQ } = this.sample();
    gauss(x, n, d, this.f);
    const c = new Float64Array(n);
    let mean = 0;
    for (let i = 0; i < n; i++) {
      const w = this.f[i] / Math.exp(logQ[i]);
      c[i] = w * w;
      mean += c[i] / n;
    }
    const coef = Float32Array.from(c, (v) => v / mean);
    tf.tidy(() => {
      const xt = tf.tensor2d(x, [n, d]);
      const ct = tf.tensor1d(coef);
      const { grads } = tf.variableGrads(
        () => tf.neg(tf.mean(tf.mul(ct, this.flow.logProb(xt)))) as tf.Scalar,
        this.flow.variables,
      );
      this.optimizer.applyGradients(grads);
    });
  }

  dispose(): void {
    this.optimizer.dispose();
  }
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
  return { wall: median(wall), cpu: median(cpu) };
}

function fmt(t: Timing): string {
  return `${t.wall.toFixed(1)} (${t.cpu.toFixed(1)})`;
}

function argInt(name: string, fallback: number): number {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number.parseInt(process.argv[i + 1], 10) : fallback;
}

async function main(): Promise<void> {
  const reps = argInt('--reps', 5);
  const warmup = argInt('--warmup', 2);
  const info = await initBackend('wasm');
  console.log(`backend ${info.name}; median of ${reps} runs after ${warmup} warm-up runs`);
  const rows: Row[] = [];
  for (const d of [4, 8]) {
    for (const spline of ['rqs', 'pwlinear'] as SplineKind[]) {
      for (const n of [5000, 10000]) {
        const flow = Flow.create(defaultFlowConfig({ dim: d, spline }), 1);
        const bench = new Bench(flow, n);
        const sample = time(() => bench.sample(), warmup, reps);
        const train = time(() => bench.train(), warmup, reps);
        const profile = await tf.profile(() => bench.train());
        const row = { d, spline, n, sample, train, peakMB: profile.peakBytes / 2 ** 20 };
        rows.push(row);
        bench.dispose();
        flow.dispose();
        console.log(
          `d=${d} ${spline.padEnd(8)} n=${String(n).padStart(5)}  sample ${fmt(sample)} ms` +
            `  train ${fmt(train)} ms  peak ${row.peakMB.toFixed(0)} MB`,
        );
      }
    }
  }
  console.log('\nwall-clock median ms (CPU ms of this process in parentheses)');
  console.log('| d | spline | n | sample ms | train ms | peak MB | train / torch (n=5000) |');
  console.log('|---|---|---|---|---|---|---|');
  for (const r of rows) {
    const ref = r.n === 5000 ? `${(r.train.wall / torchTrainMs[r.d]).toFixed(2)}x of ${torchTrainMs[r.d]} ms` : '';
    console.log(`| ${r.d} | ${r.spline} | ${r.n} | ${fmt(r.sample)} | ${fmt(r.train)} | ${r.peakMB.toFixed(0)} | ${ref} |`);
  }
  const mem = process.memoryUsage();
  console.log(`\nprocess rss ${(mem.rss / 2 ** 20).toFixed(0)} MB (the wasm heap is never returned to the OS)`);
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
