/**
 * runIntegrate: validated options -> problem -> sampler (VEGAS map, flow on top of it) ->
 * float64 estimate (to an accuracy target or a fixed budget) and the uniform baseline ->
 * IntegrationResult. The core never prints: progress and warnings go through hooks, and the
 * caller renders the result.
 *
 * Methods (--method): `vegas` adapts Lepage's map and VEGAS+ stratification and samples with
 * them; `flow` trains an i-flow (on top of the map unless --premap none) and samples from it;
 * `auto` adapts the map, then trains a flow on top only while the cost model of
 * src/stages/choice.ts says it pays, and samples with whichever sampler reaches the target
 * sooner; `uniform` is plain Monte Carlo. TensorFlow.js is loaded only when a flow is trained
 * or given (src/stages/flow.ts).
 *
 * The stages are kept apart so that other commands reuse them: `evaluate` skips training by
 * passing a loaded flow, `merge` rebuilds a result from saved moments with `assembleResult`.
 */
import type { BackendInfo } from './backend';
import { encodeBounds, type AxisMap } from './domain';
import { OptionError } from './errors';
import type { IntegrateOptions } from './options';
import { runUniform, type StreamHooks } from './estimate/evaluate';
import { emptyMoments, chi2OfIterations, integralEstimate, mergeMoments, type Estimate, type Moments } from './estimate/stats';
import { summarize, varianceRatio } from './estimate/summary';
import { largestBoundaryMass } from './estimate/boundary';
import { CorrelationSums } from './estimate/correlation';
import { relativeErrorSought, sampleToTarget, type AccuracyTarget, type TargetOutcome } from './estimate/target';
import { judgeEstimate, type BoundaryFinding, type CorrelationFinding, type Verdict } from './estimate/verdict';
import type { Flow } from './flow/flow';
import { checkLayers } from './flow/masks';
import { buildProblem, type Problem } from './problem';
import { observablesOf, type ObservableOptionsInput, type ObservableSpec } from './observables/options';
import { summarizeObservables } from './observables/summary';
import type { ChoiceReport, FlowSettings, IntegrationResult, MapReport, TargetReport, TrainingReport } from './report/schema';
import { Rng, Stream } from './rng';
import { AUTO_TRAIN_MIN_SECONDS, secondsToPrecision, TrainingPayoff, TrainingPlateau, type SamplerFigures } from './stages/choice';
import { adaptMapStage, type MapStage } from './stages/vegas';
import type { AdaptiveMap } from './vegas';
import type { EpochInfo } from './train/trainer';
import { VERSION } from './version';

/** The stages of a run, in order, as progress hooks name them. */
export type Stage = 'adapt' | 'train' | 'evaluate' | 'baseline';

/** What a caller learns during a run (progress, warnings, debug lines, the evaluation's samples) and its interrupt count. */
export interface RunHooks {
  /** Progress of a stage: done out of total (epochs or samples). */
  onProgress?: (stage: Stage, done: number, total: number, detail?: EpochInfo) => void;
  onStageEnd?: (stage: Stage) => void;
  onWarning?: (message: string) => void;
  /** Diagnostics shown with --debug. */
  onDebug?: (message: string) => void;
  /**
   * How the caller names an option in warnings (the command line: "maxTime" -> "--max-time");
   * absent, options are named as in src/options.ts.
   */
  spellOption?: (name: string) => string;
  /** Number of interrupts received so far (first: end training / stop evaluation early). */
  interrupts?: () => number;
  /** The evaluation's weighted samples, chunk by chunk (StreamHooks.onSamples; not the baseline's). */
  onSamples?: StreamHooks['onSamples'];
}

/**
 * A problem ready to run, with the options it was made from. `O` is the options' type: the
 * core's, or a front end's that extends them.
 */
export interface Prepared<O extends IntegrateOptions = IntegrateOptions> {
  problem: Problem;
  options: O;
  /** A trained flow to use instead of training one (`iflow evaluate`). */
  flow?: Flow;
  /** What is known of the training of `flow`. */
  training?: TrainingReport | null;
  /** Where adaptation and training start instead of from scratch (a parameter scan's previous value). */
  warm?: WarmStart;
}

/**
 * What a run hands to the run of a neighbouring problem (the next value of a parameter scan):
 * its adapted VEGAS map and its trained flow's weights (flat, in the order of
 * Flow.getFlatWeights), either null when the run made none. The next run copies them.
 */
