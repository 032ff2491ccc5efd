/**
 * The result document: what `--json` prints and what the text report renders.
 * The tests parse every JSON output against this schema.
 */
import * as z from 'zod';
import { reasonCodes } from '../estimate/verdict';
import { withRenamedKeys } from '../jsonFile';

/** A bound in JSON: a finite number, or "inf" / "-inf" for an open end (JSON has no Infinity). */
export const jsonBoundSchema = z.union([
  z.number().refine(Number.isFinite, 'expected a finite number, "inf" or "-inf"'),
  z.literal('inf'),
  z.literal('-inf'),
]);

/** The map of one axis from the unit cube (src/domain.ts). */
export const axisMapSchema = z.object({
  kind: z.enum(['linear', 'upper', 'lower', 'tan']),
  /** lo (linear, upper), hi (lower) or the centre (tan). */
  origin: z.number().refine(Number.isFinite, 'expected a finite number'),
  /** hi - lo (linear) or the scale s. */
  scale: z.number().refine((v) => v > 0 && Number.isFinite(v), 'expected a positive finite number'),
  /** A power map at an integrable singularity of an end (src/domain.ts AxisWarp); absent: none. */
  warp: z
    .object({
      at: z.enum(['lower', 'upper', 'both']),
      power: z.number().refine((p) => p >= 1 && Number.isFinite(p), 'expected a finite number >= 1'),
    })
    .optional(),
});

/** A finite estimate: its mean and standard error (sdev), in the units of the integral. */
const estimateSchema = z.object({ mean: z.number(), sdev: z.number() });

/** Whether an estimate can be trusted, and why not (src/estimate/verdict.ts). */
const verdictSchema = z.object({
  reliable: z.boolean(),
  reasons: z.array(z.object({ code: z.enum(reasonCodes), message: z.string() })),
});

/**
 * The summary of one weighted sample (src/estimate/summary.ts): the integral F with its error,
 * expectations and event probabilities under p = f/F, the weight diagnostics and the verdict.
 * Used for the main estimate and for the uniform baseline.
 */
export const summarySchema = z.object({
  /** Integrand calls behind this summary. */
  calls: z.number().int().nonnegative(),
  integral: estimateSchema,
  /** E_p[X_k] for p = f/F, one per dimension (null where undefined, e.g. F = 0). */
  expectation: z.array(estimateSchema.nullable()),
  /** P_p(A) per event, in the order given. */
  events: z.array(z.object({ label: z.string(), probability: estimateSchema.nullable() })),
  /** Kish effective sample size (sum |w|)^2 / sum w^2 and its fraction of calls. */
  ess: z.number().nonnegative(),
  essFraction: z.number().nonnegative(),
  /** mean |w| / max |w|: acceptance rate of unweighting. */
  unweightingEfficiency: z.number().nonnegative(),
  maxWeight: z.number().nonnegative(),
  /** Var(w)/F^2: relative variance per call (null when F = 0). */
  relativeVariance: z.number().nullable(),
  zeros: z.number().int().nonnegative(),
  nonFinite: z.number().int().nonnegative(),
  /** Pareto k-hat of the largest |w| (Vehtari et al. 2024); null when there is no tail to fit. */
  khat: z.number().nullable(),
  /**
   * True when f changes sign among the samples: `expectation` and `events` are then ratios
   * of signed integrals (int g f dx / int f dx), not expectations under a density.
   */
  signed: z.boolean(),
  verdict: verdictSchema,
});

/** One of the --iterations the evaluation sample is split into: its calls and its own estimate of F. */
const iterationSchema = z.object({
  iteration: z.number().int().positive(),
  calls: z.number().int().nonnegative(),
  integral: estimateSchema,
});

/** The training section of a result (documents naming `slices` by the earlier key `threads` are read too). */
export const trainingSchema = withRenamedKeys(
  z.object({
    epochs: z.number().int().nonnegative(),
    batch: z.number().int().positive(),
    calls: z.number().int().nonnegative(),
    seconds: z.number().nonnegative(),
    loss: z.string(),
    finalLoss: z.number().nullable(),
    /** Relative standard deviation of f/q on the last training batch. */
    finalBatchRelSdev: z.number().nullable(),
    stoppedEarly: z.boolean(),
    stopReason: z.string().nullable(),
    /** Learning-rate reductions after non-finite losses. */
    lrReductions: z.number().int().nonnegative(),
    /** Slices of each batch (min(--threads, floor(batch / 1000)); part of what fixes the numbers) and worker threads used. */
    slices: z.number().int().positive().optional(),
    workers: z.number().int().nonnegative().optional(),
    history: z.array(
      z.object({ epoch: z.number().int(), loss: z.number().nullable(), integral: z.number().nullable(), relSdev: z.number().nullable() }),
    ),
    /** Relative sdev per call of the VEGAS map the flow was trained on (the level training starts from). */
    mapRelSdev: z.number().nullable().optional(),
  }),
  { threads: 'slices' },
);

