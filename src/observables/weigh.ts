/**
 * Weighing the further integrands and observables on a chunk of the estimate's points: the
 * kernels of src/observables/options.ts at the points x (user coordinates), the weights
 * g_k |det dphi/du| / q(u) in float64 beside f's, and the chunk added to the statistics.
 */
import { weighPoints, type NanPolicy } from '../sampling';
import { accumulateObservables, emptyObservableMoments, type ObservableMoments } from './moments';
import type { ObservableSet } from './options';

/** Reusable float64 buffers for one chunk size. */
export class ObservableScratch {
  readonly g: Float64Array[];
  readonly wg: Float64Array[];
  readonly h: Float64Array[];
  constructor(
    readonly capacity: number,
    set: ObservableSet,
  ) {
    this.g = set.also.map(() => new Float64Array(capacity));
    this.wg = set.also.map(() => new Float64Array(capacity));
    this.h = set.histograms.map(() => new Float64Array(capacity));
  }
}

/** Empty statistics for a set of observables. */
export function emptyFor(set: ObservableSet): ObservableMoments {
  return emptyObservableMoments(
    set.also.length,
    set.spec.histograms.map((h) => h.bins),
  );
}

/** The inputs of `weighObservables` for one chunk. */
export interface WeighInput {
  /** Points in the user's domain (n x dim, row-major) and |det dphi/du| per point. */
  x: Float64Array;
  jac: Float64Array;
  /** log q(u) per point, or null for uniform sampling (q = 1). */
  logQ: ArrayLike<number> | null;
  /** f at the points and the resolved weights w = f |J| / q. */
  f: Float64Array;
  w: Float64Array;
  n: number;
  dim: number;
  /** Hypercube of each point for a stratified sampler, else null. */
  groups: ArrayLike<number> | null;
}

/**
 * Evaluate g_k and h at the chunk's points, form g_k |J| / q, and add everything to `om`.
 * Non-finite g_k |J| / q stop the run (nan 'error') or count as zero (nan 'zero'), by the rule
 * of the main integrand (src/sampling.ts weighPoints).
 * @throws NumericalError naming the integrand's label and the point.
 */
export function weighObservables(
  set: ObservableSet,
  input: WeighInput,
  scratch: ObservableScratch,
  om: ObservableMoments,
  nan: NanPolicy,
  stage: string,
): void {
  const { x, jac, logQ, f, w, n, dim, groups } = input;
  const nonFinite: number[] = [];
  for (let k = 0; k < set.also.length; k++) {
    const g = scratch.g[k];
    const wg = scratch.wg[k];
    set.also[k].evaluate(x, n, g);
    const bad = weighPoints(g, jac, logQ, n, x, dim, wg, { nan, stage, label: set.spec.also[k].label });
    nonFinite.push(bad);
  }
  for (let j = 0; j < set.histograms.length; j++) set.histograms[j].evaluate(x, n, scratch.h[j]);
  accumulateObservables(om, { n, f, w, wg: scratch.wg, g: scratch.g, h: scratch.h, groups }, set.spec.histograms, nonFinite);
}
