/**
 * Data-parallel training steps. A batch of B points is cut into T = `threads` slices,
 * slice s = [floor(s B / T), floor((s + 1) B / T)). Slice 0 runs in this thread on the flow
 * itself; slices 1..T-1 run in worker threads, each with its own tfjs engine and a copy of the
 * flow whose weights are refreshed at every step. The wasm backend runs on one thread, so this
 * is how training uses more than one core.
 *
 * The slices, and the float64 sum of their gradients in slice order, depend only on B and T,
 * never on where a slice ran: with workers or without (sequentially in this thread), the same
 * seed and T give the same numbers. `ForwardPool` lends the same workers to long evaluations
 * (see estimate/importance.ts), again without changing a number.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { BackendChoice } from '../backend';
import type { ChainDraw } from '../estimate/importance';
import type { Flow } from '../flow/flow';
import { SliceComputer } from './slice';
import type { WorkerInit, WorkerReply, WorkerRequest } from './worker';

/** Largest number of training threads (slices). */
export { MAX_THREADS } from './limits';
import { MAX_THREADS } from './limits';

export interface StepEngineOptions {
  /** Number of slices; slices after the first go to worker threads where possible. */
  threads: number;
  /** Points per chunk of one forward or gradient pass. */
  chunk: number;
  /** Active tfjs backend; workers run only for 'wasm' and 'cpu' (a native backend has its own threads). */
  backend: string;
  /** 'auto' (default) starts workers when threads > 1 and the backend allows it; 'never' computes every slice here. */
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

/**
 * Threads this process may run at once: the CPUs of its affinity mask (a Slurm task with
 * --cpus-per-task=1 gets 1), at least 1.
 */
export function availableCores(): number {
  return Math.max(1, typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length);
}

/**
 * Threads to start for `requested` (--threads): never more than the available cores, so a
 * task given one CPU stays on one thread. Only where work runs changes, never a number: the
 * slice count (part of the seed's numbers) is still `sliceCount(batch, requested)`.
 */
export function usableThreads(requested: number): number {
  return Math.max(1, Math.min(requested, availableCores()));
}

/** Bounds of slice s of T over a batch of B points. */
export function sliceBounds(batch: number, threads: number, s: number): [number, number] {
  return [Math.floor((s * batch) / threads), Math.floor(((s + 1) * batch) / threads)];
}

export interface StepEngine {
  readonly threads: number;
  /** Number of worker threads in use (0 when every slice runs here). */
  readonly workers: number;
  /**
   * x = T(z) and log q for the batch z [batch * d], with the flow's current weights (pass
   * them flat, as from flow.getFlatWeights(), when they are at hand).
   */
  sample(z: Float32Array, batch: number, weights?: Float32Array): Promise<ChainDraw>;
  /** Flat float64 gradient of -sum_i coef_i log q(x_i) / batch over the points of the last `sample`. */
  gradient(coef: Float32Array, batch: number): Promise<Float64Array>;
  close(): Promise<void>;
}

/** The compiled worker script, also from the TypeScript sources (tests): dist/train/worker.js. */
export function workerScript(): string | undefined {
  const candidates = [path.join(__dirname, 'worker.js'), path.resolve(__dirname, '../../dist/train/worker.js')];
  return candidates.find((p) => fs.existsSync(p));
}

/** A request without its id (distributes Omit over the union). */
type WorkerRequestBody = WorkerRequest extends infer R ? (R extends WorkerRequest ? Omit<R, 'id'> : never) : never;

interface Pending {
  resolve: (reply: WorkerReply) => void;
  reject: (error: Error) => void;
}

/** One worker thread with request ids. */
class WorkerHandle {
  private readonly worker: Worker;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private failure: Error | null = null;
  readonly ready: Promise<void>;

  constructor(script: string, init: WorkerInit) {
    this.worker = new Worker(script, { workerData: init });
    this.ready = new Promise((resolve, reject) => {
      const onMessage = (reply: WorkerReply) => {
        if ('type' in reply) {
          if (reply.type === 'ready') resolve();
          else reject(new Error(`worker thread failed to start: ${reply.error}`));
          return;
        }
        const p = this.pending.get(reply.id);
        if (!p) return;
        this.pending.delete(reply.id);
        if ('error' in reply) p.reject(new Error(`worker thread: ${reply.error}`));
        else p.resolve(reply);
      };
      const onFailure = (e: Error) => {
        this.failure = e;
        reject(e);
        for (const p of this.pending.values()) p.reject(e);
        this.pending.clear();
      };
      this.worker.on('message', onMessage);
      this.worker.on('error', onFailure);
      this.worker.on('exit', (code) => onFailure(new Error(`worker thread exited with code ${code}`)));
    });
    this.ready.catch(() => undefined); // observed by the engine
  }

  request(req: WorkerRequestBody, transfer: ArrayBuffer[] = []): Promise<WorkerReply> {
    if (this.failure) return Promise.reject(this.failure);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ ...req, id }, transfer);
    });
  }

  async terminate(): Promise<void> {
    this.worker.removeAllListeners('exit');
    this.failure = new Error('worker thread closed');
    await this.worker.terminate();
  }
}