/**
 * The architecture of the trained flow (src/flow/flow.ts FlowConfig): spline family, bins per
 * spline, coupling layers, hidden widths of each coupling MLP, one-blob bins (0 = off), the
 * 0/1 masks of the layers ([layers][dim]) and the count of trainable parameters.
 */
export const flowSettingsSchema = z.object({
  /** The map under the flow: 'vegas' (x = V(T(z))) or 'none' (the bare flow). */
  premap: z.enum(['vegas', 'none']).default('none'),
  spline: z.string(),
  bins: z.number().int(),
  layers: z.number().int(),
  hidden: z.array(z.number().int()),
  blob: z.number().int(),
  masks: z.array(z.array(z.number().int())),
  parameters: z.number().int(),
});

/** Relative variance per call Var(w)/F^2 and seconds per call of a sampler. */
const samplerFiguresSchema = z.object({ relVariance: z.number(), secondsPerCall: z.number() });

/** The VEGAS adaptation (Lepage's map and VEGAS+ strata) before the estimate. */
export const mapReportSchema = z.object({
  /** Adaptation iterations, integrand calls and seconds in all (on the cube's axes and on principal axes). */
  iterations: z.number().int().nonnegative(),
  calls: z.number().int().nonnegative(),
  seconds: z.number().nonnegative(),
  /** Increments of the map per axis, and hypercubes of the stratification. */
  increments: z.number().int().positive(),
  hypercubes: z.number().int().positive(),
  /** Relative variance per call of the adapted sampler, measured on its last iterations. */
  relVariance: z.number().nullable(),
  /** Weighted average of the last adaptation iterations (not part of the final estimate). */
  integral: estimateSchema,
  /**
   * The second adaptation on p's principal axes (src/vegas/axes.ts), tried when the first one's
   * points show correlated coordinates; null when it was not tried. `eigenvalue`: the largest
   * of their correlation matrix; relative variances per call on the principal axes and on the
   * cube's own axes; `used`: the estimate samples on the principal axes.
   */
  principalAxes: z
    .object({ eigenvalue: z.number(), relVariance: z.number().nullable(), axisRelVariance: z.number().nullable(), used: z.boolean() })
    .nullable()
    .default(null),
});

/** What --method auto chose, and the figures behind the choice. */
export const choiceSchema = z.object({
  requested: z.literal('auto'),
  sampler: z.enum(['flow', 'vegas', 'uniform']),
  reason: z.string(),
  map: samplerFiguresSchema.nullable(),
  flow: samplerFiguresSchema.nullable(),
  /** Flow samples drawn to time it (counted as training calls). */
  probeCalls: z.number().int().nonnegative(),
  /** Predicted seconds of sampling to the precision in question, per sampler. */
  predictedSeconds: z.object({ map: z.number().nullable(), flow: z.number().nullable() }),
});

/** The accuracy target of --rel-error / --abs-error. */
export const targetSchema = z.object({
  relError: z.number().nullable(),
  absError: z.number().nullable(),
  /** The standard error sought: max(absError, relError |F|) at the final F. */
  sought: z.number(),
  reached: z.boolean(),
  /** Calls the final estimate would need at its measured variance. */
  callsNeeded: z.number().nullable(),
  stopReason: z.string(),
  maxCalls: z.number(),
  maxTime: z.number().nullable(),
});

const sumsSchema = z.object({ sumW: z.number(), count: z.number().nonnegative() });

/**
 * Fixed-bin histograms of the evaluation sample (estimate/histograms.ts), present only when
 * pictures were asked for (--plot). Sums are float64 sums of the importance weights w.
 */
