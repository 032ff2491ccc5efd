/**
 * Starting and stopping the worker threads of a run. The wasm backend runs on one thread, so
 * worker threads, each with its own tfjs engine and a copy of the flow (src/workers/worker.ts),
 * are how training slices (src/train/steps.ts) and long evaluations (src/workers/forward.ts)
 * use more than one core. Where a piece of work runs never changes a number: the callers fix
 * the pieces and the order in which they are combined.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { BackendChoice } from '../backend';
import type { FlowConfig } from '../flow/types';
import type { WorkerInit, WorkerReply, WorkerRequest } from './protocol';

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
 * training slice count (part of the seed's numbers) is still `sliceCount(batch, requested)`.
 */
export function usableThreads(requested: number): number {
  return Math.max(1, Math.min(requested, availableCores()));
}

/**
 * The compiled worker script: worker.js beside this module (dist/workers/), or, when running
 * from the TypeScript sources (tests), dist/workers/worker.js of the build; undefined when
 * neither exists.
 */
export function workerScript(): string | undefined {
  const candidates = [path.join(__dirname, 'worker.js'), path.resolve(__dirname, '../../dist/workers/worker.js')];
  return candidates.find((p) => fs.existsSync(p));
}

/** A request without its id (distributes Omit over the union). */
type WorkerRequestBody = WorkerRequest extends infer R ? (R extends WorkerRequest ? Omit<R, 'id'> : never) : never;

interface Pending {
  resolve: (reply: WorkerReply) => void;
  reject: (error: Error) => void;
}

/** One worker thread, with request ids matched to replies. */
export class WorkerHandle {
  private readonly worker: Worker;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private failure: Error | null = null;
  /** Resolves once the worker has its backend and flow; rejects when it fails to start. */
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
    this.ready.catch(() => undefined); // observed by startWorkers
  }

  /**
   * Sends a request (the buffers in `transfer` move to the worker) and resolves with its reply.
   * @throws Error (rejects) when the worker answers with an error, has failed or was stopped.
   */
  request(req: WorkerRequestBody, transfer: ArrayBuffer[] = []): Promise<WorkerReply> {
    if (this.failure) return Promise.reject(this.failure);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ ...req, id }, transfer);
    });
  }

  /** Stops the thread; later requests reject. */
  async terminate(): Promise<void> {
    this.worker.removeAllListeners('exit');
    this.failure = new Error('worker thread closed');
    await this.worker.terminate();
  }
}

/** What to start: `count` workers, each with a copy of the flow of `config`. */
export interface WorkerStartOptions {
  /** Worker threads wanted, besides the calling thread. */
  count: number;
  /** Active tfjs backend; workers run only for 'wasm' and 'cpu' (a native backend has its own threads). */
  backend: string;
  config: FlowConfig;
  /** Points per chunk of one forward or gradient pass in a worker. */
  chunk: number;
  /** 'never' starts none (the work then runs in the calling thread, with the same numbers). */
  workers?: 'auto' | 'never';
}

/**
 * Started workers, or why there are none: `failed` is false when they were not started (one
 * thread, workers disabled, a native backend, no compiled worker script), true when starting
 * them failed.
 */
export type WorkerStart = { ok: true; handles: WorkerHandle[] } | { ok: false; reason: string; failed: boolean };

/** Why workers cannot run here, or null when they can. */
function workersUnavailable(options: WorkerStartOptions, script: string | undefined): string | null {
  if (options.count < 1) return 'one thread';
  if (options.workers === 'never') return 'workers disabled';
  if (options.backend !== 'wasm' && options.backend !== 'cpu') return `backend ${options.backend}`;
  if (!script) return 'worker script not built';
  return null;
}

/**
 * Starts `options.count` workers and waits until each has its backend and flow (about 0.5 s).
 * Never throws: when workers cannot run, or one of them fails to start (then all are
 * stopped), the answer says why.
 */
export async function startWorkers(options: WorkerStartOptions): Promise<WorkerStart> {
  const script = workerScript();
  const why = workersUnavailable(options, script);
  if (why !== null) return { ok: false, reason: why, failed: false };
  const init: WorkerInit = { backend: options.backend as BackendChoice, config: options.config, chunk: options.chunk };
  const handles: WorkerHandle[] = [];
  try {
    for (let i = 0; i < options.count; i++) handles.push(new WorkerHandle(script as string, init));
    await Promise.all(handles.map((h) => h.ready));
  } catch (e) {
    await stopWorkers(handles);
    return { ok: false, reason: (e as Error).message, failed: true };
  }
  return { ok: true, handles };
}

/** Stops every worker of `handles`. */
export async function stopWorkers(handles: readonly WorkerHandle[]): Promise<void> {
  await Promise.all(handles.map((h) => h.terminate()));
}
