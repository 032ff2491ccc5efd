/**
 * A fixed bijection V of the unit cube placed under the flow (arXiv:2009.05112 map, MadNIS's
 * "VEGAS pre-training"): points are drawn as u = V(T(z)), so the sampling density on the cube is
 *
 *   q(u) = q_T(y) / |det dV/dy|,  y = V^-1(u),   log q(u) = log q_T(y) - log|det dV/dy|.
 *
 * The flow is trained on g(y) = f(V(y)) |det dV/dy|, whose integral is the same F; since a new
 * flow is the identity, it starts by sampling exactly like V alone.
 */

/** Plain-data form of a premap (a VEGAS adaptive map), as stored in saved models. */
export interface PremapData {
  dim: number;
  /** Increments per axis. */
  ninc: number;
  /** Grid edges per axis: edges[k] has ninc + 1 increasing values from 0 to 1. */
  edges: number[][];
}

/** The map under the flow. */
export interface Premap {
  readonly dim: number;
  /**
   * u = V(y) for n points y (row-major n x dim, in [0,1]) into `u`, and log|det dV/dy| per
   * point into `logJ` (length >= n).
   */
  forward(y: ArrayLike<number>, n: number, u: Float64Array, logJ: Float64Array): void;
  /** Plain data for saved models. */
  toJSON(): PremapData;
}

/** Points on the unit cube with their log density there (what samplers hand the estimator). */
export interface CubeDraw {
  /** Row-major n x dim. */
  u: Float64Array;
  logQ: Float64Array;
}

/**
 * Push a flow draw (y = T(z) and log q_T(y), n points) through `premap`: u = V(y) and
 * log q(u) = log q_T(y) - log|det dV/dy|, in float64.
 */
export function applyPremap(premap: Premap, y: ArrayLike<number>, logQ: ArrayLike<number>, n: number): CubeDraw {
  const u = new Float64Array(n * premap.dim);
  const logJ = new Float64Array(n);
  premap.forward(y, n, u, logJ);
  const lq = new Float64Array(n);
  for (let i = 0; i < n; i++) lq[i] = logQ[i] - logJ[i];
  return { u, logQ: lq };
}
