/**
 * Training loop: each epoch draws a fresh batch x ~ q from the flow (no gradient), evaluates
 * |f| in float64, forms the loss coefficients (src/train/losses.ts) and takes one Adam step on
 * the surrogate -mean(c_i log q(x_i)), with log q from the differentiable inverse pass.
 * Batches are split into chunks whose gradients are summed, which bounds memory (wasm heap).
 */
import * as tf from '@tensorflow/tfjs';
import type { LossKind } from '../options';
import { premapped } from '../flow/draw';
import type { Flow } from '../flow/flow';
import type { Problem } from '../problem';
import type { Rng } from '../rng';
import { mapToDomain, weighPoints, yieldToEventLoop, type NanPolicy } from '../sampling';
import { Adam } from './adam';
import { lossTerms } from './losses';
import { createStepEngine, sliceCount, type StepEngine } from './steps';
import type { TrainingReport } from '../report/schema';

/**
 * Settings of one training: epochs (Adam steps), batch (integrand calls per step), learning
 * rate and its decay, gradient clipping, divergence, annealing and threads.
 */
export interface TrainOptions {
  epochs: number;
  batch: number;
  lr: number;
  /** Exponential learning-rate decay per epoch: lr_e = lr (1 - decay)^e. */
  decay: number;
  /** Clip the global gradient norm to this value. */
  clip: number;
  loss: LossKind;
  /** Stop once the batch relative error scaled to `evalSamples` is below this. */
  targetRelError?: number;
  evalSamples: number;
  /**
   * Tempering: over the first `anneal` fraction of the epochs the flow is trained on |f|^beta
   * with beta rising linearly from `annealStart` to 1. A tempered integrand is broader, so
   * the flow spreads over every peak before it sharpens (against collapse onto one mode).
   */
  anneal?: number;
  annealStart?: number;
  /** A non-finite |f| or weight of a training point stops training ('error') or counts as zero (src/sampling.ts). */
  nan: NanPolicy;
  /** Points per gradient chunk. */
  chunk?: number;
  /**
   * Most training threads (default 1): each batch is cut into sliceCount(batch, threads)
   * slices whose forward and gradient passes run in parallel worker threads. The slice count
   * is part of what fixes the results.
   */
  threads?: number;
  /** Active tfjs backend (workers only run for wasm and cpu); default: tf.getBackend(). */
  backend?: string;
  /** 'never' keeps every slice in this thread (same results, for tests). */
  workers?: 'auto' | 'never';
}

/** Figures of one epoch, passed to the progress hook: its loss and the batch's estimate of F. */
export interface EpochInfo {
  epoch: number;
  epochs: number;
  loss: number;
  /** Batch estimate of the integral of |f|, its standard error, and the relative sdev of w per sample. */
  integral: number;
  sdev: number;
  relSdev: number;
  lr: number;
  /** Seconds of training so far (this epoch included). */
  seconds: number;
}

/** Progress, warnings, debug lines, a stop poll and a stop rule of a training run. */
export interface TrainHooks {
  onEpoch?: (info: EpochInfo) => void;
  onWarning?: (message: string) => void;
  /** Debug messages (thread use). */
  onDebug?: (message: string) => void;
  /** Polled before each epoch; true ends training early (the flow is kept as it is). */
  shouldStop?: () => boolean;
  /**
   * Called after each step with its figures; a non-null reason ends training there (e.g. the
   * cost rule of `--method auto`: training no longer pays for itself).
   */
  stopRule?: (info: EpochInfo) => string | null;
}

/**
 * Largest number of points differentiated at once. One RQS training step needs about 28 kB
 * per point at d=4, 124 kB at d=8, 312 kB at d=16 and 2.3 MB at d=128 (14 couplings of 64
 * transformed dimensions), and the wasm heap stops at 4 GiB.
 */
export function gradientChunk(dim: number): number {
  if (dim <= 8) return 8192;
  if (dim <= 16) return 4096;
  if (dim <= 32) return 2048;
  if (dim <= 64) return 1024;
  return 512;
}
/** Learning-rate reductions allowed after non-finite steps before training stops. */
const MAX_LR_REDUCTIONS = 4;
/** Exponent of the tempered integrand at the first epoch when --anneal is on. */
const DEFAULT_ANNEAL_START = 0.1;

/** beta for this epoch: linear from `start` to 1 over the first `fraction` of the epochs. */
export function temperingExponent(epoch: number, epochs: number, fraction: number, start: number): number {
  const span = fraction * epochs;
  if (!(span >= 1) || epoch >= span) return 1;
  return start + ((1 - start) * epoch) / span;
}

/**
 * Chance below which a run of all-zero batches is taken for a flow that left the support of
 * the integrand rather than for noise: with a non-zero fraction p per point seen so far, k
 * zero batches of B points in a row happen by chance with probability (1 - p)^(kB).
 */
const ZERO_RUN_CHANCE = 1e-6;