class Engine implements StepEngine {
  private readonly local: SliceComputer[];
  private bounds: [number, number][] = [];

  constructor(
    readonly threads: number,
    private readonly flow: Flow,
    chunk: number,
    private readonly handles: WorkerHandle[],
  ) {
    // slices without a worker run here, each with its own computer (it keeps its x)
    const localCount = threads - handles.length;
    this.local = Array.from({ length: localCount }, () => new SliceComputer(flow, chunk));
  }

  get workers(): number {
    return this.handles.length;
  }

  /** Slice s runs here when s < local.length, else on worker s - local.length. */
  async sample(z: Float32Array, batch: number, current?: Float32Array): Promise<ChainDraw> {
    const d = this.flow.dim;
    this.bounds = Array.from({ length: this.threads }, (_, s) => sliceBounds(batch, this.threads, s));
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
    await Promise.all(this.handles.map((h) => h.terminate()));
  }
}

/** Starts `count` workers and waits until each has its backend and flow; stops them all on failure. */
async function startWorkers(script: string, count: number, init: WorkerInit): Promise<WorkerHandle[]> {
  const handles = Array.from({ length: count }, () => new WorkerHandle(script, init));
  try {
    await Promise.all(handles.map((h) => h.ready));
  } catch (e) {
    await Promise.all(handles.map((h) => h.terminate()));
    throw e;
  }
  return handles;
}

/** Why workers cannot run here, or null when they can. */
function workersUnavailable(
  threads: number,
  backend: string,
  script: string | undefined,
  workers?: 'auto' | 'never',
): string | null {
  if (threads === 1) return 'one thread';
  if (workers === 'never') return 'workers disabled';
  if (backend !== 'wasm' && backend !== 'cpu') return `backend ${backend}`;
  if (!script) return 'worker script not built';
  return null;
}

/**
 * Workers for the evaluation: each holds a copy of the flow and maps z to x and log q
 * (`forward`), with the weights sent along. The chunks and their order are the caller's, so
 * where a chunk ran never changes the numbers.
 */
export class ForwardPool {
  private constructor(
    private readonly handles: WorkerHandle[],
    private readonly weights: Float32Array,
  ) {}

  /** Number of workers. */
  get size(): number {
    return this.handles.length;
  }

  /** A pool of threads - 1 workers for `flow`, or null when workers cannot run (reason to `log`). */
  static async create(
    flow: Flow,
    threads: number,
    backend: string,
    log?: (message: string) => void,
  ): Promise<ForwardPool | null> {
    const script = workerScript();
    const why = workersUnavailable(threads, backend, script);
    if (why !== null) return null;
    try {
      const chunk = 1 << 30; // the caller's chunks are already bounded
      const init: WorkerInit = { backend: backend as BackendChoice, config: flow.config, chunk };
      const handles = await startWorkers(script as string, threads - 1, init);
      log?.(`evaluation: ${threads - 1} worker thread(s)`);
      return new ForwardPool(handles, flow.getFlatWeights());
    } catch (e) {
      log?.(`evaluation: workers unavailable (${(e as Error).message})`);
      return null;
    }
  }

  /** x = T(z) and log q on worker `i`. */
  async forward(i: number, z: Float32Array, n: number): Promise<ChainDraw> {
    const request = { type: 'forward' as const, weights: this.weights, z, n };
    const reply = await this.handles[i].request(request, [z.buffer as ArrayBuffer]);
    return reply as ChainDraw;
  }

  async close(): Promise<void> {
    await Promise.all(this.handles.map((h) => h.terminate()));
  }
}

/**
 * An engine with `threads` slices. Workers start when allowed (threads > 1, backend wasm or
 * cpu, compiled worker script present); if they cannot start, every slice runs here, with the
 * same results, and the reason goes to `log`.
 */
export async function createStepEngine(flow: Flow, options: StepEngineOptions): Promise<StepEngine> {
  const { threads, chunk, backend, log } = options;
  if (!(Number.isInteger(threads) && threads >= 1 && threads <= MAX_THREADS)) {
    throw new RangeError(`threads must be an integer in [1, ${MAX_THREADS}], got ${threads}`);
  }
  const script = workerScript();
  const why = workersUnavailable(threads, backend, script, options.workers);
  if (why !== null) {
    if (threads > 1) log?.(`training: ${threads} slices computed in this thread (${why})`);
    return new Engine(threads, flow, chunk, []);
  }
  let handles: WorkerHandle[];
  try {
    const init: WorkerInit = { backend: backend as BackendChoice, config: flow.config, chunk };
    handles = await startWorkers(script as string, threads - 1, init);
  } catch (e) {
    log?.(`training: workers unavailable (${(e as Error).message}); ${threads} slices computed in this thread`);
    return new Engine(threads, flow, chunk, []);
  }
  log?.(`training: ${threads} slices, ${threads - 1} worker thread(s)`);
  return new Engine(threads, flow, chunk, handles);
}
