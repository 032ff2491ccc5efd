/**
 * The options of the core: problem, flow, training and run, as zod schemas with their defaults.
 *
 * Values may arrive as JSON values (numbers, arrays) or as the strings a command line gives
 * ("1e5", "32,32,32", "0:inf"); the schemas coerce them, split lists and check ranges, so the
 * core only ever sees validated, typed options. Messages name what is accepted, never a flag:
 * the issue's path is the option's name (`dim`, `maxCalls`), which a front end may spell its own
 * way (src/cli/flags.ts).
 */
import * as z from 'zod';
import { parseNumber } from './numbers';

export { parseNumber };
import { backendChoices } from './backend';
import { MAX_THREADS } from './train/limits';
import { splineKinds } from './flow/types';

/** Largest dimension of a problem. */
export const MAX_DIM = 128;
/** Samplers of the final estimate; auto chooses between the VEGAS map and a flow on top of it. */
const methodKinds = ['auto', 'flow', 'vegas', 'uniform'] as const;
/** A sampler of the final estimate (`methodKinds`). */
export type MethodKind = (typeof methodKinds)[number];
/** Maps under the flow: the adapted VEGAS map, or none (the bare flow on the unit cube). */
const premapKinds = ['vegas', 'none'] as const;
/** Policies for non-finite integrand values: stop with an error, or count them as 0. */
const nanPolicies = ['error', 'zero'] as const;
/** Default cap on the calls of an estimate with an accuracy target. */
const DEFAULT_MAX_CALLS = 100_000_000;
/** Training divergences; variance and chi2 are one loss, Var(f/q)/F^2, under two names. */
export const lossKinds = ['variance', 'kl', 'chi2', 'exponential', 'hellinger'] as const;
/** A training divergence (`lossKinds`). */
export type LossKind = (typeof lossKinds)[number];

/** How numbers may be written, for messages. */
const NUMBER_FORMS = 'write e.g. 100000, 1e5 or 100_000';

/**
 * A finite number from a JSON number or a numeric string (see parseNumber); anything else is
 * an issue that quotes the input (no silent NaN, no empty string).
 */
