/**
 * Shared types of the flow package. The contract between splines, couplings and the chain:
 *
 * - A spline family maps each of m coordinates in [0,1] through its own monotone spline whose
 *   shape comes from `paramCount(bins)` unnormalized numbers per coordinate (network outputs).
 *   All-zero parameters give the identity map.
 * - `apply(z, raw, bins, inverse)` takes z: [n, m] and raw: [n, m, P] and returns
 *   y: [n, m] and logAbsDet: [n] (the log |det| of this direction's Jacobian summed over m).
 *   inverse=true computes the inverse map and its own log |det| (= minus the forward one).
 * - The P parameters of a coordinate fall into consecutive blocks (`blocks(bins)`, e.g. widths,
 *   heights, derivatives). `applyBlocks(z, blocks, bins, inverse)` takes them already split,
 *   each as [n*m, size] with row i*m + c for sample i and coordinate c; couplings produce them
 *   with one output head per block, which saves extracting columns of a wide [n*m, P] tensor.
 */
import type * as tf from '@tensorflow/tfjs';

/**
 * Coupling transforms: the spline families, and the additive (NICE) and affine (RealNVP)
 * couplings in logit coordinates (splines/logit.ts), which take the same place.
 */
export const splineKinds = ['pwlinear', 'pwquad', 'rqs', 'additive', 'affine'] as const;
/**
 * Name of a coupling transform: 'pwlinear', 'pwquad' (Müller et al. arXiv:1808.03856), 'rqs'
 * (Durkan et al. arXiv:1906.04032), 'additive' (NICE, arXiv:1410.8516), 'affine' (RealNVP, arXiv:1605.08803).
 */
export type SplineKind = (typeof splineKinds)[number];

/**
 * Result of a spline family's map: y `[n, m]` in [0,1] and the log |det| of that direction's Jacobian `[n]` (nats, summed over m).
 */
export interface SplineOutput {
  y: tf.Tensor2D;
  logAbsDet: tf.Tensor1D;
}

/**
 * A family of monotone element-wise bijections of [0,1] parametrised by unnormalized network
 * outputs; all-zero parameters give the identity. Methods throw RangeError on a bin count outside
 * [1, MAX_BINS] or on mismatched shapes.
 */
export interface SplineFamily {
  kind: SplineKind;
  /** Number of unnormalized parameters per transformed coordinate for K bins. */
  paramCount(bins: number): number;
  /** Sizes of the consecutive parameter blocks; they sum to paramCount(bins). */
  blocks(bins: number): number[];
  /**
   * Map z `[n, m]` in [0,1] with raw parameters `[n, m, paramCount(bins)]`, forward or inverse.
   * @throws RangeError on a bad bin count or shapes.
   */
  apply(z: tf.Tensor2D, raw: tf.Tensor3D, bins: number, inverse: boolean): SplineOutput;
  /** As `apply`, with the parameters already split into `blocks(bins)` blocks, each `[n * m, size]` (row i * m + c). */
  applyBlocks(z: tf.Tensor2D, blocks: tf.Tensor2D[], bins: number, inverse: boolean): SplineOutput;
}

/**
 * Architecture of an i-flow normalizing flow (Gao, Isaacson, Krause, arXiv:2001.05486): dimension,
 * coupling transform, bins, layers and their masks, MLP widths and input encoding. Stored in saved
 * models; `defaultFlowConfig` builds one with defaults.
 */
export interface FlowConfig {
  dim: number;
  spline: SplineKind;
  bins: number;
  /** Number of coupling layers (J). */
  layers: number;
  /** Hidden layer widths of each coupling MLP, e.g. [32, 32, 32]. */
  hidden: number[];
  /** One-blob encoding of the MLP inputs with this many bins; 0 = raw inputs. */
  blob: number;
  /** masks[j][i] = true when coupling j transforms dimension i. */
  masks: boolean[][];
}

/** Weights of a flow as plain data (for --save-model). */
export interface SerializedWeights {
  name: string;
  shape: number[];
  values: number[];
}
