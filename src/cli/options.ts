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

export const MAX_DIM = 128;
/** Samplers of the final estimate; auto chooses between the VEGAS map and a flow on top of it. */
export const methodKinds = ['auto', 'flow', 'vegas', 'uniform'] as const;
export type MethodKind = (typeof methodKinds)[number];
/** Default cap on the calls of an estimate with an accuracy target. */
export const DEFAULT_MAX_CALLS = 100_000_000;
export const lossKinds = ['variance', 'kl', 'chi2', 'exponential', 'hellinger'] as const;
export type LossKind = (typeof lossKinds)[number];

/** How numbers may be written, for messages. */
const NUMBER_FORMS = 'write e.g. 100000, 1e5 or 100_000';

/**
 * A finite number from a JSON number or a numeric string ("1e6", "1_000_000"); anything else
 * is an issue that quotes the input (no silent NaN, no empty string).
 */
const num = z.any().transform((v: unknown, ctx) => {
  let n: number = NaN;
  if (typeof v === 'number') n = v;
  else if (typeof v === 'string' && v.trim() !== '') n = Number(v.trim().replace(/_/g, ''));
  if (Number.isFinite(n)) return n;
  const shown = typeof v === 'string' ? `"${v}"` : typeof v === 'number' ? String(v) : JSON.stringify(v) ?? String(v);
  ctx.addIssue({
    code: 'custom',
    message: typeof v === 'number' || /^[+-]?inf/i.test(String(v).trim()) ? `expected a finite number, got ${shown}` : `expected a number, got ${shown} (${NUMBER_FORMS})`,
  });
  return z.NEVER;
});

/** 2^52 and other large bounds as written in messages. */
function formatBound(x: number): string {
  if (x === 2 ** 52) return '2^52';
  return x >= 1e6 && Number.isInteger(Math.log10(x)) ? `1e${Math.log10(x)}` : String(x);
}

/** A whole number in [min, max]; the range is checked first (1e20 is whole, and too large). */
export const int = (min: number, max: number) =>
  num.pipe(
    z.number().superRefine((v, ctx) => {
      const range = `whole numbers from ${formatBound(min)} to ${formatBound(max)}`;
      if (v < min) ctx.addIssue({ code: 'custom', message: `must be at least ${formatBound(min)} (${range})` });
      else if (v > max) ctx.addIssue({ code: 'custom', message: `must be at most ${formatBound(max)} (${range}), got ${v}` });
      else if (!Number.isInteger(v)) ctx.addIssue({ code: 'custom', message: `expected a whole number from ${formatBound(min)} to ${formatBound(max)}, got ${v}` });
    }),
  );

/**
 * A real number in a range: above `gt` (exclusive) or from `min`, up to `max`. Messages name
 * the accepted range.
 */
const real = (range: { gt?: number; min?: number; max?: number }) => {
  const low = range.gt !== undefined ? `greater than ${range.gt}` : range.min !== undefined ? `at least ${range.min}` : '';
  const high = range.max !== undefined ? `at most ${range.max}` : '';
  const text =
    range.min !== undefined && range.max !== undefined ? `from ${range.min} to ${range.max}` : [low, high].filter((t) => t !== '').join(' and ');
  return num.pipe(
    z.number().superRefine((v, ctx) => {
      const bad =
        (range.gt !== undefined && !(v > range.gt)) || (range.min !== undefined && v < range.min) || (range.max !== undefined && v > range.max);
      if (bad) ctx.addIssue({ code: 'custom', message: `must be ${text}, got ${v}` });
    }),
  );
};

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
  lr: real({ gt: 0, max: 1 }).default(1e-3),
  decay: real({ min: 0, max: 1 }).default(0),
  clip: real({ gt: 0 }).default(10),
  targetRelError: real({ gt: 0 }).optional(),
  anneal: real({ min: 0, max: 1 }).default(0),
  annealStart: real({ gt: 0, max: 1 }).default(0.1),
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

/** The flag of an option key: "baselineSamples" -> "--baseline-samples". */
export function flagOf(key: string): string {
  return `--${key.replace(/[A-Z]/g, (c) => '-' + c.toLowerCase())}`;
}

/** Edit distance (Levenshtein), for did-you-mean suggestions. */
export function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cur = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = cur;
    }
  }
  return row[b.length];
}

/**
 * The known key that `key` most likely means: its camelCase form ("baseline-samples",
 * "--epochs"), the same ignoring case, or one within two edits; undefined when none is close.
 */
export function suggestKey(key: string, known: readonly string[]): string | undefined {
  const camel = key.replace(/^-+/, '').replace(/[-_]+([a-zA-Z])/g, (_, c: string) => c.toUpperCase());
  const exact = known.find((k) => k === camel || k.toLowerCase() === camel.toLowerCase());
  if (exact) return exact;
  let best: string | undefined;
  let bestD = 3;
  for (const k of known) {
    const d = editDistance(camel.toLowerCase(), k.toLowerCase());
    if (d < bestD) {
      best = k;
      bestD = d;
    }
  }
  return best;
}

/** The option keys of integrate (and batch job lines). */
export const integrateOptionKeys: readonly string[] = Object.keys(integrateOptionsSchema.shape);

/**
 * One-line description of the first problem in a zod error, in one style: the flag, then what
 * is accepted ("--samples: must be at least 2 (whole numbers from 2 to 1e10)"). zod's own
 * wording is replaced for the codes that carry their bounds or types.
 */
export function describeZodError(err: z.ZodError, known: readonly string[] = integrateOptionKeys): string {
  const issue = err.issues[0];
  const top = String(issue.path[0] ?? '');
  const flag = top === 'expression' ? 'expression' : top ? flagOf(top) : 'options';
  switch (issue.code) {
    case 'unrecognized_keys': {
      const parts = issue.keys.map((k) => {
        const s = suggestKey(k, known);
        return s ? `${k} (did you mean "${s}", ${flagOf(s)}?)` : k;
      });
      return `unknown option${issue.keys.length > 1 ? 's' : ''}: ${parts.join(', ')}`;
    }
    case 'invalid_value':
      return `${flag}: expected one of ${(issue.values as unknown[]).join(', ')}`;
    case 'invalid_type': {
      const received = /received (\w+)/.exec(issue.message)?.[1];
      if (received === 'undefined') {
        return top === 'expression' ? 'the integrand expression is missing (e.g. "expression": "x1*x2")' : `${flag} is required`;
      }
      const expected = issue.expected === 'array' ? 'a list' : issue.expected === 'boolean' ? 'true or false' : `a ${issue.expected}`;
      return `${flag}: expected ${expected}${received ? `, got a ${received}` : ''}`;
    }
    case 'too_big':
    case 'too_small': {
      if (!/^Too (big|small)/.test(issue.message)) return `${flag}: ${issue.message}`;
      const bound = String(issue.code === 'too_big' ? issue.maximum : issue.minimum);
      const inclusive = issue.inclusive !== false;
      const word = issue.code === 'too_big' ? (inclusive ? 'at most' : 'less than') : inclusive ? 'at least' : 'greater than';
      const unit = issue.origin === 'array' ? ' entries' : issue.origin === 'string' ? ' characters' : '';
      return unit ? `${flag}: must have ${word} ${bound}${unit}` : `${flag}: must be ${word} ${bound}`;
    }
    default:
      return `${flag}: ${issue.message}`;
  }
}
