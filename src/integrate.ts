/**
 * runIntegrate: validated options -> problem -> (train flow -> importance sampling) and the
 * uniform baseline -> IntegrationResult. The core never prints: progress and warnings go
 * through hooks, and the caller renders the result.
 *
 * The stages are kept apart so that other commands reuse them: `evaluate` skips training by
 * passing a loaded flow, `merge` rebuilds a result from saved moments with `assembleResult`.
 */
import { initBackend, type BackendInfo } from './backend';
import type { IntegrateOptions } from './cli/options';
import { UsageError } from './errors';
import { Flow, defaultFlowConfig } from './flow/flow';
import { minLayers } from './flow/masks';
import { runUniform, type StreamHooks } from './estimate/evaluate';
import { PARALLEL_MIN_SAMPLES, runImportance } from './estimate/importance';
import { emptyMoments, chi2OfIterations, integralEstimate, mergeMoments, type Moments } from './estimate/stats';
import { summarize, varianceRatio } from './estimate/summary';
import { buildProblem, type Problem } from './problem';
import type { FlowSettings, IntegrationResult, Summary, TrainingReport } from './report/schema';
import { Rng, Stream } from './rng';
import { ForwardPool, usableThreads } from './train/parallel';
import { trainFlow, type EpochInfo, type TrainOptions } from './train/trainer';
import { VERSION } from './version';

export type Stage = 'train' | 'evaluate' | 'baseline';

export interface RunHooks {
  /** Progress of a stage: done out of total (epochs or samples). */
  onProgress?: (stage: Stage, done: number, total: number, detail?: EpochInfo) => void;
  onStageEnd?: (stage: Stage) => void;
  onWarning?: (message: string) => void;
  /** Diagnostics shown with --debug. */
  onDebug?: (message: string) => void;
  /** Number of interrupts received so far (first: end training / stop evaluation early). */
  interrupts?: () => number;
}

/** ESS fraction below which the report warns that the error may be underestimated. */
export const LOW_ESS_FRACTION = 0.01;
/** Largest weight over the mean weight, per 1e6 calls, above which the same warning is given. */
export const HEAVY_MAX_WEIGHT = 1000;
/** Q below which the iteration estimates are judged inconsistent. */
export const LOW_Q = 0.05;

export interface Prepared {
  problem: Problem;
  options: IntegrateOptions;
  /** A trained flow to use instead of training one (`iflow evaluate`). */
  flow?: Flow;
  /** What is known of the training of `flow`. */
  training?: TrainingReport | null;
}

export function prepareProblem(options: IntegrateOptions, defaults?: Record<string, number>): Prepared {
  if (options.dim === undefined) {
    throw new UsageError('--dim is required', 'give the number of dimensions, e.g. --dim 6');
  }
  const problem = buildProblem({
    expression: options.expression,
    dim: options.dim,
    bounds: options.bounds,
    param: options.param,
    defaults,
    event: options.event,
    tail: options.tail,
  });
  return { problem, options };
}

/** Split n samples into k near-equal iterations. */
function iterationSizes(n: number, k: number): number[] {
  const base = Math.floor(n / k);
  return Array.from({ length: k }, (_, i) => base + (i < n % k ? 1 : 0)).filter((m) => m > 0);
}

/** Warnings about the weights of the main estimate. */
export function weightWarnings(label: string, s: Summary): string[] {
  if (s.integral.mean === 0 && s.integral.sdev === 0 && s.calls > 0) {
    return [`${label}: the integrand was zero at every sample point; the integral is reported as 0 and E_p[X], P_p(A) are undefined`];
  }
  const out: string[] = [];
  const relMax = s.integral.mean !== 0 ? s.maxWeight / Math.abs(s.integral.mean) : Infinity;
  if (s.essFraction < LOW_ESS_FRACTION || relMax > HEAVY_MAX_WEIGHT * Math.max(1, s.calls / 1e6)) {
    out.push(
      `${label}: heavy-tailed weights (ESS ${(100 * s.essFraction).toPrecision(2)}% of calls, max weight ${relMax.toPrecision(3)}x the mean); the error may be underestimated`,
    );
  }
  if (s.nonFinite > 0) {
    out.push(`${label}: ${s.nonFinite} sample(s) with a non-finite integrand or density were counted as 0 (--nan zero)`);
  }
  return out;
}

