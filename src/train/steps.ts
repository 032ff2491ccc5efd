/**
 * Data-parallel training steps. A batch of B points is cut into S = `slices` slices,
 * slice s = [floor(s B / S), floor((s + 1) B / S)). Slice 0 runs in this thread on the flow
 * itself; slices 1..S-1 run in worker threads (src/workers/start.ts), each with its own tfjs
 * engine and a copy of the flow whose weights are refreshed at every step. The wasm backend
 * runs on one thread, so this is how training uses more than one core.
 *
 * The slices, and the float64 sum of their gradients in slice order, depend only on B and S,
 * never on where a slice ran: with workers or without (sequentially in this thread), the same
 * seed and S give the same numbers.
 */
import type { ChainDraw } from '../flow/draw';
import type { Flow } from '../flow/flow';
import { startWorkers, stopWorkers, type WorkerHandle } from '../workers/start';
import { MAX_THREADS } from './limits';
import { SliceComputer } from './slice';

/** How a training step is cut into slices and chunks, and where the slices run. */
export interface StepEngineOptions {
  /** Number of slices (at most MAX_THREADS); slices after the first go to worker threads where possible. */
  slices: number;
  /** Points per chunk of one forward or gradient pass. */
  chunk: number;
  /** Active tfjs backend; workers run only for 'wasm' and 'cpu' (a native backend has its own threads). */
  backend: string;
  /** 'auto' (default) starts workers when slices > 1 and the backend allows it; 'never' computes every slice here. */
  workers?: 'auto' | 'never';
  /** Debug log. */
  log?: (message: string) => void;
}

/**
 * Below this many points per slice a slice costs more in fixed per-op work (on wasm 10-30 us
 * per tfjs op, several hundred ops per step) than a second core saves: on this project's
 * 2-core machine two slices of 500 were no faster than one of 1000 (d = 4 and 8), two of
 * 1000 were 1.2x to 1.45x faster than one of 2000.
 */
export const MIN_SLICE_POINTS = 1000;

/**
 * Slices for a batch of B points with at most `threads`: min(threads, floor(B / 1000)), at
 * least 1. It depends only on B and --threads, never on the machine, so that a seed gives the
 * same numbers everywhere.
 */
export function sliceCount(batch: number, threads: number): number {
  return Math.max(1, Math.min(threads, Math.floor(batch / MIN_SLICE_POINTS)));
}

/** Bounds [a, b) of slice s of S = `slices` over a batch of B points. */
export function sliceBounds(batch: number, slices: number, s: number): [number, number] {
  return [Math.floor((s * batch) / slices), Math.floor(((s + 1) * batch) / slices)];
}

/** One training step's passes over the slices of a batch (see createStepEngine). */
export interface StepEngine {
  /** Number of slices of each batch. */
  readonly slices: number;
  /** Number of worker threads in use (0 when every slice runs here). */
  readonly workers: number;
  /**
   * x = T(z) and log q for the batch z [batch * d], with the flow's current weights (pass
   * them flat, as from flow.getFlatWeights(), when they are at hand).
   */
  sample(z: Float32Array, batch: number, weights?: Float32Array): Promise<ChainDraw>;
  /** Flat float64 gradient of -sum_i coef_i log q(x_i) / batch over the points of the last `sample`. */
  gradient(coef: Float32Array, batch: number): Promise<Float64Array>;
  /** Frees the local caches and stops the workers. */
  close(): Promise<void>;
}

class Engine implements StepEngine {
  private readonly local: SliceComputer[];
  private bounds: [number, number][] = [];

  constructor(
    readonly slices: number,
    private readonly flow: Flow,
    chunk: number,
    private readonly handles: WorkerHandle[],
  ) {
    // slices without a worker run here, each with its own computer (it keeps its x)
    const localCount = slices - handles.length;
    this.local = Array.from({ length: localCount }, () => new SliceComputer(flow, chunk));
  }

  get workers(): number {
    return this.handles.length;
  }

  /** Slice s runs here when s < local.length, else on worker s - local.length. */
  async sample(z: Float32Array, batch: number, current?: Float32Array): Promise<ChainDraw> {
    const d = this.flow.dim;
    this.bounds = Array.from({ length: this.slices }, (_, s) => sliceBounds(batch, this.slices, s));
    const weights = this.handles.length > 0 ? (current ?? this.flow.getFlatWeights()) : null;
    const remote = this.handles.map((h, i) => {
      const [a, b] = this.bounds[this.local.length + i];
      const zs = z.slice(a * d, b * d);
      const request = { type: 'sample' as const, weights: weights as Float32Array, z: zs, n: b - a };
      return h.request(request, [zs.buffer as ArrayBuffer]);
    });
    const x = new Float32Array(batch * d);
    const logQ = new Float32Array(batch);
    this.local.forEach((c, s) => {
      const [a, b] = this.bounds[s];
      const out = c.sample(z.subarray(a * d, b * d), b - a);
      x.set(out.x, a * d);
      logQ.set(out.logQ, a);
    });
    const replies = await Promise.all(remote);
    replies.forEach((r, i) => {
      const [a] = this.bounds[this.local.length + i];
      const out = r as { x: Float32Array; logQ: Float32Array };
      x.set(out.x, a * d);
      logQ.set(out.logQ, a);
    });
    return { x, logQ };
  }

  async gradient(coef: Float32Array, batch: number): Promise<Float64Array> {
    const remote = this.handles.map((h, i) => {
      const [a, b] = this.bounds[this.local.length + i];
      return h.request({ type: 'gradient', coef: coef.slice(a, b), batch });
    });
    const parts: Float64Array[] = this.local.map((c, s) => {
      const [a, b] = this.bounds[s];
      return c.gradient(coef.subarray(a, b), batch);
    });
    for (const r of await Promise.all(remote)) parts.push((r as { grad: Float64Array }).grad);
    // sum in slice order: local slices come first, then the workers' in order
    const total = new Float64Array(this.flow.parameterCount);
    for (const p of parts) for (let i = 0; i < total.length; i++) total[i] += p[i];
    return total;
  }

  async close(): Promise<void> {
    for (const c of this.local) c.disposeCaches();
    await stopWorkers(this.handles);
  }
}

/**
 * An engine with `slices` slices. Workers start when allowed (slices > 1, backend wasm or
 * cpu, compiled worker script present); if they cannot start, every slice runs here, with the
 * same results, and the reason goes to `log`.
 * @throws RangeError when `slices` is not an integer in [1, MAX_THREADS].
 */
export async function createStepEngine(flow: Flow, options: StepEngineOptions): Promise<StepEngine> {
  const { slices, chunk, backend, log } = options;
  if (!(Number.isInteger(slices) && slices >= 1 && slices <= MAX_THREADS)) {
    throw new RangeError(`slices must be an integer in [1, ${MAX_THREADS}], got ${slices}`);
  }
  const started = await startWorkers({ count: slices - 1, backend, config: flow.config, chunk, workers: options.workers });
  if (!started.ok) {
    if (started.failed) log?.(`training: workers unavailable (${started.reason}); ${slices} slices computed in this thread`);
    else if (slices > 1) log?.(`training: ${slices} slices computed in this thread (${started.reason})`);
    return new Engine(slices, flow, chunk, []);
  }
  log?.(`training: ${slices} slices, ${slices - 1} worker thread(s)`);
  return new Engine(slices, flow, chunk, started.handles);
}
