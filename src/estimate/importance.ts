/**
 * Importance sampling with a trained flow: z ~ U[0,1]^d (seeded, float64 -> float32),
 * x = T(z) and log q(x) from the same forward pass, weights w = f(phi(x)) |det dphi/dx| / q(x) in float64
 * (phi: the domain map, src/domain.ts).
 *
 * Defensive sampling (T. Hesterberg, Technometrics 37 (1995) 185; A. Owen and Y. Zhou, JASA 95
 * (2000) 135): with a fraction a > 0 the points come from the mixture
 *
 *   q_a(x) = (1 - a) q_flow(x) + a q_0(x),
 *
 * q_0 the density of the flow's premap V alone (x = V(y), y uniform), or uniform without a premap.
 * Both components are pushed through the same V, so on the chain's cube y = V^-1(x) the mixture
 * is (1 - a) q_T(y) + a: each point is y = T(z) (probability 1 - a) or y = z (probability a), and
 *
 *   log q_a(x) = logsumexp(log(1 - a) + log q_T(y), log a) - log|det dV/dy|,
 *
 * with log q_T(y) from the forward pass for the flow's points and from the inverse pass
 * (Flow.logProb) for the others. Since q_a >= a q_0, a bounded f has weights at most
 * f |det dphi/du| / (a q_0): the variance is finite whatever the flow learned.
 */
import * as tf from '@tensorflow/tfjs';
import { premapped, type ChainDraw, type FlowDraw } from '../flow/draw';
import type { Flow } from '../flow/flow';
import type { Problem } from '../problem';
import type { Rng } from '../rng';
import type { NanPolicy } from '../sampling';
import { streamChunks, type StreamHooks } from './evaluate';
import type { Moments } from './stats';

export { PARALLEL_MIN_SAMPLES, SAMPLE_CHUNK } from './evaluate';
import { SAMPLE_CHUNK } from './evaluate';

/**
 * x = V(T(z)) and log q for z [n * d] (n <= a few 1e4; callers chunk), read back from tfjs;
 * V is the flow's premap (identity without one).
 */
export function mapThroughFlow(flow: Flow, z: Float32Array, n: number): FlowDraw {
  return premapped(flow, chainForward(flow, z, n), n);
}

/** Draw n points from the flow (n <= a few 1e4; callers chunk). */
export function drawFromFlow(flow: Flow, rng: Rng, n: number, zBuf?: Float32Array): FlowDraw {
  const d = flow.config.dim;
  const z = zBuf && zBuf.length >= n * d ? zBuf.subarray(0, n * d) : new Float32Array(n * d);
  rng.fill(z);
  return mapThroughFlow(flow, z, n);
}

/**
 * The draws of one chunk before the flow runs, in the order they leave the Rng: z [m * d]
 * (as drawFromFlow draws it), then, with a defensive fraction a > 0, one uniform per point
 * that sends it to q_0 when below a. `zFlow` holds the rows of z that go through the flow
 * (all of z when a = 0), `nFlow` rows.
 */
export interface ChunkPlan {
  m: number;
  z: Float32Array;
  /** 1 where the point comes from q_0; null when a = 0. */
  fromQ0: Uint8Array | null;
  zFlow: Float32Array;
  nFlow: number;
}

/** The `count` rows of z [m * dim] whose component is `which` (fromQ0[i] === which), in order. */
function rowsWhere(z: Float32Array, dim: number, fromQ0: Uint8Array, which: 0 | 1, count: number): Float32Array {
  const out = new Float32Array(count * dim);
  for (let i = 0, r = 0; i < fromQ0.length; i++) {
    if (fromQ0[i] !== which) continue;
    out.set(z.subarray(i * dim, (i + 1) * dim), r * dim);
    r++;
  }
  return out;
}

/** Draw the z and the component choices of a chunk of m points from `rng` (see ChunkPlan). */
export function planChunk(rng: Rng, m: number, dim: number, defensive: number): ChunkPlan {
  const z = new Float32Array(m * dim);
  rng.fill(z);
  if (!(defensive > 0)) return { m, z, fromQ0: null, zFlow: z, nFlow: m };
  const fromQ0 = new Uint8Array(m);
  let n0 = 0;
  for (let i = 0; i < m; i++) {
    if (rng.next() < defensive) {
      fromQ0[i] = 1;
      n0++;
    }
  }
  const nFlow = m - n0;
  return { m, z, fromQ0, zFlow: rowsWhere(z, dim, fromQ0, 0, nFlow), nFlow };
}

/** y = T(z) and log q_T(y) for n rows of z [n * d] on this thread; empty arrays when n = 0. */
export function chainForward(flow: Flow, z: Float32Array, n: number): ChainDraw {
  if (n === 0) return { x: new Float32Array(0), logQ: new Float32Array(0) };
  const zt = tf.tensor2d(z.subarray(0, n * flow.dim), [n, flow.dim]);
  const out = flow.forward(zt);
  zt.dispose();
  const x = out.x.dataSync() as Float32Array;
  const logQ = out.logQ.dataSync() as Float32Array;
  out.x.dispose();
  out.logQ.dispose();
  return { x, logQ };
}

/** log q_T(y) [n] of the coupling chain at n given points y [n * d] of its cube (inverse pass). */
export function chainLogDensity(flow: Flow, y: Float32Array, n: number): Float32Array {
  if (n === 0) return new Float32Array(0);
  const yt = tf.tensor2d(y.subarray(0, n * flow.dim), [n, flow.dim]);
  const lq = flow.logProb(yt);
  yt.dispose();
  const out = lq.dataSync() as Float32Array;
  lq.dispose();
  return out;
}

