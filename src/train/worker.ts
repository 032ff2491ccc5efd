/**
 * Worker thread of the parallel trainer (see parallel.ts). It holds its own tfjs engine and a
 * copy of the flow, and answers two requests for its slice of each batch:
 *
 *   { id, type: 'sample', weights, z, n }  ->  { id, x, logQ }   (kept for the gradient)
 *   { id, type: 'gradient', coef, batch }  ->  { id, grad }
 *   { id, type: 'forward', weights, z, n } ->  { id, x, logQ }   (evaluation: nothing kept)
 *
 * After start-up it posts { type: 'ready' } (or { type: 'failed', error }). A failed request
 * answers { id, error } and the worker stays usable.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { initBackend, type BackendChoice } from '../backend';
import { Flow } from '../flow/flow';
import type { FlowConfig } from '../flow/types';
import { SliceComputer } from './slice';

export interface WorkerInit {
  backend: BackendChoice;
  config: FlowConfig;
  chunk: number;
}

export type WorkerRequest =
  | { id: number; type: 'sample'; weights: Float32Array; z: Float32Array; n: number }
  | { id: number; type: 'forward'; weights: Float32Array; z: Float32Array; n: number }
  | { id: number; type: 'gradient'; coef: Float32Array; batch: number };

export type WorkerReply =
  | { type: 'ready' }
  | { type: 'failed'; error: string }
  | { id: number; x: Float32Array; logQ: Float32Array }
  | { id: number; grad: Float64Array }
  | { id: number; error: string };

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

async function main(): Promise<void> {
  const port = parentPort;
  if (!port) return;
  const init = workerData as WorkerInit;
  let computer: SliceComputer;
  try {
    const info = await initBackend(init.backend);
    if (info.name !== init.backend) throw new Error(`backend ${init.backend} unavailable, got ${info.name}`);
    computer = new SliceComputer(Flow.create(init.config, 0), init.chunk);
  } catch (e) {
    port.postMessage({ type: 'failed', error: message(e) } satisfies WorkerReply);
    return;
  }
  port.on('message', (req: WorkerRequest) => {
    try {
      if (req.type === 'sample' || req.type === 'forward') {
        computer.flow.setFlatWeights(req.weights);
        const keep = req.type === 'sample';
        const { x, logQ } = computer.sample(req.z, req.n, keep);
        const xOut = keep ? x.slice() : x; // the computer keeps x for the gradient
        const reply: WorkerReply = { id: req.id, x: xOut, logQ };
        port.postMessage(reply, [xOut.buffer as ArrayBuffer, logQ.buffer as ArrayBuffer]);
      } else {
        const grad = computer.gradient(req.coef, req.batch);
        port.postMessage({ id: req.id, grad } satisfies WorkerReply, [grad.buffer as ArrayBuffer]);
      }
    } catch (e) {
      port.postMessage({ id: req.id, error: message(e) } satisfies WorkerReply);
    }
  });
  port.postMessage({ type: 'ready' } satisfies WorkerReply);
}

void main();
