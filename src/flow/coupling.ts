/**
 * One spline coupling layer on [0,1]^d (i-flow, arXiv:2001.05486, sec. 3.1).
 *
 * The mask splits x into kept coordinates A and transformed coordinates B. An MLP maps A to
 * P = family.paramCount(bins) raw spline parameters for each coordinate of B; the spline moves
 * B and A passes through unchanged:
 *
 *   y_A = x_A,   y_B = C(x_B; MLP(x_A)),   log|det dy/dx| = sum_i log C'(x_B,i).
 *
 * The MLP's last layer has |B| * P outputs (column c * P + p is parameter p of coordinate c);
 * it is evaluated as one head per parameter block of the family (widths, heights, ...), so each
 * block arrives as its own [n * |B|, size] tensor.
 *
 * The inverse uses the same parameters (y_A = x_A) and the inverse spline. When nothing is kept
 * (d = 1) the parameters are a trainable bias shared by all samples.
 */
import * as tf from '@tensorflow/tfjs';
import type { Rng } from '../rng';
import { maskIndices } from './masks';
import { makeVariable, Mlp, type NamedVariable } from './mlp';
import { ColumnSelection, maskRow } from './ops';
import { fusedPass, hasFusedKernels, runFusedGrad, type FusedKind } from './splines/fused';
import type { SplineFamily } from './types';

/** Settings of one coupling layer: which dimensions it transforms, the transform, and its MLP. */
export interface CouplingOptions {
  /** mask[i] = true when this layer transforms dimension i. */
  mask: readonly boolean[];
  family: SplineFamily;
  bins: number;
  hidden: readonly number[];
  blob: number;
}

/** Output of a coupling in either direction: y `[n, d]` in [0,1]^d and the log |det| per sample. */
export interface CouplingOutput {
  y: tf.Tensor2D;
  /** log |det| of the Jacobian of the direction that was applied, per sample: [n]. */
  logAbsDet: tf.Tensor1D;
}

/** What `forwardCached` keeps for `backwardInverse`: MLP activations, kernel inputs, the output B. */
// (a type alias, so that it is a tf.TensorContainer that tf.tidy can return)
export type CouplingCache = {
  acts: tf.Tensor2D[];
  inputs: tf.Tensor2D[];
  /** The transformed coordinates of the output, flattened [n * m]. */
  v: tf.Tensor1D;
};

/**
 * One coupling layer on [0,1]^d (i-flow, arXiv:2001.05486, sec. 3.1): an MLP of the kept
 * coordinates gives the spline parameters of the transformed ones. Tensors are `[n, d]` float32;
 * the caller disposes the tensors it gets and the layer (`dispose`).
 */
export class Coupling {
  readonly options: CouplingOptions;
  /** Trainable variables with their serialized names. */
  readonly params: NamedVariable[];

  private readonly transformedCount: number;
  private readonly paramCount: number;
  private readonly kept?: ColumnSelection;
  private readonly transformed: ColumnSelection;
  private readonly keepRow?: tf.Tensor2D;
  private readonly mlp?: Mlp;
  /** Output columns of each parameter block (one MLP head per block). */
  private readonly heads: ColumnSelection[] = [];
  private readonly bias?: tf.Variable;

  /**
   * Weights come from `rng` (zero output layer), or are all zero without it. `prefix` names
   * the variables in serialized weights.
   * @throws RangeError when the mask transforms no dimension.
   */
  constructor(options: CouplingOptions, rng: Rng | undefined, prefix: string) {
    this.options = { ...options, mask: options.mask.slice(), hidden: options.hidden.slice() };
    const d = options.mask.length;
    const keptCols = maskIndices(options.mask, false);
    const transformedCols = maskIndices(options.mask, true);
    if (transformedCols.length === 0) throw new RangeError('a coupling mask must transform some dimension');
    this.transformedCount = transformedCols.length;
    this.paramCount = options.family.paramCount(options.bins);
    const outputs = this.transformedCount * this.paramCount;
    this.transformed = new ColumnSelection(d, transformedCols);
    if (keptCols.length > 0) {
      this.kept = new ColumnSelection(d, keptCols);
      this.keepRow = maskRow(options.mask, false);
      const mlpOptions = { inputs: keptCols.length, outputs, hidden: options.hidden, blob: options.blob };
      this.mlp = new Mlp(mlpOptions, rng, prefix);
      this.params = this.mlp.params;
      // output column of parameter p of transformed coordinate c: c * paramCount + p
      let start = 0;
      for (const size of options.family.blocks(options.bins)) {
        const cols: number[] = [];
        for (let c = 0; c < this.transformedCount; c++) {
          for (let k = 0; k < size; k++) cols.push(c * this.paramCount + start + k);
        }
        this.heads.push(new ColumnSelection(outputs, cols));
        start += size;
      }
    } else {
      this.bias = makeVariable(tf.zeros([outputs]));
      this.params = [{ name: `${prefix}.bias`, variable: this.bias }];
    }
  }

