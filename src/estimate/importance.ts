/**
 * Importance sampling with a trained flow: z ~ U[0,1]^d (seeded, float64 -> float32),
 * x = T(z) and log q(x) from the same forward pass, weights w = f(x) volume / q(x) in float64.
 */
import * as tf from '@tensorflow/tfjs';
import type { Flow } from '../flow/flow';
import type { Problem } from '../problem';
import type { Rng } from '../rng';
import { streamChunks, type NanPolicy, type StreamHooks } from './evaluate';
import type { Moments } from './stats';

/** Points per forward pass when sampling (bounded by the wasm heap, not by accuracy). */
export const SAMPLE_CHUNK = 16384;

export interface FlowDraw {
  /** Points in [0,1]^d, row-major, as the float32 values the flow produced. */
  x: Float32Array;
  /** log q(x) from the forward pass. */
  logQ: Float32Array;
}

/** Draw n points from the flow (n <= a few 1e4; callers chunk). */
export function drawFromFlow(flow: Flow, rng: Rng, n: number, zBuf?: Float32Array): FlowDraw {
  const d = flow.config.dim;
  const z = zBuf && zBuf.length >= n * d ? zBuf.subarray(0, n * d) : new Float32Array(n * d);
  rng.fill(z);
  const zt = tf.tensor2d(z, [n, d]);
  const out = flow.forward(zt);
  zt.dispose();
  const x = out.x.dataSync() as Float32Array;
  const logQ = out.logQ.dataSync() as Float32Array;
  out.x.dispose();
  out.logQ.dispose();
  return { x, logQ };
}

/** Importance-sampled estimate from n fresh flow samples, accumulated into `moments`. */
export async function runImportance(
  problem: Problem,
  flow: Flow,
  n: number,
  rng: Rng,
  moments: Moments,
  nan: NanPolicy,
  hooks: StreamHooks = {},
): Promise<Moments> {
  const zBuf = new Float32Array(Math.min(SAMPLE_CHUNK, n) * problem.dim);
  return streamChunks(problem, n, SAMPLE_CHUNK, moments, nan, 'evaluation', hooks, (m) => {
    const { x, logQ } = drawFromFlow(flow, rng, m, zBuf);
    return { u: x, logQ };
  });
}
