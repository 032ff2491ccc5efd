/**
 * Messages between the main thread and a worker thread (src/workers/worker.ts). Each worker
 * holds its own tfjs engine and a copy of the flow:
 *
 *   { id, type: 'sample', weights, z, n }  ->  { id, x, logQ }   (training: x kept for the gradient)
 *   { id, type: 'gradient', coef, batch }  ->  { id, grad }
 *   { id, type: 'forward', weights, z, n } ->  { id, x, logQ }   (evaluation: nothing kept)
 *
 * z, x are row-major [n * d] float32, logQ [n] float32, grad the flat float64 gradient in the
 * order of `flow.variables`. After start-up a worker posts { type: 'ready' } (or
 * { type: 'failed', error }). A failed request answers { id, error } and the worker stays usable.
 */
import type { BackendChoice } from '../backend';
import type { FlowConfig } from '../flow/types';

/** What a worker is started with (its `workerData`). */
export interface WorkerInit {
  backend: BackendChoice;
  config: FlowConfig;
  /** Points per chunk of one forward or gradient pass. */
  chunk: number;
}

/** A request to a worker (see the module comment for the replies). */
export type WorkerRequest =
  | { id: number; type: 'sample'; weights: Float32Array; z: Float32Array; n: number }
  | { id: number; type: 'forward'; weights: Float32Array; z: Float32Array; n: number }
  | { id: number; type: 'gradient'; coef: Float32Array; batch: number };

/** A worker's reply: start-up status, the result of a request, or its error. */
export type WorkerReply =
  | { type: 'ready' }
  | { type: 'failed'; error: string }
  | { id: number; x: Float32Array; logQ: Float32Array }
  | { id: number; grad: Float64Array }
  | { id: number; error: string };