/** logsumexp(log(1 - a) + logQ, log a): the log of the mixture (1 - a) q + a of a density q with the uniform one. */
export function defensiveLogDensity(logQ: number, defensive: number): number {
  const l1 = Math.log1p(-defensive) + logQ;
  const l0 = Math.log(defensive);
  if (l1 === -Infinity) return l0;
  const hi = Math.max(l1, l0);
  return hi + Math.log1p(Math.exp(Math.min(l1, l0) - hi));
}

/**
 * The points of a planned chunk and their log density under the defensive mixture q_a, from
 * `chain`, the flow's forward pass over plan.zFlow: the flow's rows are y = T(z), the others
 * y = z with log q_T(y) from the inverse pass on this thread; all are pushed through the
 * premap. With a = 0 this is the flow's own draw (premapped).
 */
export function finishChunk(flow: Flow, plan: ChunkPlan, chain: ChainDraw, defensive: number): FlowDraw {
  const { m, z, fromQ0, nFlow } = plan;
  if (!fromQ0) return premapped(flow, chain, m);
  const d = flow.dim;
  const n0 = m - nFlow;
  const y0 = rowsWhere(z, d, fromQ0, 1, n0);
  const lq0 = chainLogDensity(flow, y0, n0);
  const y = new Float32Array(m * d);
  const logQ = new Float64Array(m);
  for (let i = 0, rf = 0, r0 = 0; i < m; i++) {
    if (fromQ0[i]) {
      y.set(y0.subarray(r0 * d, (r0 + 1) * d), i * d);
      logQ[i] = defensiveLogDensity(lq0[r0], defensive);
      r0++;
    } else {
      y.set(chain.x.subarray(rf * d, (rf + 1) * d), i * d);
      logQ[i] = defensiveLogDensity(chain.logQ[rf], defensive);
      rf++;
    }
  }
  return premapped(flow, { x: y, logQ }, m);
}

/**
 * Draw n points (n <= a few 1e4; callers chunk) from the defensive mixture q_a of the flow
 * (drawFromFlow when a = 0, with the same Rng draws).
 */
export function drawDefensive(flow: Flow, rng: Rng, n: number, defensive: number, zBuf?: Float32Array): FlowDraw {
  if (!(defensive > 0)) return drawFromFlow(flow, rng, n, zBuf);
  const plan = planChunk(rng, n, flow.dim, defensive);
  return finishChunk(flow, plan, chainForward(flow, plan.zFlow, plan.nFlow), defensive);
}

/** Something that maps z to (x, log q) on worker i of `size` (see ForwardPool, src/workers/forward.ts). */
export interface ForwardWorkers {
  readonly size: number;
  forward(i: number, z: Float32Array, n: number): Promise<ChainDraw>;
}

/**
 * Importance-sampled estimate from n fresh flow samples, accumulated into `moments`; with
 * `defensive` = a > 0 the samples come from the mixture q_a (see above). With `workers`,
 * the flow's forward passes of the chunks are run ahead in parallel: chunk k runs on worker
 * (k mod (W + 1)) - 1, or here when that is -1; the inverse passes of the q_0 points run here.
 * z and the choices are drawn in chunk order and the chunks are weighed in order, so the
 * numbers are the same with or without workers.
 */
export async function runImportance(
  problem: Problem,
  flow: Flow,
  n: number,
  rng: Rng,
  moments: Moments,
  nan: NanPolicy,
  hooks: StreamHooks = {},
  workers?: ForwardWorkers,
  defensive = 0,
): Promise<Moments> {
  const d = problem.dim;
  if (!workers || workers.size === 0) {
    const zBuf = new Float32Array(Math.min(SAMPLE_CHUNK, n) * d);
    return streamChunks(problem, n, SAMPLE_CHUNK, moments, nan, 'evaluation', hooks, (m) => {
      const { x, logQ } = drawDefensive(flow, rng, m, defensive, zBuf);
      return { u: x, logQ };
    });
  }
  const slots = workers.size + 1;
  const size = Math.min(SAMPLE_CHUNK, n);
  const chunks = Math.ceil(n / size);
  // per chunk: its plan, and the flow's forward pass on a worker (null: run here when its turn comes)
  const pending: { plan: ChunkPlan; chain: Promise<ChainDraw> | null }[] = [];
  let next = 0;
  const dispatch = (upTo: number) => {
    for (; next < Math.min(upTo, chunks); next++) {
      const m = Math.min(size, n - next * size);
      const plan = planChunk(rng, m, d, defensive);
      const slot = next % slots;
      if (slot === 0 || plan.nFlow === 0) pending[next] = { plan, chain: null };
      else {
        const p = workers.forward(slot - 1, plan.zFlow, plan.nFlow);
        p.catch(() => undefined); // observed when awaited; unobserved if the run stops early
        pending[next] = { plan, chain: p };
      }
    }
  };
  let k = 0;
  return streamChunks(problem, n, SAMPLE_CHUNK, moments, nan, 'evaluation', hooks, async (m) => {
    dispatch(k + slots);
    const { plan, chain } = pending[k];
    delete pending[k];
    k++;
    if (plan.m !== m) throw new Error(`chunk ${k - 1}: planned ${plan.m} points, asked for ${m}`);
    const drawn = chain ? await chain : chainForward(flow, plan.zFlow, plan.nFlow);
    const { x, logQ } = finishChunk(flow, plan, drawn, defensive);
    return { u: x, logQ };
  });
}
