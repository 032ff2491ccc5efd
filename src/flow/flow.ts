/**
 * The i-flow normalizing flow on the unit hypercube (arXiv:2001.05486): a chain of J spline
 * couplings x = T(z) = C_{J-1}(... C_0(z)) with z ~ U[0,1]^d. The base density is 1, so
 *
 *   sampling direction:  log q(x) = -sum_j log|det dC_j/dz_j|,
 *   density at given x:  log q(x) = +sum_j log|det dC_j^{-1}/dx_j|  (inverse pass, last layer first).
 *
 * All methods run in their own tf.tidy and return only the tensors they document; the caller
 * disposes those (or wraps the call in its own tidy).
 */
import * as tf from '@tensorflow/tfjs';
import { Rng, Stream } from '../rng';
import { Coupling, type CouplingCache } from './coupling';
import { buildMasks } from './masks';
import type { NamedVariable } from './mlp';
import { getSplineFamily } from './splines';
import { useFused } from './splines/fused';
import { splineKinds, type FlowConfig, type SerializedWeights, type SplineKind } from './types';
import type { Premap } from './premap';

/** Options of `defaultFlowConfig`; unset fields take the defaults noted on each. */
export interface FlowConfigOptions {
  dim: number;
  /** Spline family (default 'rqs'). */
  spline?: SplineKind;
  /** Bins per spline (default 16). */
  bins?: number;
  /** Coupling layers (default J_min of `dim`). */
  layers?: number;
  /** Hidden widths of each coupling MLP (default [32, 32, 32]). */
  hidden?: number[];
  /** One-blob encoding bins; 0 = off (default). */
  blob?: number;
  /** Allow fewer layers than J_min (the caller should warn). */
  force?: boolean;
}

/**
 * A complete FlowConfig with defaults (rqs, 16 bins, J_min layers, hidden [32, 32, 32], no
 * one-blob) and the masks from buildMasks.
 * @throws RangeError when dim is not a positive integer, or layers is not a positive integer
 *   or is below J_min without `force`.
 */
export function defaultFlowConfig(options: FlowConfigOptions): FlowConfig {
  const { dim, spline = 'rqs', bins = 16, hidden = [32, 32, 32], blob = 0 } = options;
  const masks = buildMasks(dim, options.layers, options.force ?? false);
  return { dim, spline, bins, layers: masks.length, hidden: hidden.slice(), blob, masks };
}

/** Plain-data form of a flow (config plus every weight by name). */
export interface SerializedFlow {
  config: FlowConfig;
  weights: SerializedWeights[];
}

/**
 * i-flow normalizing flow on [0,1]^d (Gao, Isaacson, Krause, arXiv:2001.05486): a chain of
 * coupling layers from uniform z to x with log q(x) in nats, float32 tensors `[n, d]` and `[n]`,
 * optionally on top of a fixed `premap`. Build with `Flow.create` or `Flow.deserialize`; free its
 * variables with `dispose`.
 */
export class Flow {
  readonly config: FlowConfig;
  /** Trainable variables, in the order of `serialize().weights`. */
  readonly variables: tf.Variable[];
  /**
   * The fixed map V under the flow (src/flow/premap.ts): samples are u = V(T(z)); null for the
   * bare flow of the i-flow paper. Applied by every sampling path (mapThroughFlow, training).
   */
  premap: Premap | null = null;

  private readonly couplings: Coupling[];
  private readonly params: NamedVariable[];

  private constructor(config: FlowConfig, rng: Rng | undefined) {
    validateConfig(config);
    this.config = copyConfig(config);
    const family = getSplineFamily(config.spline);
    this.couplings = config.masks.map(
      (mask, j) => new Coupling({ mask, family, bins: config.bins, hidden: config.hidden, blob: config.blob }, rng, `coupling${j}`),
    );
    this.params = this.couplings.flatMap((c) => c.params);
    this.variables = this.params.map((p) => p.variable);
  }

  /**
   * A new flow with weights drawn from `seed` (stream Stream.init); the output layers are zero,
   * so the flow starts as the identity map.
   * @throws RangeError on an invalid config (dimension, kind, bins, widths, masks).
   */
  static create(config: FlowConfig, seed: number): Flow {
    return new Flow(config, new Rng(seed, Stream.init));
  }

