import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../src/backend';
import { defaultFlowConfig, Flow } from '../../src/flow/flow';
import type { SplineKind } from '../../src/flow/types';
import { Rng } from '../../src/rng';
import { perturbOutputLayers } from './reference';

export const backends = ['cpu', 'wasm'] as const;
export type TestBackend = (typeof backends)[number];

/** Makes `name` the active tfjs backend. */
export async function useBackend(name: TestBackend): Promise<void> {
  await initBackend(name);
  expect(tf.getBackend()).toBe(name);
}

/** n x d uniform numbers in (0,1) from a seeded Rng, as float32 values. */
export function uniform(n: number, d: number, seed: number): Float32Array {
  return new Rng(seed, 9).fill(new Float32Array(n * d)) as Float32Array;
}

/** Largest absolute difference of two equally long arrays. */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

/**
 * Flow of dimension d with bins=8, hidden [16, 16] and perturbed output layers. The default noise
 * scale gives max |log q| of about 1 to 8 for d = 1..16 (wider MLP inputs sharpen the splines,
 * so the scale shrinks with d); much sharper maps lose the float32 inverse (see tfjs-probe).
 */
export function perturbedFlow(dim: number, spline: SplineKind, seed = 3, scale = dim > 8 ? 0.1 : 0.3): Flow {
  const flow = Flow.create(defaultFlowConfig({ dim, spline, bins: 8, hidden: [16, 16] }), seed);
  perturbOutputLayers(flow, seed + 100, scale);
  return flow;
}

/** Sampling pass on plain arrays: x and log q for z [n, d]. */
export function forwardData(flow: Flow, z: Float32Array, n: number): { x: Float32Array; logQ: Float32Array } {
  const zt = tf.tensor2d(z, [n, flow.dim]);
  const out = flow.forward(zt);
  const result = { x: out.x.dataSync() as Float32Array, logQ: out.logQ.dataSync() as Float32Array };
  tf.dispose([zt, out.x, out.logQ]);
  return result;
}

/** log q(x) [n] by the inverse pass, on plain arrays. */
export function logProbData(flow: Flow, x: Float32Array, n: number): Float32Array {
  const xt = tf.tensor2d(x, [n, flow.dim]);
  const lp = flow.logProb(xt);
  const result = lp.dataSync() as Float32Array;
  tf.dispose([xt, lp]);
  return result;
}
