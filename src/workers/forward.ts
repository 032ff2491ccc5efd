/**
 * Worker threads for long evaluations of a flow: each holds a copy of the flow and maps chunks
 * z to x = T(z) and log q (the 'forward' request), with the weights sent along. The chunks and
 * their order are the caller's (runImportance, src/estimate/importance.ts), so where a chunk
 * ran never changes the numbers.
 */
import type { ChainDraw } from '../flow/draw';
import type { Flow } from '../flow/flow';
import { startWorkers, stopWorkers, type WorkerHandle } from './start';

/** A pool of worker threads that evaluate x = T(z) and log q for chunks of a flow's final estimate. */
export class ForwardPool {
  private constructor(
    private readonly handles: WorkerHandle[],
    private readonly weights: Float32Array,
  ) {}

  /** Number of workers. */
  get size(): number {
    return this.handles.length;
  }

  /**
   * A pool of threads - 1 workers for `flow` (its current weights), or null when workers
   * cannot run (one thread, a native backend, no compiled worker script) or fail to start
   * (the reason goes to `log`).
   */
  static async create(flow: Flow, threads: number, backend: string, log?: (message: string) => void): Promise<ForwardPool | null> {
    const chunk = 1 << 30; // the caller's chunks are already bounded
    const started = await startWorkers({ count: threads - 1, backend, config: flow.config, chunk });
    if (!started.ok) {
      if (started.failed) log?.(`evaluation: workers unavailable (${started.reason})`);
      return null;
    }
    log?.(`evaluation: ${threads - 1} worker thread(s)`);
    return new ForwardPool(started.handles, flow.getFlatWeights());
  }

  /** x = T(z) [n * d] and log q [n] on worker `i` (z [n * d] is transferred to it). */
  async forward(i: number, z: Float32Array, n: number): Promise<ChainDraw> {
    const request = { type: 'forward' as const, weights: this.weights, z, n };
    const reply = await this.handles[i].request(request, [z.buffer as ArrayBuffer]);
    return reply as ChainDraw;
  }

  /** Stops the workers. */
  async close(): Promise<void> {
    await stopWorkers(this.handles);
  }
}