  /**
   * Rebuilds a flow from `serialize()` output; the weights are restored exactly.
   * @throws RangeError on an invalid config; Error when a weight is missing, misshapen or not finite.
   */
  static deserialize(data: SerializedFlow): Flow {
    const flow = new Flow(data.config, undefined);
    try {
      flow.setWeights(data.weights);
    } catch (e) {
      flow.dispose();
      throw e;
    }
    return flow;
  }

  get dim(): number {
    return this.config.dim;
  }

  /** Number of trainable scalars. */
  get parameterCount(): number {
    return this.variables.reduce((s, v) => s + v.size, 0);
  }

  /** Sampling direction: z [n, d] in [0,1]^d -> x = T(z) and log q(x) [n]. */
  forward(z: tf.Tensor2D): { x: tf.Tensor2D; logQ: tf.Tensor1D } {
    return tf.tidy(() => {
      const { y, logAbsDet } = this.chain(z, false);
      return { x: y, logQ: tf.neg(logAbsDet) };
    });
  }

  /** Inverse direction: x [n, d] -> z = T^{-1}(x) and log q(x) [n]. */
  inverse(x: tf.Tensor2D): { z: tf.Tensor2D; logQ: tf.Tensor1D } {
    return tf.tidy(() => {
      const { y, logAbsDet } = this.chain(x, true);
      return { z: y, logQ: logAbsDet };
    });
  }

  /**
   * True when training can take its gradients from a cached sampling pass (`forwardCached` and
   * `cachedGradient`): fused spline kernels on this backend, and every coupling an MLP
   * without one-blob encoding. Otherwise the gradient comes from autodiff through `logProb`.
   */
  get supportsCachedGradient(): boolean {
    return useFused() && this.couplings.every((c) => c.supportsCache);
  }

  /** `forward` (no gradient tape), keeping each coupling's cache for `cachedGradient`. */
  forwardCached(z: tf.Tensor2D): { x: tf.Tensor2D; logQ: tf.Tensor1D; cache: CouplingCache[] } {
    return tf.tidy(() => {
      let y = z;
      let logAbsDet: tf.Tensor1D | undefined;
      const cache: CouplingCache[] = [];
      for (const c of this.couplings) {
        const out = c.forwardCached(y);
        y = out.y;
        logAbsDet = logAbsDet ? tf.add<tf.Tensor1D>(logAbsDet, out.logAbsDet) : out.logAbsDet;
        cache.push(out.cache);
      }
      return { x: y, logQ: tf.neg(logAbsDet as tf.Tensor1D), cache };
    });
  }

  /**
   * Gradients (in the order of `variables`) of sum_i weight_i log q(x_i) at the points x of
   * the `forwardCached` call that made `cache`, with log q taken through the inverse pass as
   * `logProb` does. The inverse chain runs from x to z, so its reverse pass visits the
   * couplings from the first to the last; each uses the forward pass's values (the inverse
   * pass would recompute them) and its hand-written reverse pass (Coupling.backwardInverse).
   */
  cachedGradient(cache: readonly CouplingCache[], weight: tf.Tensor1D): tf.Tensor[] {
    if (cache.length !== this.couplings.length) {
      throw new RangeError(`expected ${this.couplings.length} coupling caches, got ${cache.length}`);
    }
    return tf.tidy(() => {
      const n = weight.shape[0];
      let uBar = tf.zeros([n, this.dim]) as tf.Tensor2D; // log q does not depend on z
      const grads: tf.Tensor[][] = [];
      this.couplings.forEach((c, j) => {
        const out = c.backwardInverse(cache[j], uBar, weight);
        uBar = out.yBar;
        grads.push(out.grads);
      });
      return grads.flat();
    });
  }

  /** log q(x) [n] by the inverse pass; differentiable with respect to `variables`. */
  logProb(x: tf.Tensor2D): tf.Tensor1D {
    return tf.tidy(() => this.chain(x, true).logAbsDet);
  }

  /** All weights as plain numbers (float32 values, exact). */
  serialize(): SerializedFlow {
    return {
      config: copyConfig(this.config),
      weights: this.params.map(({ name, variable }) => ({
        name,
        shape: variable.shape.slice(),
        values: Array.from(variable.dataSync()),
      })),
    };
  }