/**
 * True when `run` all-zero batches of `batch` points in a row are too unlikely to be noise,
 * given `hits` non-zero values among `points` points drawn so far (these batches included).
 */
export function zeroRunIsDivergence(run: number, batch: number, hits: number, points: number): boolean {
  if (run === 0 || hits === 0 || points === 0) return false;
  const p = hits / points;
  // log of (1 - p)^(run batch), accurate for small p
  return run * batch * Math.log1p(-Math.min(p, 1 - 1e-12)) < Math.log(ZERO_RUN_CHANCE);
}

/** The final flow is replaced by the best one seen when its batch rel. sd is this much worse. */
const DIVERGENCE_FACTOR = 4;
/** Epochs kept in the report's history (evenly spaced). */
const HISTORY_ROWS = 50;

function formatHits(x: number): string {
  return x >= 10 ? x.toFixed(0) : x.toPrecision(2);
}

function globalNorm(flat: Float64Array): number {
  let s = 0;
  for (let i = 0; i < flat.length; i++) s += flat[i] * flat[i];
  return Math.sqrt(s);
}

/**
 * Train `flow` in place on the problem's integrand for options.epochs Adam steps (Kingma & Ba,
 * arXiv:1412.6980) of options.batch fresh points each, minimising the chosen divergence
 * between p = |f|/F and q (i-flow: Gao, Isaacson, Krause, arXiv:2001.05486, sec. 3). Stops
 * early on hooks.shouldStop, hooks.stopRule or the target relative error; when the batch
 * variance ends far above the best seen (DIVERGENCE_FACTOR) the best weights are restored.
 * Costs epochs * batch integrand calls at most.
 * @returns the training report (calls, seconds, losses, history, stop reason).
 * A run of all-zero batches too long for chance (zeroRunIsDivergence) ends the training with
 * the best weights and a stop reason.
 * @throws NumericalError when the integrand or the density is not finite and options.nan is 'error'.
 */
export async function trainFlow(
  flow: Flow,
  problem: Problem,
  rng: Rng,
  options: TrainOptions,
  hooks: TrainHooks = {},
): Promise<TrainingReport> {
  const d = problem.dim;
  const chunk = Math.min(options.chunk ?? gradientChunk(d), options.batch);
  const slices = sliceCount(options.batch, options.threads ?? 1);
  const engine = await createStepEngine(flow, {
    slices,
    chunk,
    backend: options.backend ?? tf.getBackend(),
    workers: options.workers,
    log: hooks.onDebug,
  });
  try {
    return await trainWith(engine, flow, problem, rng, options, hooks, chunk);
  } finally {
    await engine.close();
  }
}

