/**
 * The result document: what `--json` prints and what the text report renders.
 * The tests parse every JSON output against this schema.
 */
import { z } from 'zod';

export const estimateSchema = z.object({ mean: z.number(), sdev: z.number() });

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
});

export const iterationSchema = z.object({
  iteration: z.number().int().positive(),
  calls: z.number().int().nonnegative(),
  integral: estimateSchema,
});

export const trainingSchema = z.object({
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
  /** Slices of each batch (--threads; part of what fixes the numbers) and worker threads used. */
  threads: z.number().int().positive().optional(),
  workers: z.number().int().nonnegative().optional(),
  history: z.array(
    z.object({ epoch: z.number().int(), loss: z.number().nullable(), integral: z.number().nullable(), relSdev: z.number().nullable() }),
  ),
});

export const flowSettingsSchema = z.object({
  spline: z.string(),
  bins: z.number().int(),
  layers: z.number().int(),
  hidden: z.array(z.number().int()),
  blob: z.number().int(),
  masks: z.array(z.array(z.number().int())),
  parameters: z.number().int(),
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

export const resultSchema = z.object({
  iflow: z.string(),
  command: z.enum(['integrate', 'evaluate', 'merge']),
  method: z.enum(['flow', 'uniform']),
  /** True when the run was interrupted and the figures cover only what was done. */
  partial: z.boolean(),
  problem: z.object({
    expression: z.string(),
    dim: z.number().int().positive(),
    bounds: z.array(z.tuple([z.number(), z.number()])),
    params: z.record(z.string(), z.number()),
    events: z.array(z.string()),
  }),
  seed: z.number().int().nullable(),
  backend: z.object({ name: z.string(), addon: z.string().nullable() }).nullable(),
  flow: flowSettingsSchema.nullable(),
  training: trainingSchema.nullable(),
  estimate: summarySchema,
  iterations: z.array(iterationSchema),
  chi2: z.number().nullable(),
  dof: z.number().int().nonnegative(),
  Q: z.number().nullable(),
  baseline: summarySchema.nullable(),
  comparison: z
    .object({
      /** (SE_uniform / SE_method)^2 at their own call counts, scaled to equal calls. */
      varianceReduction: z.number().nullable(),
      /** The same, counting the training calls against the method. */
      efficiencyGain: z.number().nullable(),
    })
    .nullable(),
  calls: z.object({
    train: z.number().int().nonnegative(),
    evaluate: z.number().int().nonnegative(),
    baseline: z.number().int().nonnegative(),
  }),
  seconds: z.object({
    train: z.number().nonnegative(),
    evaluate: z.number().nonnegative(),
    baseline: z.number().nonnegative(),
    total: z.number().nonnegative(),
  }),
  warnings: z.array(z.string()),
  /** Present when the integrand is a library integrand (@name). */
  library: librarySchema.nullable().optional(),
});

export type Summary = z.infer<typeof summarySchema>;
export type IntegrationResult = z.infer<typeof resultSchema>;
export type TrainingReport = z.infer<typeof trainingSchema>;
export type LibraryInfo = z.infer<typeof librarySchema>;
export type FlowSettings = z.infer<typeof flowSettingsSchema>;
