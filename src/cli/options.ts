/**
 * The one table of options: zod schemas with defaults for every command.
 *
 * Flags arrive from commander as strings (or arrays of strings for repeatable flags); batch
 * job lines arrive as JSON values. Both go through the same schema, which coerces numbers,
 * splits lists and checks ranges, so the core only ever sees validated, typed options.
 */
import { z } from 'zod';
import { backendChoices } from '../backend';
import { MAX_THREADS } from '../train/limits';
import { splineKinds } from '../flow/types';
import { DEFAULT_PLOT_DIMS } from '../estimate/histograms';

export const MAX_DIM = 64;
/** Samplers of the final estimate; auto chooses between the VEGAS map and a flow on top of it. */
export const methodKinds = ['auto', 'flow', 'vegas', 'uniform'] as const;
export type MethodKind = (typeof methodKinds)[number];
/** Default cap on the calls of an estimate with an accuracy target. */
export const DEFAULT_MAX_CALLS = 100_000_000;
export const lossKinds = ['variance', 'kl', 'chi2', 'exponential', 'hellinger'] as const;
export type LossKind = (typeof lossKinds)[number];

/** A finite number from a JSON number or a numeric string (no silent NaN, no empty string). */
const num = z.preprocess((v) => {
  if (typeof v === 'string') {
    const t = v.trim();
    if (t === '') return NaN;
    // accept 1e6 and 1_000_000
    return Number(t.replace(/_/g, ''));
  }
  return v;
}, z.number({ error: 'expected a number' }).refine(Number.isFinite, 'expected a finite number'));

const int = (min: number, max: number) =>
  num.pipe(
    z
      .number()
      .int('expected a whole number')
      .min(min, `must be at least ${min}`)
      .max(max, `must be at most ${max}`),
  );

/** Repeatable flag: a single string, an array of strings, or absent. */
const stringList = z.preprocess(
  (v) => (v === undefined ? [] : Array.isArray(v) ? v : [v]),
  z.array(z.string()),
);

/** "32,32,32" or [32, 32, 32] -> [32, 32, 32]. */
const intList = z.preprocess(
  (v) => (typeof v === 'string' ? v.split(',').map((s) => s.trim()) : v),
  z.array(int(1, 4096)).min(1, 'expected at least one layer width'),
);

/**
 * One bound: a number, or inf / +inf / -inf / infinity (any case) for an open end; JSON
 * documents write infinite bounds as the strings "inf" and "-inf".
 */
function parseBound(v: unknown): number {
  if (typeof v === 'number') return v;
  if (typeof v !== 'string') return NaN;
  const t = v.trim().toLowerCase();
  if (/^\+?inf(inity)?$/.test(t)) return Infinity;
  if (/^-inf(inity)?$/.test(t)) return -Infinity;
  return num.safeParse(t).data ?? NaN;
}

/**
 * "lo:hi" for every dimension or "lo:hi,lo:hi,..." one per dimension; JSON [[lo,hi],...] too.
 * Either end may be infinite ("0:inf", "-inf:inf", "-inf:2").
 */
const boundsSchema = z.preprocess(
  (v) => {
    if (v === undefined) return undefined;
    if (typeof v === 'string') {
      return v.split(',').map((part) => {
        const m = part.split(':');
        if (m.length !== 2) return [NaN, NaN];
        return [parseBound(m[0]), parseBound(m[1])];
      });
    }
    if (Array.isArray(v)) return v.map((b) => (Array.isArray(b) ? b.map(parseBound) : b));
    return v;
  },
  z
    .array(z.tuple([z.any(), z.any()]))
    .min(1)
    .refine(
      (b) => b.every(([lo, hi]) => typeof lo === 'number' && typeof hi === 'number' && !Number.isNaN(lo) && !Number.isNaN(hi)),
      { message: 'expected lo:hi with numbers or inf, e.g. 0:1, 0:inf or 0:1,-inf:inf' },
    )
    .refine((b) => b.every(([lo, hi]) => lo < hi), { message: 'each interval needs lo < hi' })
    .transform((b) => b as [number, number][])
    .optional(),
);

/** --scale: "auto" (a pilot run picks centre and scale) or positive numbers "s" / "s1,s2,...". */
const scaleSchema = z.preprocess(
  (v) => {
    if (v === undefined || v === 'auto') return v;
    if (typeof v === 'string') return v.split(',').map((part) => num.safeParse(part).data ?? NaN);
    return typeof v === 'number' ? [v] : v;
  },
  z
    .union([z.literal('auto'), z.array(z.number().refine((s) => s > 0 && Number.isFinite(s), 'expected positive numbers or auto')).min(1)])
    .default('auto'),
);