export function flowSettingsOf(flow: Flow): FlowSettings {
  const c = flow.config;
  return {
    spline: c.spline,
    bins: c.bins,
    layers: c.layers,
    hidden: c.hidden,
    blob: c.blob,
    masks: c.masks.map((m) => m.map((t) => (t ? 1 : 0))),
    parameters: flow.parameterCount,
  };
}

/** Everything a result is made of apart from the sample moments. */
export interface ResultMeta {
  command: IntegrationResult['command'];
  method: IntegrationResult['method'];
  partial: boolean;
  problem: Problem;
  seed: number | null;
  backend: BackendInfo | null;
  flow: FlowSettings | null;
  training: TrainingReport | null;
  seconds: IntegrationResult['seconds'];
  warnings: string[];
}

/**
 * The result document from per-iteration moments of the main method and the baseline's.
 * Adds the warnings about weights and iteration consistency to `meta.warnings` (and reports
 * them through `warn`).
 */
export function assembleResult(
  meta: ResultMeta,
  iterations: Moments[],
  baselineMoments: Moments | null,
  warn: (m: string) => void = () => {},
): IntegrationResult {
  const { problem } = meta;
  const labels = problem.events.map((e) => e.label);
  const warnings = meta.warnings;
  const add = (m: string) => {
    warnings.push(m);
    warn(m);
  };
  const pooled = iterations.reduce((a, b) => mergeMoments(a, b), emptyMoments(problem.dim, problem.events.length));
  const estimate = summarize(pooled, labels);
  const iterRows = iterations.map((m, i) => {
    const e = integralEstimate(m);
    return { iteration: i + 1, calls: m.n, integral: { mean: e.mean, sdev: Number.isFinite(e.sdev) ? e.sdev : 0 } };
  });
  const combined = chi2OfIterations(iterations.map((m) => integralEstimate(m)));
  if (combined.dof > 0 && combined.Q < LOW_Q) {
    add(
      `the ${iterations.length} iterations disagree (chi2/dof = ${(combined.chi2 / combined.dof).toFixed(2)}, Q = ${combined.Q.toPrecision(2)}); the error cannot be trusted`,
    );
  }
  for (const w of weightWarnings(meta.method === 'flow' ? 'flow' : 'uniform', estimate)) add(w);
  const baseline = baselineMoments ? summarize(baselineMoments, labels) : null;
  const trainCalls = meta.training?.calls ?? 0;
  return {
    iflow: VERSION,
    command: meta.command,
    method: meta.method,
    partial: meta.partial,
    problem: {
      expression: problem.expression,
      dim: problem.dim,
      bounds: problem.bounds,
      params: problem.params,
      events: labels,
    },
    seed: meta.seed,
    backend: meta.backend ? { name: meta.backend.name, addon: meta.backend.addon ?? null } : null,
    flow: meta.flow,
    training: meta.training,
    estimate,
    iterations: iterRows,
    chi2: combined.dof > 0 ? combined.chi2 : null,
    dof: combined.dof,
    Q: combined.dof > 0 ? combined.Q : null,
    baseline,
    comparison: baseline
      ? { varianceReduction: varianceRatio(estimate, baseline), efficiencyGain: varianceRatio(estimate, baseline, trainCalls) }
      : null,
    calls: { train: trainCalls, evaluate: pooled.n, baseline: baseline?.calls ?? 0 },
    seconds: meta.seconds,
    warnings,
  };
}

/** What a run produced: the result plus the raw material for saving and merging. */
export interface RunOutput {
  result: IntegrationResult;
  iterations: Moments[];
  baseline: Moments | null;
  /** The trained (or given) flow; the caller disposes it. */
  flow: Flow | null;
}

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