  /** Forward (inverse = false) or inverse map of x [n, d]. */
  apply(x: tf.Tensor2D, inverse: boolean): CouplingOutput {
    return tf.tidy(() => {
      const n = x.shape[0];
      const m = this.transformedCount;
      const p = this.paramCount;
      const { family, bins } = this.options;
      const z = this.transformed.pick(x);
      let out;
      if (this.mlp && this.kept) {
        const blocks = this.toBlocks(this.mlp.applyHeads(this.kept.pick(x), this.heads));
        out = family.applyBlocks(z, blocks, bins, inverse);
      } else {
        const flat = tf.mul(tf.ones([n, 1]), tf.reshape(this.bias as tf.Variable, [1, m * p]));
        out = family.apply(z, tf.reshape(flat, [n, m, p]) as tf.Tensor3D, bins, inverse);
      }
      return { y: this.assemble(x, out.y), logAbsDet: out.logAbsDet };
    });
  }

  /**
   * True when `forwardCached` / `backwardInverse` apply: an MLP without one-blob encoding and a
   * family with fused kernels (the logit couplings train through autodiff).
   */
  get supportsCache(): boolean {
    return this.mlp !== undefined && this.options.blob === 0 && hasFusedKernels(this.options.family.kind);
  }

  /**
   * The forward map (no gradient tape) through the fused spline kernels, keeping what
   * `backwardInverse` needs. Requires `supportsCache` and the fused kernels (useFused()).
   */
  forwardCached(x: tf.Tensor2D): { y: tf.Tensor2D; logAbsDet: tf.Tensor1D; cache: CouplingCache } {
    return tf.tidy(() => {
      const { bins } = this.options;
      const { outputs, acts } = (this.mlp as Mlp).forwardHeads((this.kept as ColumnSelection).pick(x), this.heads);
      const pass = fusedPass(this.fusedKind(), this.transformed.pick(x), this.toBlocks(outputs), bins, false);
      const cache = { acts, inputs: pass.inputs, v: pass.out };
      return { y: this.assemble(x, pass.y), logAbsDet: pass.logAbsDet, cache };
    });
  }

  /**
   * Reverse pass of this coupling's inverse map u = C^{-1}(y) at the point of a
   * `forwardCached` call (y its output), by hand: given uBar = dL/du [n, d] and gLd = dL/d(log
   * |det dC^{-1}/dy|) [n], returns yBar = dL/dy [n, d] and the gradients of `params`.
   * The spline part runs the inverse-direction gradient kernel at y; the MLP part reuses the
   * cached activations (in the inverse, the MLP sees y_A = x_A, its forward input).
   */
  backwardInverse(cache: CouplingCache, uBar: tf.Tensor2D, gLd: tf.Tensor1D): { yBar: tf.Tensor2D; grads: tf.Tensor[] } {
    return tf.tidy(() => {
      const n = uBar.shape[0];
      const m = this.transformedCount;
      const { bins } = this.options;
      const gOut = tf.reshape(this.transformed.pick(uBar), [n * m]) as tf.Tensor1D;
      const gLdRows = (m === 1 ? gLd : tf.reshape(tf.mul(tf.reshape(gLd, [n, 1]), tf.ones([1, m])), [n * m])) as tf.Tensor1D;
      const [gV, gBlocks] = runFusedGrad(this.fusedKind(), cache.v, cache.inputs, gOut, gLdRows, bins, true);
      const dOutputs = gBlocks.map((g) => tf.reshape(g, [n, m * g.shape[1]]) as tf.Tensor2D);
      const { grads, dInput } = (this.mlp as Mlp).backwardHeads(cache.acts, this.heads, dOutputs);
      const yBar = tf.addN([
        this.transformed.place(tf.reshape(gV, [n, m]) as tf.Tensor2D),
        tf.mul(uBar, this.keepRow as tf.Tensor2D),
        (this.kept as ColumnSelection).place(dInput),
      ]) as tf.Tensor2D;
      return { yBar, grads };
    });
  }

  /** The family's kind for the fused kernels; throws for a family without them. */
  private fusedKind(): FusedKind {
    const kind = this.options.family.kind;
    if (!hasFusedKernels(kind)) throw new RangeError(`the ${kind} coupling has no fused kernels; use apply()`);
    return kind;
  }

  /** Head outputs [n, m * size] -> parameter blocks [n * m, size] (row i * m + c). */
  private toBlocks(outputs: tf.Tensor2D[]): tf.Tensor2D[] {
    const m = this.transformedCount;
    return outputs.map((h) => tf.reshape(h, [h.shape[0] * m, h.shape[1] / m]) as tf.Tensor2D);
  }

  /** The layer's output: x's kept columns and the moved ones y [n, m] in their places. */
  private assemble(x: tf.Tensor2D, y: tf.Tensor2D): tf.Tensor2D {
    const moved = this.transformed.place(y);
    return (this.keepRow ? tf.add(tf.mul(x, this.keepRow), moved) : moved) as tf.Tensor2D;
  }

  dispose(): void {
    this.transformed.dispose();
    this.kept?.dispose();
    this.keepRow?.dispose();
    this.mlp?.dispose();
    for (const h of this.heads) h.dispose();
    this.bias?.dispose();
  }
}