/** Options shared by every command that runs the integrand. */
const problemShape = {
  expression: z.string().refine((s) => s.trim().length > 0, 'the integrand expression is empty'),
  dim: int(1, MAX_DIM).optional(),
  bounds: boundsSchema,
  scale: scaleSchema,
  param: stringList,
  event: stringList,
  tail: z.preprocess(
    (v) => (v === undefined ? [] : Array.isArray(v) ? v : [v]),
    z.array(num),
  ),
  seed: int(0, 2 ** 52).default(1),
  backend: z.enum(backendChoices).default('auto'),
  nan: z.enum(['error', 'zero']).default('error'),
};

/** Options of the flow and its training. */
const flowShape = {
  spline: z.enum(splineKinds).default('rqs'),
  bins: int(2, 256).default(16),
  layers: int(1, 256).optional(),
  forceLayers: z.boolean().default(false),
  hidden: intList.default([32, 32, 32]),
  blob: int(0, 256).default(0),
  loss: z.enum(lossKinds).default('variance'),
  // many small steps train better than a few large ones (gauss d=6 at lr 1e-3: 300 x 1000
  // reached a relative variance per call of 0.036, 100 x 5000 only 0.20 with more calls)
  epochs: int(0, 1_000_000).default(300),
  batch: int(16, 1_000_000).default(1000),
  lr: num.pipe(z.number().positive('must be positive').max(1, 'must be at most 1')).default(1e-3),
  decay: num.pipe(z.number().min(0).max(1)).default(0),
  clip: num.pipe(z.number().positive()).default(10),
  targetRelError: num.pipe(z.number().positive()).optional(),
  anneal: num.pipe(z.number().min(0).max(1)).default(0),
  annealStart: num.pipe(z.number().positive().max(1)).default(0.1),
  // two slices by default: both cores of a small machine, and the same numbers on every machine
  threads: int(1, MAX_THREADS).default(2),
};

/** "1,2" or [1, 2]: two different 1-based dimensions. */
const pairSchema = z.preprocess(
  (v) => (typeof v === 'string' ? v.split(',').map((t) => t.trim()) : v),
  z
    .array(int(1, MAX_DIM))
    .length(2, 'expected two dimensions, e.g. 1,2')
    .refine(([a, b]) => a !== b, 'expected two different dimensions')
    .transform((v) => v as [number, number]),
);

/** Pictures of the run (--plot DIR); see report/plots.ts. */
const plotShape = {
  plot: z.string().min(1).optional(),
  plotPair: pairSchema.optional(),
  plotDims: int(1, MAX_DIM).default(DEFAULT_PLOT_DIMS),
};

export const integrateOptionsSchema = z
  .object({
    ...problemShape,
    ...flowShape,
    method: z.enum(methodKinds).default('auto'),
    premap: z.enum(['vegas', 'none']).default('vegas'),
    samples: int(2, 1e10).default(100_000),
    relError: num.pipe(z.number().positive('must be positive').max(1, 'must be at most 1')).optional(),
    absError: num.pipe(z.number().positive('must be positive')).optional(),
    maxCalls: int(2, 1e13).default(DEFAULT_MAX_CALLS),
    maxTime: num.pipe(z.number().positive('must be positive')).optional(),
    iterations: int(1, 1000).default(1),
    baseline: z.boolean().default(true),
    baselineSamples: int(2, 1e10).optional(),
    saveModel: z.string().min(1).optional(),
    partial: z.boolean().default(false),
    json: z.boolean().default(false),
    strict: z.boolean().default(false),
    quiet: z.boolean().default(false),
    debug: z.boolean().default(false),
    ...plotShape,
  })
  .strict();

export type IntegrateOptionsInput = z.input<typeof integrateOptionsSchema>;
export type IntegrateOptions = z.output<typeof integrateOptionsSchema>;

/** One-line description of the first problem in a zod error: "--samples: must be at least 2". */
export function describeZodError(err: z.ZodError): string {
  const issue = err.issues[0];
  const top = String(issue.path[0] ?? '');
  const flag =
    top === 'expression' ? 'expression' : top ? `--${top.replace(/[A-Z]/g, (c) => '-' + c.toLowerCase())}` : 'options';
  if (issue.code === 'unrecognized_keys') {
    return `unknown option${issue.keys.length > 1 ? 's' : ''}: ${issue.keys.join(', ')}`;
  }
  if (issue.code === 'invalid_value' && 'values' in issue) {
    return `${flag}: expected one of ${(issue.values as unknown[]).join(', ')}`;
  }
  return `${flag}: ${issue.message}`;
}