  /** Overwrites every weight; names, shapes and sizes must match this flow's. */
  setWeights(weights: readonly SerializedWeights[]): void {
    if (weights.length !== this.params.length) {
      throw new Error(`expected ${this.params.length} weight tensors, got ${weights.length}`);
    }
    const byName = new Map(weights.map((w) => [w.name, w]));
    const updates = this.params.map(({ name, variable }) => {
      const w = byName.get(name);
      if (!w) throw new Error(`weight ${name} missing`);
      const same = w.shape.length === variable.shape.length && w.shape.every((s, i) => s === variable.shape[i]);
      if (!same || w.values.length !== variable.size) {
        throw new Error(`weight ${name}: shape [${w.shape.join(',')}] does not match [${variable.shape.join(',')}]`);
      }
      if (!w.values.every(Number.isFinite)) throw new Error(`weight ${name} has non-finite values`);
      return { variable, values: Float32Array.from(w.values) };
    });
    for (const { variable, values } of updates) {
      tf.tidy(() => variable.assign(tf.tensor(values, variable.shape)));
    }
  }

  /** Every weight as float32, concatenated in the order of `variables`. */
  getFlatWeights(): Float32Array {
    const out = new Float32Array(this.parameterCount);
    let off = 0;
    for (const v of this.variables) {
      out.set(v.dataSync() as Float32Array, off);
      off += v.size;
    }
    return out;
  }

  /** Overwrites every weight from the layout of `getFlatWeights`. */
  setFlatWeights(flat: Float32Array): void {
    if (flat.length !== this.parameterCount) {
      throw new RangeError(`expected ${this.parameterCount} weights, got ${flat.length}`);
    }
    let off = 0;
    for (const v of this.variables) {
      const part = flat.subarray(off, off + v.size);
      tf.tidy(() => v.assign(tf.tensor(part, v.shape)));
      off += v.size;
    }
  }

  dispose(): void {
    for (const c of this.couplings) c.dispose();
  }

  /** The couplings in order (forward) or reversed (inverse), summing their log-dets. */
  private chain(input: tf.Tensor2D, inverse: boolean): { y: tf.Tensor2D; logAbsDet: tf.Tensor1D } {
    let y = input;
    let logAbsDet: tf.Tensor1D | undefined;
    const order = inverse ? this.couplings.slice().reverse() : this.couplings;
    for (const c of order) {
      const out = c.apply(y, inverse);
      y = out.y;
      logAbsDet = logAbsDet ? tf.add<tf.Tensor1D>(logAbsDet, out.logAbsDet) : out.logAbsDet;
    }
    return { y, logAbsDet: logAbsDet as tf.Tensor1D };
  }
}

function copyConfig(c: FlowConfig): FlowConfig {
  return { ...c, hidden: c.hidden.slice(), masks: c.masks.map((m) => m.slice()) };
}

function validateConfig(c: FlowConfig): void {
  const positive = (v: unknown) => Number.isInteger(v) && (v as number) >= 1;
  if (!positive(c.dim)) throw new RangeError(`flow dimension must be a positive integer, got ${c.dim}`);
  if (!splineKinds.includes(c.spline)) throw new RangeError(`unknown spline kind ${String(c.spline)}`);
  if (!positive(c.bins)) throw new RangeError(`bins must be a positive integer, got ${c.bins}`);
  if (!Array.isArray(c.hidden) || !c.hidden.every(positive)) throw new RangeError('hidden widths must be positive integers');
  if (!Number.isInteger(c.blob) || c.blob < 0) throw new RangeError(`blob must be a non-negative integer, got ${c.blob}`);
  if (!Array.isArray(c.masks) || c.masks.length !== c.layers || !positive(c.layers)) {
    throw new RangeError(`expected ${c.layers} masks, got ${Array.isArray(c.masks) ? c.masks.length : 'none'}`);
  }
  c.masks.forEach((mask, j) => {
    if (!Array.isArray(mask) || mask.length !== c.dim || !mask.every((t) => typeof t === 'boolean')) {
      throw new RangeError(`mask ${j} must hold ${c.dim} booleans`);
    }
    if (!mask.some((t) => t)) throw new RangeError(`mask ${j} transforms no dimension`);
  });
}