export interface WarmStart {
  map: AdaptiveMap | null;
  flowWeights: Float32Array | null;
}

/**
 * The problem of the options. `maps` (a saved model's axis maps) fixes the domain map;
 * otherwise the option `scale` decides it (a pilot run seeded with `seed` for 'auto'), with the
 * power maps of `powerMap` (src/singular.ts) unless the method is 'uniform'. `observables`
 * (src/observables/options.ts: further integrands `also`, `histograms` of observables,
 * `histNormalize`) are weighed on the estimate's points; absent, the run is unchanged.
 * @throws OptionError when `dim` is missing or `layers` is below J_min (unless `forceLayers`).
 * @throws UsageError on bad expressions (the observables' included).
 */
export function prepareProblem<O extends IntegrateOptions>(
  options: O,
  defaults?: Record<string, number>,
  maps?: AxisMap[],
  observables?: ObservableOptionsInput,
): Prepared<O> {
  if (options.dim === undefined) {
    throw new OptionError('{dim} is required', 'give the number of dimensions, e.g. {dim} 6');
  }
  // before any work, also when auto may end without a flow
  if (options.method !== 'uniform' && options.method !== 'vegas') checkLayers(options.dim, options.layers, options.forceLayers);
  const problem = buildProblem({
    expression: options.expression,
    dim: options.dim,
    bounds: options.bounds,
    scale: options.scale,
    // plain Monte Carlo samples the user's domain: no probe for power maps it would not use
    powerMap: options.method === 'uniform' ? 'none' : options.powerMap,
    seed: options.seed,
    maps,
    param: options.param,
    defaults,
    event: options.event,
    tail: options.tail,
    observables: observables ?? observablesOf(options),
  });
  return { problem, options };
}

/** Split n samples into k near-equal iterations. */
function iterationSizes(n: number, k: number): number[] {
  const base = Math.floor(n / k);
  return Array.from({ length: k }, (_, i) => base + (i < n % k ? 1 : 0)).filter((m) => m > 0);
}

/**
 * The verdict's reasons as warning lines, each led by the label of the estimate
 * ("flow", "uniform", "uniform baseline").
 */
function verdictWarnings(label: string, v: Verdict): string[] {
  return v.reasons.map((r) => `${label}: ${r.message}`);
}