export const histogramSchema = z.object({
  /** Samples binned, and the sums S1 = sum w, S2 = sum w^2 over all of them. */
  calls: z.number().int().nonnegative(),
  sumW: z.number(),
  sumW2: z.number().nonnegative(),
  /** One per dimension shown (1-based `dim`): equal bins of [lo, hi]. */
  marginals: z.array(
    z.object({
      dim: z.number().int().positive(),
      lo: z.number(),
      hi: z.number(),
      sumW: z.array(z.number()),
      sumW2: z.array(z.number().nonnegative()),
      count: z.array(z.number().nonnegative()),
      under: sumsSchema,
      over: sumsSchema,
    }),
  ),
  /** Two-dimensional marginal of dims (a, b): bins row-major, x = dim a fastest. */
  pair: z
    .object({
      dims: z.tuple([z.number().int().positive(), z.number().int().positive()]),
      x: z.object({ lo: z.number(), hi: z.number(), bins: z.number().int().positive() }),
      y: z.object({ lo: z.number(), hi: z.number(), bins: z.number().int().positive() }),
      sumW: z.array(z.number()),
      count: z.array(z.number().nonnegative()),
      outside: z.number().int().nonnegative(),
    })
    .nullable(),
  /**
   * Counts of log10(|w| / mean |w|) in bins of `step` decades from `log10Lo`; zero weights,
   * negative weights (binned by |w|) and counts below/above the binned range apart.
   */
  weights: z.object({
    log10Lo: z.number(),
    step: z.number().positive(),
    counts: z.array(z.number().nonnegative()),
    zeros: z.number().int().nonnegative(),
    negatives: z.number().int().nonnegative(),
    below: z.number().int().nonnegative(),
    above: z.number().int().nonnegative(),
  }),
});

/** A library integrand (@name) behind a result, with its exact value and the pulls against it. */
export const librarySchema = z.object({
  name: z.string(),
  description: z.string(),
  /** The exact integral for these parameters, dimension and domain (null when unknown). */
  exact: z.number().nullable(),
  exactUncertainty: z.number().nonnegative(),
  /** Why `exact` is null. */
  exactMissing: z.string().nullable(),
  /** (estimate - exact) / sdev of the main estimate and of the baseline (null without exact or error). */
  pull: z.number().nullable(),
  baselinePull: z.number().nullable(),
});

/** An estimate whose numbers may overflow float64 (null then). */
const looseEstimateSchema = z.object({ mean: z.number().nullable(), sdev: z.number().nullable() });

/**
 * The further integrands G_k = ∫ g_k and the observable histograms estimated on the sample of
 * F (src/observables). Present only when asked for.
 */
export const observablesResultSchema = z.object({
  /** Sample points behind every figure below (the estimate's calls). */
  calls: z.number().int().nonnegative(),
  integrals: z.array(
    z.object({
      label: z.string(),
      expression: z.string(),
      /** G_k with its standard error (stratified under VEGAS+, as F's). */
      integral: looseEstimateSchema,
      /** G_k / F with a delta-method error from the covariance; null when F = 0. */
      ratio: looseEstimateSchema.nullable(),
      /** Weight diagnostics of g_k/q, as for F. */
      essFraction: z.number().nonnegative(),
      maxWeight: z.number().nonnegative(),
      unweightingEfficiency: z.number().nonnegative(),
      khat: z.number().nullable(),
      zeros: z.number().int().nonnegative(),
      nonFinite: z.number().int().nonnegative(),
      /** Sample points where g_k was non-zero and f zero (g_k's support reaches outside f's). */
      outsideSupport: z.number().int().nonnegative(),
      /** The verdict of src/estimate/verdict.ts on g_k/q; `reliable` is also false when outsideSupport > 0 under a learned sampler. */
      verdict: verdictSchema,
      reliable: z.boolean(),
    }),
  ),
  /** Covariance of the estimates (F, G_1, ..., G_m): labels and the symmetric matrix (null entries overflowed). */
  covariance: z.object({ labels: z.array(z.string()), matrix: z.array(z.array(z.number().nullable())) }),
  histograms: z.array(
    z.object({
      observable: z.string(),
      lo: z.number(),
      hi: z.number(),
      /** True when the contents are divided by F (fractions of F, delta-method errors). */
      normalized: z.boolean(),
      /** Per bin [lo, hi): the integral of f over {x: h(x) in the bin} (or its fraction of F). */
      bins: z.array(z.object({ lo: z.number(), hi: z.number(), mean: z.number().nullable(), sdev: z.number().nullable() })),
      /** h(x) < lo, h(x) >= hi, and h(x) not a number. */
      underflow: looseEstimateSchema,
      overflow: looseEstimateSchema,
      undefined: looseEstimateSchema,
    }),
  ),
});