async function trainWith(
  engine: StepEngine,
  flow: Flow,
  problem: Problem,
  rng: Rng,
  options: TrainOptions,
  hooks: TrainHooks,
  chunk: number,
): Promise<TrainingReport> {
  const start = Date.now();
  const { batch, epochs } = options;
  const d = problem.dim;
  let current = flow.getFlatWeights();
  const params = Float64Array.from(current);
  const adam = new Adam(params.length);
  const zAll = new Float32Array(batch * d);
  const w = new Float64Array(batch);
  const f = new Float64Array(chunk);
  const xDomain = new Float64Array(chunk * d);
  const jac = new Float64Array(chunk);
  const history: TrainingReport['history'] = [];
  const every = Math.max(1, Math.ceil(epochs / HISTORY_ROWS));
  let lr = options.lr;
  let lrScale = 1;
  let lrReductions = 0;
  let stopReason: string | null = null;
  let finalLoss: number | null = null;
  let finalRel: number | null = null;
  let done = 0;
  let calls = 0;
  let zeroBatches = 0;
  let zeroRun = 0;
  let hits = 0;
  const best: { rel: number; epoch: number; weights: Float32Array | null } = { rel: Infinity, epoch: 0, weights: null };

  for (let epoch = 0; epoch < epochs; epoch++) {
    await yieldToEventLoop();
    if (hooks.shouldStop?.()) {
      stopReason = 'interrupted';
      break;
    }
    // 1. sample the batch (no gradient) and evaluate |f|^beta in float64
    const beta = temperingExponent(epoch, epochs, options.anneal ?? 0, options.annealStart ?? DEFAULT_ANNEAL_START);
    rng.fill(zAll);
    // y = T(z) on the cube; with a premap V the integrand is sampled at u = V(y) and
    // log q(u) = log q_T(y) - log|det dV/dy| (src/flow/premap.ts)
    const { x, logQ } = premapped(flow, await engine.sample(zAll, batch, current), batch);
    for (let off = 0; off < batch; off += chunk) {
      const m = Math.min(chunk, batch - off);
      mapToDomain(problem, x.subarray(off * d, (off + m) * d), m, xDomain, jac);
      problem.integrand.evaluate(xDomain, m, f);
      weighPoints(f, jac, logQ.subarray(off, off + m), m, xDomain, d, w.subarray(off, off + m), {
        nan: options.nan,
        stage: 'training',
        magnitude: beta,
      });
    }
    calls += batch;
    for (let i = 0; i < batch; i++) if (w[i] !== 0) hits++;
    const terms = lossTerms(options.loss, w);
    if (terms.mean === 0) {
      // nothing to learn from this batch; for a sparse integrand a zero batch is ordinary
      // noise, and only a run of them too long for the non-zero fraction seen so far means
      // that the flow has left the support
      zeroBatches++;
      zeroRun++;
      if (best.weights && zeroRunIsDivergence(zeroRun, batch, hits, calls)) {
        stopReason =
          `training diverged: ${zeroRun} batches in a row saw only zeros of the integrand, ` +
          `where ${hits} non-zero values in ${calls} calls predict ${formatHits((hits / calls) * batch)} per batch`;
        break;
      }
      continue;
    }
    zeroRun = 0;
    if (beta === 1 && terms.relSdev < best.rel) {
      // the weights that drew this batch are the best seen so far (each step makes a new
      // `current`, so keeping the array needs no copy)
      best.weights = current;
      best.rel = terms.relSdev;
      best.epoch = epoch + 1;
    }
    // 2. gradient of the surrogate, summed over slices and chunks in float64
    const flat = await engine.gradient(terms.coef, batch);
    // 3. guard against non-finite steps, clip, apply
    const norm = globalNorm(flat);
    const finite = Number.isFinite(norm) && Number.isFinite(terms.value);
    if (!finite) {
      lrReductions++;
      if (lrReductions > MAX_LR_REDUCTIONS) {
        stopReason = 'the loss stayed non-finite after lowering the learning rate';
        hooks.onWarning?.(`training stopped at epoch ${epoch + 1}: ${stopReason}; the flow of the last finite step is used`);
        break;
      }
      lrScale /= 10;
      hooks.onWarning?.(
        `non-finite loss at epoch ${epoch + 1}: step skipped, learning rate lowered to ${(options.lr * lrScale).toPrecision(3)}`,
      );
      continue;
    }
    lr = options.lr * lrScale * Math.pow(1 - options.decay, epoch);
    adam.step(params, flat, lr, norm > options.clip ? options.clip / norm : 1);
    current = Float32Array.from(params);
    flow.setFlatWeights(current);
    done = epoch + 1;
    finalLoss = Number.isFinite(terms.value) ? terms.value : null;
    finalRel = Number.isFinite(terms.relSdev) ? terms.relSdev : null;
    if (epoch % every === 0 || epoch === epochs - 1) {
      const fin = (v: number) => (Number.isFinite(v) ? v : null);
      history.push({ epoch: epoch + 1, loss: fin(terms.value), integral: fin(terms.mean), relSdev: fin(terms.relSdev) });
    }
    const info: EpochInfo = {
      epoch: epoch + 1,
      epochs,
      loss: terms.value,
      integral: terms.mean,
      sdev: (terms.mean * terms.relSdev) / Math.sqrt(batch),
      relSdev: terms.relSdev,
      lr,
      seconds: (Date.now() - start) / 1000,
    };
    hooks.onEpoch?.(info);
    const ruled = hooks.stopRule?.(info) ?? null;
    if (ruled !== null) {
      stopReason = ruled;
      break;
    }
    if (options.targetRelError !== undefined && terms.relSdev / Math.sqrt(options.evalSamples) <= options.targetRelError) {
      stopReason = `target relative error ${options.targetRelError} reached`;
      break;
    }
  }
  // A flow much worse than the best one seen (divergence, or a collapse away from the support)
  // is replaced by that best one.
  const lastRel = finalRel ?? Infinity;
  const diverged = stopReason?.startsWith('training diverged') === true;
  if (best.weights && (diverged || lastRel > DIVERGENCE_FACTOR * best.rel)) {
    flow.setFlatWeights(best.weights);
    hooks.onWarning?.(
      `${diverged ? stopReason : `training got worse (batch rel. sd ${best.rel.toPrecision(3)} at epoch ${best.epoch}, ${lastRel.toPrecision(3)} at the end)`}; using the flow of epoch ${best.epoch}`,
    );
    finalRel = best.rel;
  }
  if (zeroBatches > 0 && best.epoch === 0) {
    hooks.onWarning?.(
      `the integrand was zero on all ${zeroBatches} training batches: the flow stays uniform; larger batches or more epochs may find the support`,
    );
  } else if (zeroBatches > 0) {
    hooks.onWarning?.(`${zeroBatches} training batch(es) saw only zeros of the integrand and were skipped`);
  }
  return {
    epochs: done,
    batch,
    calls,
    seconds: (Date.now() - start) / 1000,
    loss: options.loss,
    finalLoss,
    finalBatchRelSdev: finalRel,
    stoppedEarly: stopReason !== null,
    stopReason,
    lrReductions,
    slices: engine.slices,
    workers: engine.workers,
    history,
  };
}
