/**
 * The options of the terminal commands: the core options (src/options.ts) and what only a
 * terminal has (output form, progress, pictures, files written beside the result), as zod
 * schemas with defaults. Flags arrive from commander as strings (arrays of strings for
 * repeatable flags; a flag not given holds the schema's default); batch job lines arrive as
 * JSON values. Both go through these schemas.
 * The flags themselves are declared once, in src/cli/flags.ts.
 */
import * as z from 'zod';
import { backendChoices } from '../backend';
import { DEFAULT_PLOT_DIMS } from '../estimate/histograms';
import { integrateOptionsShape, int, MAX_DIM, num, positive } from '../options';
import { DEFAULT_PILOT, sampleFormats } from '../sample';
import { MIN_BUDGET } from '../bench/suite';
import { TTP_METHODS } from '../bench/ttp';

/** "1,2" or [1, 2]: two different 1-based dimensions. */
const pairSchema = z.preprocess(
  (v) => (typeof v === 'string' ? v.split(',').map((t) => t.trim()) : v),
  z
    .array(int(1, MAX_DIM))
    .length(2, 'expected two dimensions, e.g. 1,2')
    .refine(([a, b]) => a !== b, 'expected two different dimensions')
    .transform((v) => v as [number, number]),
);

/** How a run reports: one JSON document, the exit code of an unreliable estimate, stderr. */
export const outputShape = {
  json: z.boolean().default(false),
  strict: z.boolean().default(false),
  quiet: z.boolean().default(false),
  debug: z.boolean().default(false),
};

/** Pictures of the run (--plot DIR); see report/plots.ts. */
const plotShape = {
  plot: z.string().min(1).optional(),
  plotPair: pairSchema.optional(),
  plotDims: int(1, MAX_DIM).default(DEFAULT_PLOT_DIMS),
};

/** What a terminal run writes beside its report: the trained flow, or mergeable statistics. */
export const filesShape = {
  saveModel: z.string().min(1).optional(),
  partial: z.boolean().default(false),
};

/** A parameter scan, "name=lo:hi:count" or "name=v1,v2,..." (parsed by src/scan.ts parseScan). */
const scanShape = {
  scan: z.string().min(1).optional(),
};

/** The options of `iflow integrate` and of batch job lines: the core's and the terminal's. */
export const integrateCommandSchema = z
  .object({
    ...integrateOptionsShape,
    ...scanShape,
    ...filesShape,
    ...outputShape,
    ...plotShape,
  })
  .strict();

/** Options of `iflow integrate` as given (strings from flags, JSON values from batch lines). */
export type IntegrateCommandInput = z.input<typeof integrateCommandSchema>;
/** Validated options of `iflow integrate`, defaults filled in. */
export type IntegrateCommandOptions = z.output<typeof integrateCommandSchema>;

/** A directory written by --save-model (evaluate, sample). */
export const modelShape = {
  model: z.string().min(1).optional(),
};

/** Options of sample that integrate does not have, and sample's own count of points. */
export const sampleOnlySchema = z.object({
  samples: int(1, 1e15).default(10_000),
  format: z.enum(sampleFormats).default('csv'),
  unweighted: z.boolean().default(false),
  pilot: int(1, 1e10).default(DEFAULT_PILOT),
  ...modelShape,
});
/** Validated options that only `iflow sample` has. */
export type SampleOnlyOptions = z.output<typeof sampleOnlySchema>;

/** "a, b," or ["a", "b"] -> ["a", "b"] (empty entries dropped). */
const nameList = (v: unknown) =>
  typeof v === 'string'
    ? v
        .split(',')
        .map((s) => s.trim())
        .filter((s) => s.length > 0)
    : v;

/** The options of `iflow bench`. */
export const benchOptionsSchema = z
  .object({
    cases: z.preprocess(nameList, z.array(z.string()).min(1, 'expected at least one case').optional()),
    budget: int(MIN_BUDGET, 1e10).optional(),
    seeds: int(1, 1000).optional(),
    firstSeed: int(1, 1_000_000).optional(),
    from: z.array(z.string()).min(1, 'expected at least one file').optional(),
    quick: z.boolean().default(false),
    ttp: z.boolean().default(false),
    targets: z.preprocess(
      (v) => (typeof v === 'string' ? v.split(',').map((t) => t.trim()) : v),
      z
        .array(num.pipe(z.number().positive('each target must be a positive relative error').max(1, 'each target must be at most 1')))
        .min(1)
        .optional(),
    ),
    methods: z.preprocess(
      (v) => (typeof v === 'string' ? v.split(',').map((t) => t.trim()) : v),
      z.array(z.enum(TTP_METHODS)).min(1).optional(),
    ),
    maxTime: positive().optional(),
    backend: z.enum(backendChoices).default('auto'),
    json: outputShape.json,
    quiet: outputShape.quiet,
    debug: outputShape.debug,
  })
  .strict();

/** Validated options of `iflow bench`. */
export type BenchCliOptions = z.output<typeof benchOptionsSchema>;

/** The options of `iflow batch` itself (each job line has integrate's). */
export const batchOptionsSchema = z.object({ quiet: outputShape.quiet, debug: outputShape.debug });
