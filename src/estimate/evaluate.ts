/**
 * Turning points of the unit cube into weighted samples of the problem, chunk by chunk, and
 * accumulating them into moments. The weights and the NaN policy are those of
 * src/sampling.ts (weighPoints): w = f(phi(u)) |det dphi/du| / q(u) in float64, non-finite
 * values stop the run with a message naming the point, or count as zero (--nan zero).
 */
import type { Problem } from '../problem';
import type { Rng } from '../rng';
import { mapToDomain, weighPoints, yieldToEventLoop, type NanPolicy } from '../sampling';
import { ObservableScratch, emptyFor, weighObservables } from '../observables/weigh';
import { accumulate, type Moments } from './stats';

/** Reusable float64 buffers for one chunk size. */
export class ChunkBuffers {
  readonly x: Float64Array;
  /** |det dphi/du| per point. */
  readonly jac: Float64Array;
  readonly f: Float64Array;
  readonly w: Float64Array;
  readonly hits: Uint8Array[];
  /** Buffers of the further integrands and observables (made on first use). */
  observables: ObservableScratch | null = null;
  private readonly eventOut: Float64Array;
  constructor(
    readonly capacity: number,
    dim: number,
    nEvents: number,
  ) {
    this.x = new Float64Array(capacity * dim);
    this.jac = new Float64Array(capacity);
    this.f = new Float64Array(capacity);
    this.w = new Float64Array(capacity);
    this.eventOut = new Float64Array(capacity);
    this.hits = Array.from({ length: nEvents }, () => new Uint8Array(capacity));
  }
  eventScratch(): Float64Array {
    return this.eventOut;
  }
}

/**
 * Compute weights for a chunk and add them to `moments`.
 * `logQ` is the log density of u on the unit cube (null for uniform sampling). When the
 * problem has observables (src/observables), their weights go into `moments.observables`
 * (made on first use); `groups` gives the hypercube of each point of a stratified sampler.
 * Returns the number of non-finite points that were set to zero.
 */
export function evaluateChunk(
  problem: Problem,
  u: ArrayLike<number>,
  logQ: ArrayLike<number> | null,
  n: number,
  buf: ChunkBuffers,
  moments: Moments,
  nan: NanPolicy,
  stage = 'evaluation',
  groups: ArrayLike<number> | null = null,
): number {
  const { x, jac, f, w } = buf;
  mapToDomain(problem, u, n, x, jac);
  problem.integrand.evaluate(x, n, f);
  const bad = weighPoints(f, jac, logQ, n, x, problem.dim, w, { nan, stage });
  const scratch = buf.eventScratch();
  for (let e = 0; e < problem.events.length; e++) {
    problem.events[e].kernel.evaluate(x, n, scratch);
    const h = buf.hits[e];
    for (let i = 0; i < n; i++) h[i] = scratch[i] !== 0 ? 1 : 0;
  }
  const set = problem.observables;
  if (set) {
    if (!buf.observables || buf.observables.capacity < n) buf.observables = new ObservableScratch(buf.capacity, set);
    moments.observables ??= emptyFor(set);
    weighObservables(set, { x, jac, logQ, f, w, n, dim: problem.dim, groups }, buf.observables, moments.observables, nan, stage);
  }
  accumulate(moments, w, x, n, buf.hits);
  moments.nonFinite += bad;
  return bad;
}

/** Points per chunk of plain Monte Carlo and VEGAS sampling (2^15): the unit of streaming, of progress and of stopping early. */
export const CHUNK = 1 << 15;

/** Points per forward pass when sampling a flow (bounded by the wasm heap, not by accuracy). */
export const SAMPLE_CHUNK = 16384;

/** Flow evaluations of fewer samples than this run in one thread: starting a worker takes ~0.5 s. */
export const PARALLEL_MIN_SAMPLES = 8 * SAMPLE_CHUNK;

/** Callbacks of a streamed estimate, run between chunks. */
export interface StreamHooks {
  /** Called after each chunk with the number of samples done so far. */
  onChunk?: (done: number, moments: Moments) => void;
  /** Polled between chunks; returning true stops early (the moments so far are kept). */
  shouldStop?: () => boolean;
  /**
   * Called after each chunk is weighed, with its points in the user's domain (n x dim,
   * row-major), their importance weights and the unit-cube points they came from. The arrays
   * are reused between chunks: copy what you keep.
   */
  onSamples?: (x: Float64Array, w: Float64Array, n: number, u: ArrayLike<number>) => void;
}

/**
 * Plain Monte Carlo: n uniform points in chunks, accumulated into `moments`. `stage` names the
 * run in error messages: the baseline beside a flow, or the estimate itself (--method uniform).
 */
export async function runUniform(
  problem: Problem,
  n: number,
  rng: Rng,
  moments: Moments,
  nan: NanPolicy,
  hooks: StreamHooks = {},
  stage = 'the uniform baseline',
): Promise<Moments> {
  const u = new Float64Array(Math.min(CHUNK, n) * problem.dim);
  return streamChunks(problem, n, CHUNK, moments, nan, stage, hooks, (m) => {
    const view = u.subarray(0, m * problem.dim);
    rng.fill(view);
    return { u: view, logQ: null };
  });
}

/** Points of one chunk on the unit cube and their log density (null for uniform). */
export interface ChunkDraw {
  u: ArrayLike<number>;
  logQ: ArrayLike<number> | null;
  /** Hypercube of each point of a stratified sampler (points of a hypercube consecutive). */
  groups?: ArrayLike<number>;
}

/**
 * The loop shared by every sampler: n points in chunks of at most `chunk`, each drawn by
 * `draw(m)` (points on the unit cube and their log density, null for uniform; it may return
 * a promise), weighted and accumulated in order; yields to the event loop between chunks so
 * that interrupts are seen.
 */
export async function streamChunks(
  problem: Problem,
  n: number,
  chunk: number,
  moments: Moments,
  nan: NanPolicy,
  stage: string,
  hooks: StreamHooks,
  draw: (m: number) => ChunkDraw | Promise<ChunkDraw>,
): Promise<Moments> {
  const size = Math.min(chunk, n);
  const buf = new ChunkBuffers(size, problem.dim, problem.events.length);
  let done = 0;
  while (done < n) {
    await yieldToEventLoop();
    if (hooks.shouldStop?.()) break;
    const m = Math.min(size, n - done);
    const { u, logQ, groups } = await draw(m);
    evaluateChunk(problem, u, logQ, m, buf, moments, nan, stage, groups ?? null);
    hooks.onSamples?.(buf.x, buf.w, m, u);
    done += m;
    hooks.onChunk?.(done, moments);
  }
  return moments;
}
