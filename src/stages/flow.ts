/**
 * The flow stages of a run: build the i-flow, train it, time its sampling, and estimate with
 * it. This module loads TensorFlow.js, so `runIntegrateDetailed` imports it only when a flow
 * is trained or given: VEGAS and uniform runs start without it.
 */
import type { IntegrateOptions } from '../options';
import { initBackend, type BackendInfo } from '../backend';
import { streamChunks, type StreamHooks } from '../estimate/evaluate';
import { drawDefensive, PARALLEL_MIN_SAMPLES, runImportance, SAMPLE_CHUNK } from '../estimate/importance';
import { emptyMoments, relativeVariance, type Moments } from '../estimate/stats';
import { Flow, defaultFlowConfig } from '../flow/flow';
import { checkLayers } from '../flow/masks';
import type { Premap } from '../flow/premap';
import type { Problem } from '../problem';
import { Rng } from '../rng';
import type { NanPolicy } from '../sampling';
import { trainFlow, type TrainHooks, type TrainOptions } from '../train/trainer';
import type { TrainingReport } from '../report/schema';
import { ForwardPool } from '../workers/forward';
import { usableThreads } from '../workers/start';

export { initBackend, type BackendInfo };

/** The training settings of the options. */
export function trainOptionsOf(options: IntegrateOptions): TrainOptions {
  return {
    epochs: options.epochs,
    batch: options.batch,
    lr: options.lr,
    decay: options.decay,
    clip: options.clip,
    loss: options.loss,
    targetRelError: options.targetRelError,
    anneal: options.anneal,
    annealStart: options.annealStart,
    evalSamples: options.samples,
    nan: options.nan,
    threads: options.threads,
    // the slices stay (they fix the numbers); with one usable core they all run in this thread
    workers: usableThreads(options.threads) > 1 ? 'auto' : 'never',
  };
}

/**
 * Build the flow of the options (J_min check included), with `premap` under it; a warning
 * names options as `spellOption` spells them.
 * @throws OptionError when `layers` is below J_min without `forceLayers`.
 */
export function createFlow(
  problem: Problem,
  options: IntegrateOptions,
  warn: (m: string) => void,
  premap: Premap | null = null,
  spellOption: (name: string) => string = (name) => name,
): Flow {
  const jmin = checkLayers(problem.dim, options.layers, options.forceLayers);
  if (options.layers !== undefined && options.layers < jmin) {
    warn(`${spellOption('layers')} ${options.layers} is below J_min = ${jmin}: some dimensions are never conditioned on each other`);
  }
  const config = defaultFlowConfig({
    dim: problem.dim,
    spline: options.spline,
    bins: options.bins,
    layers: options.layers,
    hidden: options.hidden,
    blob: options.blob,
    force: options.forceLayers,
  });
  const flow = Flow.create(config, options.seed);
  flow.premap = premap;
  return flow;
}

/** Train `flow` on the problem (see trainFlow). */
export function trainStage(flow: Flow, problem: Problem, rng: Rng, options: TrainOptions, hooks: TrainHooks): Promise<TrainingReport> {
  return trainFlow(flow, problem, rng, options, hooks);
}

/** Relative variance per call and seconds per call of a flow, from one timed chunk. */
export interface FlowProbe {
  relVariance: number;
  secondsPerCall: number;
}

/**
 * Time `n` samples of the flow (forward pass, premap, integrand, weights) on this thread, after
 * a first untimed pass of n that warms up the backend; the 2n samples come from `rng`, give the
 * relative variance, and are not part of any estimate. With `defensive` = a > 0 they come from
 * the defensive mixture the estimate would sample (src/estimate/importance.ts).
 */
export async function probeFlow(problem: Problem, flow: Flow, n: number, rng: Rng, nan: NanPolicy, defensive = 0): Promise<FlowProbe> {
  const bare: Problem = { ...problem, events: [], observables: undefined };
  const zBuf = new Float32Array(n * problem.dim);
  const pass = async (m: Moments) => {
    const start = process.hrtime.bigint();
    await streamChunks(bare, n, SAMPLE_CHUNK, m, nan, 'training', {}, (k) => {
      const { x, logQ } = drawDefensive(flow, rng, k, defensive, zBuf);
      return { u: x, logQ };
    });
    return Number(process.hrtime.bigint() - start) / 1e9;
  };
  // the first pass pays for compiling the backend's kernels; the second one is timed
  const m = emptyMoments(problem.dim, 0);
  await pass(m);
  const seconds = await pass(m);
  const rv = relativeVariance(m);
  return { relVariance: Number.isFinite(rv) ? rv : Infinity, secondsPerCall: seconds / n };
}

/**
 * Evaluation of a flow in iterations: returns a runner of one round of n fresh samples (drawn
 * from `rng` in order; from the defensive mixture with fraction `defensive` when positive) and
 * a `close` for its worker pool. Workers start only when the run is large enough to repay their
 * start-up (PARALLEL_MIN_SAMPLES).
 */
export async function flowEvaluator(
  problem: Problem,
  flow: Flow,
  rng: Rng,
  nan: NanPolicy,
  threads: number,
  backend: string,
  expectedCalls: number,
  log?: (m: string) => void,
  defensive = 0,
): Promise<{ run: (n: number, m: Moments, hooks: StreamHooks) => Promise<Moments>; close: () => Promise<void> }> {
  const usable = usableThreads(threads);
  const pool = usable > 1 && expectedCalls >= PARALLEL_MIN_SAMPLES ? await ForwardPool.create(flow, usable, backend, log) : null;
  return {
    run: (n, m, hooks) => runImportance(problem, flow, n, rng, m, nan, hooks, pool ?? undefined, defensive),
    close: async () => {
      await pool?.close();
    },
  };
}