export const num = z.any().transform((v: unknown, ctx) => {
  const n = parseNumber(v);
  if (Number.isFinite(n)) return n;
  const shown = typeof v === 'string' ? `"${v}"` : typeof v === 'number' ? String(v) : (JSON.stringify(v) ?? String(v));
  ctx.addIssue({
    code: 'custom',
    message:
      typeof v === 'number' || /^[+-]?inf/i.test(String(v).trim())
        ? `expected a finite number, got ${shown}`
        : `expected a number, got ${shown} (${NUMBER_FORMS})`,
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
      else if (!Number.isInteger(v))
        ctx.addIssue({ code: 'custom', message: `expected a whole number from ${formatBound(min)} to ${formatBound(max)}, got ${v}` });
    }),
  );

/**
 * A real number in a range: above `gt` (exclusive) or from `min`, up to `max` or below `lt`
 * (exclusive). Messages name the accepted range.
 */
const real = (range: { gt?: number; min?: number; max?: number; lt?: number }) => {
  const low = range.gt !== undefined ? `greater than ${range.gt}` : range.min !== undefined ? `at least ${range.min}` : '';
  const high = range.max !== undefined ? `at most ${range.max}` : range.lt !== undefined ? `less than ${range.lt}` : '';
  const text =
    range.min !== undefined && range.max !== undefined
      ? `from ${range.min} to ${range.max}`
      : [low, high].filter((t) => t !== '').join(' and ');
  return num.pipe(
    z.number().superRefine((v, ctx) => {
      const bad =
        (range.gt !== undefined && !(v > range.gt)) ||
        (range.min !== undefined && v < range.min) ||
        (range.max !== undefined && v > range.max) ||
        (range.lt !== undefined && !(v < range.lt));
      if (bad) ctx.addIssue({ code: 'custom', message: `must be ${text}, got ${v}` });
    }),
  );
};

/** A positive finite number, at most `max` when given ("must be positive", "must be at most 1"). */
export const positive = (max?: number) => {
  const base = z.number().positive('must be positive');
  return num.pipe(max === undefined ? base : base.max(max, `must be at most ${max}`));
};

/** A repeatable option: a single string, an array of strings, or absent. */
const stringList = z.preprocess(
  (v) => (v === undefined ? [] : Array.isArray(v) ? v : [v]),
  // the default makes the key optional in the input type
  z.array(z.string()).default([]),
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
  const n = parseNumber(t);
  return Number.isFinite(n) ? n : NaN;
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
    .refine((b) => b.every(([lo, hi]) => typeof lo === 'number' && typeof hi === 'number' && !Number.isNaN(lo) && !Number.isNaN(hi)), {
      message: 'expected lo:hi with numbers or inf, e.g. 0:1, 0:inf or 0:1,-inf:inf',
    })
    .refine((b) => b.every(([lo, hi]) => lo < hi), { message: 'each interval needs lo < hi' })
    .transform((b) => b as [number, number][])
    .optional(),
);

/** scale: "auto" (a pilot run picks centre and scale) or positive numbers "s" / "s1,s2,...". */
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

/**
 * The problem: integrand, domain, parameters, events, and what fixes its numbers (seed,
 * backend, non-finite policy).
 */
const problemShape = {
  expression: z.string().refine((s) => s.trim().length > 0, 'the integrand expression is empty'),
  dim: int(1, MAX_DIM).optional(),
  bounds: boundsSchema,
  scale: scaleSchema,
  param: stringList,
  event: stringList,
  tail: z.preprocess((v) => (v === undefined ? [] : Array.isArray(v) ? v : [v]), z.array(num).default([])),
  seed: int(0, 2 ** 52).default(1),
  backend: z.enum(backendChoices).default('auto'),
  nan: z.enum(nanPolicies).default('error'),
  // src/singular.ts: x1^-0.9 in d = 1 gave pulls down to -10 under every sampler without it
  powerMap: z.enum(['auto', 'none']).default('auto'),
};

/** The flow: coupling transform, couplings and their networks. */
export const flowShape = {
  spline: z.enum(splineKinds).default('rqs'),
  // 32 bins against 16 (lr 3e-3, 3 seeds): Var/F^2 per call -37% gauss d1, -21% gauss d4, -23% gauss d8, but +31% camel d4
  // and 5.5x camel d8 (80x at lr 1e-2); training 1.3-1.6x as long (README, "How the flow defaults were chosen")
  bins: int(2, 256).default(16),
  layers: int(1, 256).optional(),
  forceLayers: z.boolean().default(false),
  hidden: intList.default([32, 32, 32]),
  blob: int(0, 256).default(0),
};

/** The training of the flow. */
export const trainingShape = {
  loss: z.enum(lossKinds).default('variance'),
  // many small steps train better than a few large ones: at equal calls, 150 x 2000 left 19-84%
  // more variance than 300 x 1000 on gauss d1, camel d4 and camel d8 (lr 3e-3 and 1e-2, 3 seeds)
  epochs: int(0, 1_000_000).default(300),
  batch: int(16, 1_000_000).default(1000),
  // lr 3e-3 against 1e-3 (300 x 1000 on the VEGAS map, 3 seeds): Var/F^2 per call -47% gauss d1, -67% camel d4,
  // -36% camel d8, -1% gauss d4 and d8; 1e-2 gains more on gauss d1 and camel d4 but loses 13% on camel d8, 3e-2 27x there
  lr: real({ gt: 0, max: 1 }).default(3e-3),
  decay: real({ min: 0, max: 1 }).default(0),
  clip: real({ gt: 0 }).default(10),
  targetRelError: real({ gt: 0 }).optional(),
  anneal: real({ min: 0, max: 1 }).default(0),
  annealStart: real({ gt: 0, max: 1 }).default(0.1),
  // two slices by default: both cores of a small machine, and the same numbers on every machine
  threads: int(1, MAX_THREADS).default(2),
};

/**
 * Defensive fraction of a flow's final estimate unless chosen otherwise: the share of points
 * drawn from the premap's density (or the uniform one) instead of the flow. Measured (README,
 * "Defensive sampling"; 100 epochs, 1e5 samples): on correlated_gauss_d4 (24 seeds) it takes the
 * pull RMS from 1.82 to 1.10 and the runs with |pull| > 3 from 2 to 0; it costs +16% relative
 * variance per call on a well-trained camel_d4 (where the map is poor) and 1-3% where the map is
 * good; 0.1 and 0.2 calibrate no better and cost 2 and 5 times as much.
 */
export const DEFAULT_DEFENSIVE = 0.05;

/**
 * The run: sampler, premap, defensive fraction, estimate size, accuracy target and its caps,
 * baseline.
 */
const runShape = {
  method: z.enum(methodKinds).default('auto'),
  premap: z.enum(premapKinds).default('vegas'),
  /**
   * The VEGAS map on p's principal axes (src/vegas/axes.ts): 'auto' adapts a second time on them
   * when the first adaptation finds p's coordinates correlated and samples with the better of
   * the two; 'none' keeps the cube's own axes.
   */
  principalAxes: z.enum(['auto', 'none']).default('auto'),
  /**
   * When the final estimate samples a flow: the fraction a of the mixture (1 - a) q_flow + a q_0
   * it draws from, q_0 the premap's density or uniform (src/estimate/importance.ts); 0 = off.
   */
  defensive: real({ min: 0, lt: 1 }).default(DEFAULT_DEFENSIVE),
  samples: int(2, 1e10).default(100_000),
  relError: positive(1).optional(),
  absError: positive().optional(),
  maxCalls: int(2, 1e13).default(DEFAULT_MAX_CALLS),
  maxTime: positive().optional(),
  iterations: int(1, 1000).default(1),
  baseline: z.boolean().default(true),
  baselineSamples: int(2, 1e10).optional(),
};

/**
 * What is estimated on the same sample besides F (src/observables): further integrands G_k =
 * ∫ g_k (`also`, labelled in order by `alsoLabel`), and histograms of observables h(x), each
 * "<expression>:lo:hi:bins" (`hist`), as integrals of f per bin or, with `histNormalize`,
 * fractions of F.
 */
const observablesShape = {
  also: stringList,
  alsoLabel: stringList,
  hist: stringList,
  histNormalize: z.boolean().default(false),
};

/** Every option of the core, by name. */
export const integrateOptionsShape = { ...problemShape, ...observablesShape, ...flowShape, ...trainingShape, ...runShape };

/** The options of one integration (prepareProblem, runIntegrate); unknown keys are refused. */
export const integrateOptionsSchema = z.object(integrateOptionsShape).strict();

/** The options of one integration as given: numbers may be numeric strings, defaults may be left out. */
export type IntegrateOptionsInput = z.input<typeof integrateOptionsSchema>;
/** The options of one integration as validated by `integrateOptionsSchema`: typed, ranges checked, defaults filled in. */
export type IntegrateOptions = z.output<typeof integrateOptionsSchema>;
/** The names of the core options. */
export type OptionName = keyof typeof integrateOptionsShape;
