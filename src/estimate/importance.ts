/**
 * Importance sampling with a trained flow: z ~ U[0,1]^d (seeded, float64 -> float32),
 * x = T(z) and log q(x) from the same forward pass, weights w = f(phi(x)) |det dphi/dx| / q(x) in float64
 * (phi: the domain map, src/domain.ts).
 */
import * as tf from '@tensorflow/tfjs';
import { premapped, type ChainDraw, type FlowDraw } from '../flow/draw';
import type { Flow } from '../flow/flow';
import type { Problem } from '../problem';
import type { Rng } from '../rng';
import type { NanPolicy } from '../sampling';
import { streamChunks, type StreamHooks } from './evaluate';
import type { Moments } from './stats';

export { PARALLEL_MIN_SAMPLES, SAMPLE_CHUNK } from './evaluate';
import { SAMPLE_CHUNK } from './evaluate';

/**
 * x = V(T(z)) and log q for z [n * d] (n <= a few 1e4; callers chunk), read back from tfjs;
 * V is the flow's premap (identity without one).
 */
export function mapThroughFlow(flow: Flow, z: Float32Array, n: number): FlowDraw {
  const zt = tf.tensor2d(z.subarray(0, n * flow.dim), [n, flow.dim]);
  const out = flow.forward(zt);
  zt.dispose();
  const x = out.x.dataSync() as Float32Array;
  const logQ = out.logQ.dataSync() as Float32Array;
  out.x.dispose();
  out.logQ.dispose();
  return premapped(flow, { x, logQ }, n);
}

/** Draw n points from the flow (n <= a few 1e4; callers chunk). */
export function drawFromFlow(flow: Flow, rng: Rng, n: number, zBuf?: Float32Array): FlowDraw {
  const d = flow.config.dim;
  const z = zBuf && zBuf.length >= n * d ? zBuf.subarray(0, n * d) : new Float32Array(n * d);
  rng.fill(z);
  return mapThroughFlow(flow, z, n);
}

/** Something that maps z to (x, log q) on worker i of `size` (see ForwardPool, src/workers/forward.ts). */
export interface ForwardWorkers {
  readonly size: number;
  forward(i: number, z: Float32Array, n: number): Promise<ChainDraw>;
}

/**
 * Importance-sampled estimate from n fresh flow samples, accumulated into `moments`. With
 * `workers`, chunks are mapped ahead in parallel: chunk k runs on worker (k mod (W + 1)) - 1,
 * or here when that is -1. z is drawn in chunk order and the chunks are weighed in order, so
 * the numbers are the same with or without workers.
 */
export async function runImportance(
  problem: Problem,
  flow: Flow,
  n: number,
  rng: Rng,
  moments: Moments,
  nan: NanPolicy,
  hooks: StreamHooks = {},
  workers?: ForwardWorkers,
): Promise<Moments> {
  const d = problem.dim;
  if (!workers || workers.size === 0) {
    const zBuf = new Float32Array(Math.min(SAMPLE_CHUNK, n) * d);
    return streamChunks(problem, n, SAMPLE_CHUNK, moments, nan, 'evaluation', hooks, (m) => {
      const { x, logQ } = drawFromFlow(flow, rng, m, zBuf);
      return { u: x, logQ };
    });
  }
  const slots = workers.size + 1;
  const size = Math.min(SAMPLE_CHUNK, n);
  const chunks = Math.ceil(n / size);
  // per chunk: a promise (on a worker) or the z to map here when its turn comes
  const pending: (Promise<ChainDraw> | Float32Array)[] = [];
  let next = 0;
  const dispatch = (upTo: number) => {
    for (; next < Math.min(upTo, chunks); next++) {
      const m = Math.min(size, n - next * size);
      const z = new Float32Array(m * d);
      rng.fill(z);
      const slot = next % slots;
      if (slot === 0) pending[next] = z;
      else {
        const p = workers.forward(slot - 1, z, m);
        p.catch(() => undefined); // observed when awaited; unobserved if the run stops early
        pending[next] = p;
      }
    }
  };
  let k = 0;
  return streamChunks(problem, n, SAMPLE_CHUNK, moments, nan, 'evaluation', hooks, async (m) => {
    dispatch(k + slots);
    const item = pending[k];
    delete pending[k];
    k++;
    const { x, logQ } = item instanceof Float32Array ? mapThroughFlow(flow, item, m) : premapped(flow, await item, m);
    return { u: x, logQ };
  });
}