/** The result document (documents naming `interrupted` by the earlier key `partial` are read too). */
export const resultSchema = withRenamedKeys(
  z.object({
    iflow: z.string(),
    command: z.enum(['integrate', 'evaluate', 'merge']),
    /** The sampler of the final estimate. */
    method: z.enum(['flow', 'vegas', 'uniform']),
    /** True when the run was interrupted and the figures cover only what was done. */
    interrupted: z.boolean(),
    problem: z.object({
      expression: z.string(),
      dim: z.number().int().positive(),
      bounds: z.array(z.tuple([jsonBoundSchema, jsonBoundSchema])),
      /** The axis maps from the unit cube, when some axis is infinite or has a power map. */
      maps: z.array(axisMapSchema).optional(),
      /** Integrand calls of the pilot run that chose the maps (not counted in `calls`). */
      pilotCalls: z.number().int().nonnegative().optional(),
      params: z.record(z.string(), z.number()),
      events: z.array(z.string()),
    }),
    seed: z.number().int().nullable(),
    backend: z.object({ name: z.string(), addon: z.string().nullable() }).nullable(),
    flow: flowSettingsSchema.nullable(),
    /**
     * When a flow sampled the final estimate: the defensive fraction a of the mixture
     * (1 - a) q_flow + a q_0 it drew from (q_0 the premap's density, or uniform); 0 = the flow
     * alone. Null otherwise.
     */
    defensive: z.number().min(0).lt(1).nullable().optional(),
    training: trainingSchema.nullable(),
    estimate: summarySchema,
    iterations: z.array(iterationSchema),
    chi2: z.number().nullable(),
    dof: z.number().int().nonnegative(),
    Q: z.number().nullable(),
    baseline: summarySchema.nullable(),
    /** The main estimate's verdict (estimate.verdict.reliable); --strict exits 3 when false. */
    reliable: z.boolean(),
    comparison: z
      .object({
        /** False when the baseline is unreliable: then so are both ratios below. */
        baselineReliable: z.boolean(),
        /** (SE_uniform / SE_method)^2 at their own call counts, scaled to equal calls. */
        varianceReduction: z.number().nullable(),
        /** The same, counting the training calls against the method. */
        efficiencyGain: z.number().nullable(),
      })
      .nullable(),
    calls: z.object({
      /** VEGAS adaptation calls (discarded, as vegas discards its adaptation iterations). */
      adapt: z.number().int().nonnegative().default(0),
      train: z.number().int().nonnegative(),
      evaluate: z.number().int().nonnegative(),
      baseline: z.number().int().nonnegative(),
    }),
    seconds: z.object({
      adapt: z.number().nonnegative().default(0),
      train: z.number().nonnegative(),
      evaluate: z.number().nonnegative(),
      baseline: z.number().nonnegative(),
      total: z.number().nonnegative(),
    }),
    adaptation: mapReportSchema.nullable().default(null),
    choice: choiceSchema.nullable().default(null),
    target: targetSchema.nullable().default(null),
    warnings: z.array(z.string()),
    /** Histograms for the pictures; only with --plot. */
    histograms: histogramSchema.optional(),
    /** Further integrands and observable histograms (src/observables); only when asked for. */
    observables: observablesResultSchema.optional(),
    /** Present when the integrand is a library integrand (@name). */
    library: librarySchema.nullable().optional(),
  }),
  { partial: 'interrupted' },
);

/** A parsed `summarySchema`: the summary of one weighted sample. */
export type Summary = z.infer<typeof summarySchema>;
/** A parsed result document (`resultSchema`): what `--json` prints for integrate, evaluate and merge. */
export type IntegrationResult = z.infer<typeof resultSchema>;
/** The training section of a result (`trainingSchema`). */
export type TrainingReport = z.infer<typeof trainingSchema>;
/** The histograms of the evaluation sample behind the --plot pictures (`histogramSchema`). */
export type HistogramData = z.infer<typeof histogramSchema>;
/** The further integrands and observable histograms of a result (`observablesResultSchema`). */
export type ObservablesReport = z.infer<typeof observablesResultSchema>;
/** A library integrand behind a result, with its exact value and pulls (`librarySchema`). */
export type LibraryInfo = z.infer<typeof librarySchema>;
/** The architecture of the trained flow as reported (`flowSettingsSchema`). */
export type FlowSettings = z.infer<typeof flowSettingsSchema>;
/** The VEGAS adaptation section of a result (`mapReportSchema`). */
export type MapReport = z.infer<typeof mapReportSchema>;
/** What --method auto chose and why (`choiceSchema`). */
export type ChoiceReport = z.infer<typeof choiceSchema>;
/** The outcome of the --rel-error / --abs-error target (`targetSchema`). */
export type TargetReport = z.infer<typeof targetSchema>;
