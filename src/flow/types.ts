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
export type SplineKind = (typeof splineKinds)[number];

export interface SplineOutput {
  y: tf.Tensor2D;
  logAbsDet: tf.Tensor1D;
}

export interface SplineFamily {
  kind: SplineKind;
  /** Number of unnormalized parameters per transformed coordinate for K bins. */
  paramCount(bins: number): number;
  /** Sizes of the consecutive parameter blocks; they sum to paramCount(bins). */
  blocks(bins: number): number[];
  apply(z: tf.Tensor2D, raw: tf.Tensor3D, bins: number, inverse: boolean): SplineOutput;
  applyBlocks(z: tf.Tensor2D, blocks: tf.Tensor2D[], bins: number, inverse: boolean): SplineOutput;
}

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
