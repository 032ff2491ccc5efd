/**
 * Schema of one library integrand file (integrands/<name>.json).
 *
 * The expression and the exact value are mathjs text in the coordinates (x or x1..xd), the
 * parameters by name and `dim`, which the loader supplies as a parameter equal to the number
 * of dimensions.
 */
import * as z from 'zod';
import { decodeBound } from '../domain';
import { jsonBoundSchema } from '../report/schema';

const NAME = /^[a-z][a-z0-9_]*$/;

/** Largest dimension of a library integrand; the same bound as the option dim (MAX_DIM in src/options.ts). */
const LIBRARY_MAX_DIM = 128;

const dimInt = z.number().int().min(1).max(LIBRARY_MAX_DIM);

/** Allowed dimensions: an explicit list, or an inclusive range. */
export const dimsSchema = z.union([
  z.array(dimInt).min(1, 'expected at least one dimension'),
  z
    .object({ min: dimInt, max: dimInt })
    .strict()
    .refine((r) => r.min <= r.max, { message: 'dims: min must not exceed max' }),
]);

/** Schema of one parameter of a library integrand: its finite default value and an optional description. */
const paramSpecSchema = z
  .object({
    default: z.number().refine(Number.isFinite, 'expected a finite number'),
    description: z.string().optional(),
  })
  .strict();

/**
 * Schema of a library integrand file: name, description, expression, allowed and default
 * dimensions, parameters, domain, exact value (with its condition and uncertainty) and source.
 */
export const integrandFileSchema = z
  .object({
    /** Name used as @name on the command line; must equal the file name without .json. */
    name: z.string().regex(NAME, 'names are lower case letters, digits and _, starting with a letter'),
    description: z.string().min(1),
    expression: z.string().min(1),
    dims: dimsSchema,
    defaultDim: dimInt,
    params: z.record(z.string(), paramSpecSchema).default({}),
    /**
     * The domain: one [lo, hi] for every dimension or one per dimension, with "inf" / "-inf"
     * for open ends (default [0, 1]^d). The exact value is for this domain.
     */
    bounds: z
      .array(z.tuple([jsonBoundSchema, jsonBoundSchema]))
      .min(1)
      .refine((b) => b.every(([lo, hi]) => decodeBound(lo) < decodeBound(hi)), 'each interval needs lo < hi')
      .optional(),
    /**
     * The exact integral: a number (valid at the default parameters only) or a mathjs
     * expression in the parameters and `dim` (valid for any parameters that satisfy
     * `exactRequires`).
     */
    exact: z.union([z.number().refine(Number.isFinite, 'expected a finite number'), z.string().min(1)]).optional(),
    /** mathjs condition on the parameters and `dim` under which `exact` holds. */
    exactRequires: z.string().min(1).optional(),
    /** Absolute uncertainty of the exact value (0 for closed forms). */
    exactUncertainty: z.number().nonnegative().default(0),
    /** Citation for the integrand and its exact value. */
    source: z.string().min(1),
  })
  .strict();

/** A validated library integrand file (defaults filled in: params {}, exactUncertainty 0). */
export type IntegrandFile = z.output<typeof integrandFileSchema>;
/** Allowed dimensions of a library integrand: a list, or an inclusive range {min, max}. */
export type DimsSpec = z.output<typeof dimsSchema>;
