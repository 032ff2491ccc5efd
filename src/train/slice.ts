/**
 * The work of one slice of a training batch, the same in the main thread and in a worker:
 *
 *   sample(z):       x = T(z) and log q(x) by the forward pass (no gradient), in chunks;
 *   gradient(coef):  the gradient of -sum_i coef_i log q(x_i) / batch over the slice's x,
 *                    with log q from the differentiable inverse pass, summed over chunks in
 *                    float64 and returned flat in the order of `flow.variables`.
 *
 * Where the flow supports it (fused spline kernels, see Flow.supportsCachedGradient), the
 * sampling pass keeps each coupling's activations and the gradient reuses them instead of
 * recomputing them in a taped inverse pass; otherwise the gradient is tfjs autodiff through
 * `logProb`. Chunks of at most `chunk` points bound the memory of one pass (the wasm heap
 * stops at 4 GiB). A slice gives the same numbers wherever it runs: the same ops on the
 * same shapes.
 */
import * as tf from '@tensorflow/tfjs';
import type { CouplingCache } from '../flow/coupling';
import type { Flow } from '../flow/flow';
import type { ChainDraw } from '../flow/draw';

/**
 * One slice of a training batch (see the module comment): samples x = T(z) with log q, keeps
 * what the gradient needs, and returns the float64 gradient of -sum c_i log q(x_i) / batch.
 */
export class SliceComputer {
  /** The points of the last kept `sample` (empty after an evaluation pass). */
  private x: Float32Array = new Float32Array(0);
  /** Per chunk, the caches of the last `sample` (cached path only). */
  private caches: CouplingCache[][] = [];

  constructor(
    readonly flow: Flow,
    private readonly chunk: number,
  ) {
    if (!(Number.isInteger(chunk) && chunk >= 1)) throw new RangeError(`chunk must be a positive integer, got ${chunk}`);
  }

  /**
   * z [n * d] in [0,1)^d -> x [n * d] and log q [n]; keeps x (and the caches) for `gradient`
   * unless `keep` is false (evaluation).
   */
  sample(z: Float32Array, n: number, keep = true): ChainDraw {
    const d = this.flow.dim;
    if (z.length < n * d) throw new RangeError(`z holds ${z.length} values, ${n * d} needed`);
    this.disposeCaches();
    const cached = keep && this.flow.supportsCachedGradient;
    const x = new Float32Array(n * d);
    const logQ = new Float32Array(n);
    for (let off = 0; off < n; off += this.chunk) {
      const m = Math.min(this.chunk, n - off);
      const zt = tf.tensor2d(z.subarray(off * d, (off + m) * d), [m, d]);
      const out = cached ? this.flow.forwardCached(zt) : { ...this.flow.forward(zt), cache: null };
      x.set(out.x.dataSync() as Float32Array, off * d);
      logQ.set(out.logQ.dataSync() as Float32Array, off);
      tf.dispose([zt, out.x, out.logQ]);
      if (out.cache) this.caches.push(out.cache);
    }
    this.x = keep ? x : new Float32Array(0);
    return { x, logQ };
  }

  /** Flat float64 gradient of -sum_i coef_i log q(x_i) / batch over the points of the last `sample`. */
  gradient(coef: Float32Array, batch: number): Float64Array {
    const { x } = this;
    const d = this.flow.dim;
    const n = x.length / d;
    if (coef.length !== n) throw new RangeError(`expected ${n} coefficients, got ${coef.length}`);
    const variables = this.flow.variables;
    const total = new Float64Array(this.flow.parameterCount);
    const cached = this.caches.length > 0;
    for (let c = 0, off = 0; off < n; c++, off += this.chunk) {
      const m = Math.min(this.chunk, n - off);
      // per variable, or undefined where it does not reach the loss (zero gradient)
      const grads: (tf.Tensor | undefined)[] = tf.tidy(() => {
        const weight = tf.tensor1d(coef.subarray(off, off + m).map((ci) => -ci / batch));
        if (cached) return this.flow.cachedGradient(this.caches[c], weight);
        const xt = tf.tensor2d(x.subarray(off * d, (off + m) * d), [m, d]);
        const g = tf.variableGrads(() => tf.sum(tf.mul(weight, this.flow.logProb(xt))) as tf.Scalar, variables);
        g.value.dispose();
        return variables.map((v) => g.grads[v.name]);
      });
      let at = 0;
      variables.forEach((v, k) => {
        const values = grads[k]?.dataSync();
        if (values) for (let i = 0; i < values.length; i++) total[at + i] += values[i];
        at += v.size;
      });
      tf.dispose(grads.filter((g): g is tf.Tensor => g !== undefined));
    }
    this.disposeCaches();
    return total;
  }

  /** Frees the caches of the last `sample`. */
  disposeCaches(): void {
    for (const c of this.caches) tf.dispose(c);
    this.caches = [];
  }
}