/** Build the flow of the options (J_min check included). */
export function createFlow(problem: Problem, options: IntegrateOptions, warn: (m: string) => void): Flow {
  const jmin = minLayers(problem.dim);
  if (options.layers !== undefined && options.layers < jmin) {
    if (!options.forceLayers) {
      throw new UsageError(
        `--layers ${options.layers} is below J_min = ${jmin} for --dim ${problem.dim}`,
        'use --force-layers to accept a flow in which not every dimension is conditioned on every other',
      );
    }
    warn(`--layers ${options.layers} is below J_min = ${jmin}: some dimensions are never conditioned on each other`);
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
  return Flow.create(config, options.seed);
}

export async function runIntegrateDetailed(prepared: Prepared, hooks: RunHooks = {}): Promise<RunOutput> {
  const { problem, options } = prepared;
  const t0 = Date.now();
  const warnings: string[] = [];
  const warn = (m: string) => {
    warnings.push(m);
    hooks.onWarning?.(m);
  };
  const interrupts = () => hooks.interrupts?.() ?? 0;
  let partial = false;

  let backend: BackendInfo | null = null;
  let flow: Flow | null = prepared.flow ?? null;
  let training: TrainingReport | null = prepared.training ?? null;
  const useFlow = options.method === 'flow' || flow !== null;

  if (useFlow) backend = await initBackend(options.backend);
  if (useFlow && flow === null) {
    flow = createFlow(problem, options, warn);
    training = await trainFlow(
      flow,
      problem,
      new Rng(options.seed, Stream.train),
      trainOptionsOf(options),
      {
        onEpoch: (info) => hooks.onProgress?.('train', info.epoch, info.epochs, info),
        onWarning: warn,
        onDebug: hooks.onDebug,
        shouldStop: () => interrupts() > 0,
      },
    );
    hooks.onStageEnd?.('train');
    if (training.stopReason === 'interrupted') warn(`training interrupted after ${training.epochs} epochs; evaluating the flow as it is`);
  }

  // evaluation: fresh samples, never the training ones
  const evalRng = new Rng(options.seed, Stream.evaluate);
  const iterations: Moments[] = [];
  const evalStart = Date.now();
  const atEval = interrupts();
  const stopEval = () => interrupts() > atEval;
  let evalDone = 0;
  const pool =
    flow && backend && usableThreads(options.threads) > 1 && options.samples >= PARALLEL_MIN_SAMPLES
      ? await ForwardPool.create(flow, usableThreads(options.threads), backend.name, hooks.onDebug)
      : null;
  try {
    for (const size of iterationSizes(options.samples, options.iterations)) {
      const m = emptyMoments(problem.dim, problem.events.length);
      const streamHooks: StreamHooks = {
        onChunk: (done) => hooks.onProgress?.('evaluate', evalDone + done, options.samples),
        shouldStop: stopEval,
      };
      if (flow) await runImportance(problem, flow, size, evalRng, m, options.nan, streamHooks, pool ?? undefined);
      else await runUniform(problem, size, evalRng, m, options.nan, streamHooks, 'evaluation');
      evalDone += m.n;
      if (m.n > 0) iterations.push(m);
      if (stopEval()) {
        partial = true;
        break;
      }
    }
  } finally {
    await pool?.close();
  }
  hooks.onStageEnd?.('evaluate');
  const evalSeconds = (Date.now() - evalStart) / 1000;

  // baseline: plain uniform MC with the same number of calls
  let baselineMoments: Moments | null = null;
  let baselineSeconds = 0;
  if (flow && options.baseline && !partial) {
    const bStart = Date.now();
    const n = options.baselineSamples ?? evalDone;
    const m = emptyMoments(problem.dim, problem.events.length);
    await runUniform(problem, n, new Rng(options.seed, Stream.baseline), m, options.nan, {
      onChunk: (done) => hooks.onProgress?.('baseline', done, n),
      shouldStop: stopEval,
    });
    if (stopEval()) partial = true;
    hooks.onStageEnd?.('baseline');
    baselineMoments = m;
    baselineSeconds = (Date.now() - bStart) / 1000;
  }

  const result = assembleResult(
    {
      command: prepared.flow ? 'evaluate' : 'integrate',
      method: flow ? 'flow' : 'uniform',
      partial,
      problem,
      seed: options.seed,
      backend,
      flow: flow ? flowSettingsOf(flow) : null,
      training,
      seconds: {
        train: prepared.flow ? 0 : training?.seconds ?? 0,
        evaluate: evalSeconds,
        baseline: baselineSeconds,
        total: (Date.now() - t0) / 1000,
      },
      warnings,
    },
    iterations,
    baselineMoments,
    hooks.onWarning,
  );
  return { result, iterations, baseline: baselineMoments, flow };
}

/** Run and return only the result (the flow is disposed). */
export async function runIntegrate(prepared: Prepared, hooks: RunHooks = {}): Promise<IntegrationResult> {
  const out = await runIntegrateDetailed(prepared, hooks);
  if (out.flow && out.flow !== prepared.flow) out.flow.dispose();
  return out.result;
}
