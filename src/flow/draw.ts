/**
 * Draws of a flow: what its coupling chain T produces for points z of the unit cube, and the
 * same draw pushed through the flow's premap V (src/flow/premap.ts), u = V(T(z)) with
 * log q(u) = log q_T(y) - log|det dV/dy|.
 */
import type { Flow } from './flow';
import { applyPremap } from './premap';

/** What the coupling chain T itself produces: y = T(z) [n * d] and log q_T(y) [n], float32 from tfjs. */
export interface ChainDraw {
  x: Float32Array;
  logQ: Float32Array;
}

/** Points drawn from a flow, premap included. */
export interface FlowDraw {
  /**
   * Points in [0,1]^d, row-major: the float32 values the flow produced, or their float64
   * images under the flow's premap.
   */
  x: Float32Array | Float64Array;
  /** log q(x) from the forward pass (minus the premap's log-det when there is one). */
  logQ: Float32Array | Float64Array;
}

/**
 * The draw of the flow's coupling chain pushed through its premap (unchanged without one);
 * `draw.logQ` may be a float64 log density on the chain's cube (a defensive mixture's).
 */
export function premapped(flow: Flow, draw: { x: Float32Array; logQ: Float32Array | Float64Array }, n: number): FlowDraw {
  if (!flow.premap) return draw;
  const { u, logQ } = applyPremap(flow.premap, draw.x, draw.logQ, n);
  return { x: u, logQ };
}