/** The settings of a flow as the result reports them (premap, spline, bins, layers, widths, masks, parameter count). */
function flowSettingsOf(flow: Flow): FlowSettings {
  const c = flow.config;
  return {
    premap: flow.premap ? 'vegas' : 'none',
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
  /** The run was interrupted: the figures cover only what was done. */
  interrupted: boolean;
  problem: Problem;
  seed: number | null;
  backend: BackendInfo | null;
  flow: FlowSettings | null;
  /** The defensive fraction a of a flow's final estimate (null when no flow sampled it). */
  defensive?: number | null;
  training: TrainingReport | null;
  seconds: IntegrationResult['seconds'];
  warnings: string[];
  /** The VEGAS adaptation, when there was one. */
  adaptation?: MapReport | null;
  /** What --method auto chose and why. */
  choice?: ChoiceReport | null;
  /** The accuracy target and whether it was reached. */
  target?: TargetReport | null;
  /** What the boundary probe found (null: not probed, or nothing). */
  boundary?: BoundaryFinding | null;
  /** How much p correlates its coordinates, when a separable sampler (the VEGAS map) sampled the estimate. */
  correlation?: CorrelationFinding | null;
  /**
   * The average of the VEGAS adaptation's last iterations when the estimate sampled with that
   * map (null otherwise): the verdict checks that the two agree.
   */
  adaptationIntegral?: Estimate | null;
}

/**
 * The result document from per-iteration moments of the main method and the baseline's.
 * Judges both (src/estimate/verdict.ts: the main estimate with its iterations' Q) and adds
 * the reasons of an unreliable verdict to `meta.warnings` (and reports them through `warn`).
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
  const summary = summarize(pooled, labels);
  const iterRows = iterations.map((m, i) => {
    const e = integralEstimate(m);
    return { iteration: i + 1, calls: m.n, integral: { mean: e.mean, sdev: Number.isFinite(e.sdev) ? e.sdev : 0 } };
  });
  const combined = chi2OfIterations(iterations.map((m) => integralEstimate(m)));
  const estimate = {
    ...summary,
    verdict: judgeEstimate(summary, combined, meta.boundary ?? null, meta.correlation ?? null, meta.adaptationIntegral ?? null),
  };
  for (const w of verdictWarnings(meta.method, estimate.verdict)) add(w);
  const baseline = baselineMoments ? summarize(baselineMoments, labels) : null;
  if (baseline) for (const w of verdictWarnings('uniform baseline', baseline.verdict)) add(w);
  const observables = problem.observables
    ? summarizeObservables(
        problem.observables.spec,
        pooled.observables,
        iterations.map((m) => m.observables),
        meta.method !== 'uniform',
      )
    : null;
  if (observables) for (const w of observables.warnings) add(w);
  const trainCalls = meta.training?.calls ?? 0;
  return {
    iflow: VERSION,
    command: meta.command,
    method: meta.method,
    interrupted: meta.interrupted,
    problem: {
      expression: problem.expression,
      dim: problem.dim,
      bounds: encodeBounds(problem.bounds),
      ...(problem.domain.plain ? {} : { maps: problem.domain.axes.map((a) => ({ ...a })), pilotCalls: problem.domain.pilotCalls }),
      params: problem.params,
      events: labels,
    },
    seed: meta.seed,
    backend: meta.backend ? { name: meta.backend.name, addon: meta.backend.addon ?? null } : null,
    flow: meta.flow,
    defensive: meta.defensive ?? null,
    training: meta.training,
    estimate,
    iterations: iterRows,
    chi2: combined.dof > 0 ? combined.chi2 : null,
    dof: combined.dof,
    Q: combined.dof > 0 ? combined.Q : null,
    baseline,
    reliable: estimate.verdict.reliable,
    comparison: baseline
      ? {
          baselineReliable: baseline.verdict.reliable,
          varianceReduction: varianceRatio(estimate, baseline),
          efficiencyGain: varianceRatio(estimate, baseline, trainCalls + (meta.adaptation?.calls ?? 0)),
        }
      : null,
    calls: { adapt: meta.adaptation?.calls ?? 0, train: trainCalls, evaluate: pooled.n, baseline: baseline?.calls ?? 0 },
    seconds: meta.seconds,
    adaptation: meta.adaptation ?? null,
    choice: meta.choice ?? null,
    target: meta.target ?? null,
    warnings,
    ...(observables ? { observables: observables.report } : {}),
  };
}

/** What a run produced: the result plus the raw material for saving and merging. */
export interface RunOutput {
  result: IntegrationResult;
  iterations: Moments[];
  baseline: Moments | null;
  /** The trained (or given) flow when the final estimate sampled it; the caller disposes it. */
  flow: Flow | null;
  /** The adapted map and the trained flow's weights, for a run of a neighbouring problem. */
  warm: WarmStart;
  /** What the boundary probe found (null: nothing, or no estimate); partial documents carry it. */
  boundary?: BoundaryFinding | null;
  /** The correlation of p under a separable sampler (null: another sampler); partial documents carry it. */
  correlation?: CorrelationFinding | null;
  /** What was estimated besides F (src/observables), when anything was: the partial document records it. */
  observables?: ObservableSpec;
}

/** The accuracy target of the options, or null for a fixed budget (-n). */
function targetOf(options: IntegrateOptions): AccuracyTarget | null {
  if (options.relError === undefined && options.absError === undefined) return null;
  return { relError: options.relError, absError: options.absError };
}

/** Samples of the flow timed before training under auto (not part of any estimate). */
const PROBE_CALLS = 4096;
/** Fresh samples of the trained flow under auto that measure its variance (not part of any estimate). */
const FLOW_CHECK_CALLS = 16384;
/** Training under --max-time stops after this share of the time (the estimate needs the rest). */
const TRAIN_TIME_SHARE = 0.5;
/** Adaptations of the VEGAS map on principal axes under --max-time end within this share of the time, as training does. */
const AXES_TIME_SHARE = TRAIN_TIME_SHARE;

/**
 * The square of the relative error the auto decision is about: the target's at the map's
 * estimate of |F|, or, for a fixed budget of n calls, what the map alone reaches with them
 * (v_map / n). Null when neither is known.
 */
function decisionPrecision2(target: AccuracyTarget | null, n: number, map: MapStage | null): number | null {
  if (!map) return null;
  if (target) {
    const r = relativeErrorSought(target, map.integral.mean);
    return r > 0 ? r * r : null;
  }
  return map.relVariance / n;
}

/** Most calls of one round of a VEGAS estimate of a fixed budget under --max-time (it stops only between rounds). */
const TIMED_VEGAS_ROUND = 1 << 18;

/**
 * The map stage's report; `principalAxes.used` says that the estimate samples on the principal
 * axes, so it is false when the flow or plain Monte Carlo sampled the estimate.
 */
function adaptationReport(map: MapStage, sampler: 'flow' | 'vegas' | 'uniform'): MapReport {
  const report = map.report();
  const axes = report.principalAxes;
  return axes && sampler !== 'vegas' ? { ...report, principalAxes: { ...axes, used: false } } : report;
}

const fmtS = (s: number) => (Number.isFinite(s) ? `${s.toPrecision(2)} s` : 'unbounded');

/**
 * One integration, stage by stage (see the module comment): the VEGAS map, a flow when the
 * method asks for one or auto finds it pays, the final estimate on fresh samples (to the
 * accuracy target, or options.samples calls), and the uniform baseline.
 * @returns the result with the moments behind it, the flow when it sampled the estimate (the
 *   caller disposes it), and the warm start for a neighbouring problem.
 * @throws NumericalError when the integrand or a density is not finite (options.nan 'error').
 */
export async function runIntegrateDetailed(prepared: Prepared, hooks: RunHooks = {}): Promise<RunOutput> {
  const { problem, options } = prepared;
  const t0 = Date.now();
  const clock = () => (Date.now() - t0) / 1000;
  const warnings: string[] = [];
  const warn = (m: string) => {
    warnings.push(m);
    hooks.onWarning?.(m);
  };
  const interrupts = () => hooks.interrupts?.() ?? 0;
  const opt = (name: string) => hooks.spellOption?.(name) ?? name;
  const target = targetOf(options);
  const maxTime = options.maxTime ?? Infinity;
  const given = prepared.flow ?? null;
  const method = given ? 'flow' : options.method;
  // plain Monte Carlo (the baseline, --method uniform) samples the user's domain, not the power maps of the samplers
  const plain: Problem = problem.domain.warped ? { ...problem, domain: problem.domain.withoutWarps() } : problem;
  let interrupted = false;

  // 1. the VEGAS map (and VEGAS+ strata), unless the run samples uniformly or a bare flow
  let map: MapStage | null = null;
  if (!given && (method === 'vegas' || method === 'auto' || (method === 'flow' && options.premap === 'vegas'))) {
    const warmMap = prepared.warm?.map && prepared.warm.map.dim === problem.dim ? prepared.warm.map : null;
    // under --method flow the map is only the flow's premap, which is the map on the cube's own
    // axes: adaptations on principal axes would serve no estimate
    map = await adaptMapStage(
      problem,
      method === 'flow' ? { ...options, principalAxes: 'none' } : options,
      new Rng(options.seed, Stream.adapt),
      {
        onProgress: (done, total) => hooks.onProgress?.('adapt', done, total),
        shouldStop: () => interrupts() > 0,
        axesSecondsLeft: () => AXES_TIME_SHARE * maxTime - clock(),
      },
      warmMap,
    );
    hooks.onStageEnd?.('adapt');
    if (map.interrupted) warn('adaptation interrupted; sampling with the map as it is');
  }
  const mapFigures: SamplerFigures | null = map ? { relVariance: map.relVariance, secondsPerCall: map.secondsPerCall } : null;
  const rel2 = decisionPrecision2(target, options.samples, map);
  const mapSeconds = mapFigures && rel2 !== null ? secondsToPrecision(mapFigures, rel2) : null;

  // 2. the flow: given (evaluate), always (--method flow), or under auto while it pays
  let flow: Flow | null = given;
  let training: TrainingReport | null = prepared.training ?? null;
  let backend: BackendInfo | null = null;
  let train = method === 'flow' && !given;
  let reason = '';
  if (method === 'auto') {
    if (mapSeconds === null || !Number.isFinite(mapSeconds)) reason = 'the map gave no usable variance estimate';
    else if (mapSeconds < AUTO_TRAIN_MIN_SECONDS) {
      reason = `the map alone needs about ${fmtS(mapSeconds)}, less than a flow costs to train (${AUTO_TRAIN_MIN_SECONDS} s)`;
    } else if (interrupts() > 0) reason = 'interrupted before training';
    else train = true;
  }
  const flowStage = train || given ? await import('./stages/flow') : null;
  let flowFigures: SamplerFigures | null = null;
  let trainedWeights: Float32Array | null = null;
  let probeCalls = 0;
  if (flowStage) backend = await flowStage.initBackend(options.backend);
  if (flowStage && train) {
    flow = flowStage.createFlow(problem, options, warn, options.premap === 'vegas' && map ? map.map : null, opt);
    const warmWeights = prepared.warm?.flowWeights ?? null;
    const plateau = warmWeights && warmWeights.length === flow.getFlatWeights().length ? new TrainingPlateau() : null;
    if (plateau && warmWeights) flow.setFlatWeights(warmWeights);
    let payoff: TrainingPayoff | null = null;
    // timed samples of the flow (the estimate's mixture included), not part of any estimate
    const trained = flow;
    const probeOf = (calls: number) =>
      flowStage.probeFlow(problem, trained, calls, new Rng(options.seed, Stream.probe), options.nan, options.defensive);
    if (method === 'auto' && rel2 !== null) {
      const probe = await probeOf(PROBE_CALLS);
      probeCalls = 2 * PROBE_CALLS;
      flowFigures = probe;
      payoff = new TrainingPayoff(probe.secondsPerCall, rel2);
    }
    training = await flowStage.trainStage(flow, problem, new Rng(options.seed, Stream.train), flowStage.trainOptionsOf(options), {
      onEpoch: (info: EpochInfo) => hooks.onProgress?.('train', info.epoch, info.epochs, info),
      onWarning: warn,
      onDebug: hooks.onDebug,
      shouldStop: () => interrupts() > 0 || clock() > TRAIN_TIME_SHARE * maxTime,
      stopRule: payoff || plateau ? (info) => payoff?.observe(info) ?? plateau?.observe(info) ?? null : undefined,
    });
    hooks.onStageEnd?.('train');
    trainedWeights = flow.getFlatWeights();
    if (training.stopReason === 'interrupted') {
      if (interrupts() > 0) warn(`training interrupted after ${training.epochs} epochs; evaluating the flow as it is`);
      else training.stopReason = `${opt('maxTime')}: training stopped after ${fmtS(training.seconds)}`;
    }
    if (payoff) {
      // the flow's variance per call from fresh samples of the trained flow: training batches
      // of 1000 points understate heavy-tailed weights (gauss_d16: a batch mean of 0.2, 22 measured)
      const probe = await probeOf(FLOW_CHECK_CALLS);
      probeCalls += 2 * FLOW_CHECK_CALLS;
      flowFigures = { relVariance: Math.max(probe.relVariance, payoff.recentRelVariance()), secondsPerCall: probe.secondsPerCall };
    }
  }

  // 3. the sampler of the final estimate
  let sampler: 'flow' | 'vegas' | 'uniform';
  let flowSeconds: number | null = null;
  if (method === 'flow') sampler = 'flow';
  else if (method === 'uniform') sampler = 'uniform';
  else if (method === 'vegas' || !flow) sampler = 'vegas';
  else {
    flowSeconds = flowFigures && rel2 !== null ? secondsToPrecision(flowFigures, rel2) : Infinity;
    sampler = flowSeconds < (mapSeconds ?? Infinity) ? 'flow' : 'vegas';
    reason =
      `predicted sampling time ${fmtS(flowSeconds)} with the flow, ${fmtS(mapSeconds ?? Infinity)} with the map alone` +
      (training?.stopReason ? ` (${training.stopReason})` : '');
  }
  if (sampler !== 'flow' && flow && flow !== given) {
    flow.dispose();
    flow = null;
  }
  const chosen = sampler === 'flow' ? flowFigures : sampler === 'vegas' ? mapFigures : null;
  const choice: ChoiceReport | null =
    method === 'auto'
      ? {
          requested: 'auto',
          sampler,
          reason,
          map: mapFigures,
          flow: flowFigures,
          probeCalls,
          predictedSeconds: { map: mapSeconds, flow: flowSeconds },
        }
      : null;

  // 4. the final estimate: fresh samples, never the training ones
  const evalRng = new Rng(options.seed, Stream.evaluate);
  const expected = target && chosen && rel2 !== null ? chosen.relVariance / rel2 : options.samples;
  let run: (n: number, m: Moments, h: StreamHooks) => Promise<Moments>;
  let closeEval = async () => {};
  if (sampler === 'flow' && flowStage && flow && backend) {
    const ev = await flowStage.flowEvaluator(
      problem,
      flow,
      evalRng,
      options.nan,
      options.threads,
      backend.name,
      expected,
      hooks.onDebug,
      options.defensive,
    );
    run = ev.run;
    closeEval = ev.close;
  } else if (sampler === 'vegas' && map) {
    const stage = map;
    run = (n, m, h) => stage.runRound(n, m, evalRng, options.nan, h);
  } else {
    run = (n, m, h) => runUniform(plain, n, evalRng, m, options.nan, h, 'evaluation');
  }
  const iterations: Moments[] = [];
  // the VEGAS map is separable: how much p correlates its coordinates (along the principal
  // axes when the map samples on them) goes into its verdict
  // (only the points the sums keep are rotated onto the axes: rotating all of them cost as much
  // as drawing them, 0.12 us a call in d = 8)
  const axes = sampler === 'vegas' ? (map?.axes ?? null) : null;
  const correlationSums =
    sampler === 'vegas' ? new CorrelationSums(problem.dim, axes ? (u, offset, out) => axes.pointToAxes(u, offset, out) : undefined) : null;
  let outcome: TargetOutcome | null = null;
  const evalStart = Date.now();
  const atEval = interrupts();
  const stopEval = () => interrupts() > atEval;
  let evalDone = 0;
  let evalTotal = target ? Math.max(1, Math.ceil(expected)) : options.samples;
  const roundHooks = (n: number): StreamHooks => {
    const before = evalDone;
    evalTotal = Math.max(evalTotal, before + n);
    return {
      onChunk: (done) => hooks.onProgress?.('evaluate', before + done, evalTotal),
      shouldStop: sampler === 'vegas' ? stopEval : () => stopEval() || clock() > maxTime,
      onSamples: correlationSums
        ? (x, w, n, u) => {
            correlationSums.add(axes ? u : x, w, n);
            hooks.onSamples?.(x, w, n, u);
          }
        : hooks.onSamples,
    };
  };
  const runCounted = async (n: number, m: Moments) => {
    const out = await run(n, m, roundHooks(n));
    evalDone += out.n;
    return out;
  };
  try {
    if (target) {
      outcome = await sampleToTarget(runCounted, {
        target,
        caps: { maxCalls: options.maxCalls, seconds: maxTime - clock() },
        dim: problem.dim,
        events: problem.events.length,
        relVariance: chosen?.relVariance ?? null,
        scale: map ? Math.abs(map.integral.mean) : null,
        secondsPerCall: chosen?.secondsPerCall ?? null,
        interrupted: stopEval,
      });
      iterations.push(...outcome.rounds);
      if (outcome.stopReason === 'interrupted') interrupted = true;
    } else {
      // a VEGAS round is a whole stratified iteration and cannot stop halfway: under --max-time
      // the budget runs in rounds of at most TIMED_VEGAS_ROUND calls, and stops between them
      const timed = sampler === 'vegas' && Number.isFinite(maxTime);
      const rounds = timed ? Math.max(options.iterations, Math.ceil(options.samples / TIMED_VEGAS_ROUND)) : options.iterations;
      for (const size of iterationSizes(options.samples, rounds)) {
        if (timed && iterations.length > 0 && clock() > maxTime) {
          warn(`${opt('maxTime')}: the estimate stopped after ${evalDone} of ${options.samples} calls`);
          break;
        }
        const m = await runCounted(size, emptyMoments(problem.dim, problem.events.length));
        if (m.n > 0) iterations.push(m);
        if (m.n < size) {
          // an interrupt marks the result interrupted; --max-time ends the estimate with what it has
          if (stopEval()) interrupted = true;
          else warn(`${opt('maxTime')}: the estimate stopped after ${evalDone} of ${options.samples} calls`);
          break;
        }
      }
    }
  } finally {
    await closeEval();
  }
  hooks.onStageEnd?.('evaluate');
  const evalSeconds = (Date.now() - evalStart) / 1000;

  // 5. baseline: plain uniform MC with the same number of calls
  let baselineMoments: Moments | null = null;
  let baselineSeconds = 0;
  if (sampler !== 'uniform' && options.baseline && !interrupted) {
    const bStart = Date.now();
    const n = options.baselineSamples ?? evalDone;
    const m = emptyMoments(problem.dim, problem.events.length);
    // the baseline counts against --max-time too: it stops there with the calls it has
    // the baseline estimates F alone: the observables belong to the main estimate
    await runUniform({ ...plain, observables: undefined }, n, new Rng(options.seed, Stream.baseline), m, options.nan, {
      onChunk: (done) => hooks.onProgress?.('baseline', done, n),
      shouldStop: () => stopEval() || clock() > maxTime,
    });
    if (stopEval()) interrupted = true;
    else if (m.n === 0) warn(`${opt('maxTime')}: no time was left for the uniform baseline; the result has none`);
    else if (m.n < n) warn(`${opt('maxTime')}: the uniform baseline stopped after ${m.n} of ${n} calls`);
    hooks.onStageEnd?.('baseline');
    // a baseline of no calls has no estimate to report (nor to compare against)
    baselineMoments = m.n > 0 ? m : null;
    baselineSeconds = (Date.now() - bStart) / 1000;
  }

  if (training && probeCalls > 0) training = { ...training, calls: training.calls + probeCalls };
  if (training && map && flow?.premap && Number.isFinite(map.relVariance))
    training = { ...training, mapRelSdev: Math.sqrt(map.relVariance) };
  const targetReport: TargetReport | null =
    target && outcome
      ? {
          relError: target.relError ?? null,
          absError: target.absError ?? null,
          sought: outcome.sought,
          reached: outcome.reached,
          callsNeeded: outcome.callsNeeded,
          stopReason: outcome.stopReason,
          maxCalls: options.maxCalls,
          maxTime: options.maxTime ?? null,
        }
      : null;
  if (targetReport && !targetReport.reached && !interrupted) {
    warn(
      `the target error ${targetReport.sought.toPrecision(3)} was not reached (${targetReport.stopReason})` +
        (targetReport.callsNeeded !== null
          ? `; about ${targetReport.callsNeeded.toPrecision(3)} calls would reach it at the measured variance`
          : ''),
    );
  }
  const boundary = iterations.length > 0 ? boundaryFinding(sampler === 'uniform' ? plain : problem, options.seed) : null;
  const eigenvalue = correlationSums?.largestEigenvalue() ?? null;
  const correlation: CorrelationFinding | null = eigenvalue !== null ? { eigenvalue } : null;
  const result = assembleResult(
    {
      command: given ? 'evaluate' : 'integrate',
      method: sampler,
      interrupted,
      problem,
      seed: options.seed,
      backend,
      flow: flow ? flowSettingsOf(flow) : null,
      defensive: sampler === 'flow' ? options.defensive : null,
      training: sampler === 'flow' || method === 'auto' ? training : null,
      seconds: {
        adapt: map?.seconds ?? 0,
        train: given ? 0 : (training?.seconds ?? 0),
        evaluate: evalSeconds,
        baseline: baselineSeconds,
        total: (Date.now() - t0) / 1000,
      },
      warnings,
      adaptation: map ? adaptationReport(map, sampler) : null,
      choice,
      target: targetReport,
      boundary,
      correlation,
      adaptationIntegral: sampler === 'vegas' && map && !map.interrupted ? map.integral : null,
    },
    iterations,
    baselineMoments,
    hooks.onWarning,
  );
  const warm: WarmStart = { map: map?.map ?? null, flowWeights: trainedWeights };
  return {
    result,
    iterations,
    baseline: baselineMoments,
    flow,
    warm,
    boundary,
    correlation,
    ...(problem.observables ? { observables: problem.observables.spec } : {}),
  };
}

/**
 * The boundary probe's finding for the verdict (src/estimate/boundary.ts): the face of the cube
 * whose thinnest slab holds the most mass.
 */
function boundaryFinding(problem: Problem, seed: number): BoundaryFinding | null {
  const edge = largestBoundaryMass(problem, new Rng(seed, Stream.boundary));
  if (!edge) return null;
  return { where: `x${edge.axis + 1} = ${problem.bounds[edge.axis][edge.face]}`, width: edge.width, mass: edge.mass };
}

/** Run and return only the result (the flow is disposed). */
export async function runIntegrate(prepared: Prepared, hooks: RunHooks = {}): Promise<IntegrationResult> {
  const out = await runIntegrateDetailed(prepared, hooks);
  if (out.flow && out.flow !== prepared.flow) out.flow.dispose();
  return out.result;
}
