/**
 * Entry of a worker thread (started by src/workers/start.ts; compiled to dist/workers/worker.js).
 * It holds its own tfjs engine and a copy of the flow, and answers the requests of
 * src/workers/protocol.ts with a SliceComputer (src/train/slice.ts): 'sample' and 'gradient'
 * for its slice of each training batch, 'forward' for chunks of an evaluation.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { initBackend } from '../backend';
import { Flow } from '../flow/flow';
import { SliceComputer } from '../train/slice';
import type { WorkerInit, WorkerReply, WorkerRequest } from './protocol';

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
