/**
 * Reference results for `iflow bench`: GSL PLAIN and VEGAS, Lepage's vegas (VEGAS+ and classic)
 * and the PyTorch NIS peers ZuNIS and MadNIS on the i-flow test suite. The numbers are data in
 * anchors.json (with their source); they are validated here once, at first use.
 */
import * as z from 'zod';
import raw from './anchors.json';

const finite = z.number().refine(Number.isFinite, 'expected a finite number');
const calls = z.number().int().positive();

/**
 * Schema of one reference run (seed 1) of a classical integrator: estimate, its error, calls, FoM,
 * pull, wall seconds and, where the method reports them, its passes and the chi^2/dof and Q of
 * its iterations.
 */
export const referenceRowSchema = z
  .object({
    estimate: finite,
    error: z.number().positive(),
    calls,
    /** (error / exact)^2 x calls. */
    fom: z.number().positive(),
    pull: finite,
    seconds: z.number().nonnegative(),
    passes: z.number().int().positive().optional(),
    chi2dof: finite.optional(),
    Q: finite.optional(),
  })
  .strict();

/**
 * Schema of one run of a PyTorch NIS peer (ZuNIS, MadNIS): estimate, error, training and evaluation calls and seconds, FoM, pull, unweighting efficiency.
 */
export const peerRowSchema = z
  .object({
    method: z.string(),
    estimate: finite,
    error: z.number().positive(),
    calls,
    trainCalls: calls,
    evalCalls: calls,
    fom: z.number().positive(),
    pull: finite,
    unweightingEfficiency: z.number().nonnegative(),
    seconds: z.number().nonnegative(),
    trainSeconds: z.number().nonnegative(),
    evalSeconds: z.number().nonnegative(),
    steps: z.number().int().positive(),
    pointsPerStep: z.number().int().positive(),
  })
  .strict();

/**
 * Schema of a reference method's spread over seeds: median calls and FoM, deviation FoM, RMS and largest |pull|.
 */
export const seedSpreadSchema = z
  .object({
    runs: z.number().int().positive(),
    medianCalls: calls,
    medianFom: z.number().positive(),
    /** Mean of (estimate - exact)^2 / exact^2 x calls over the runs. */
    deviationFom: z.number().nonnegative(),
    pullRms: z.number().nonnegative(),
    maxAbsPull: z.number().nonnegative(),
  })
  .strict();

/**
 * The classical reference integrators: GSL PLAIN and VEGAS, and Lepage's vegas as VEGAS+ (beta 0.75) and classic VEGAS (beta 0).
 */
export const referenceMethods = ['gsl_plain', 'gsl_vegas', 'vegas_plus', 'vegas_classic'] as const;
/** A classical reference integrator (see `referenceMethods`). */
export type ReferenceMethod = (typeof referenceMethods)[number];
/** The normalizing-flow peers with reference runs. */
export const peerMethods = ['zunis', 'madnis'] as const;
/** A normalizing-flow peer (see `peerMethods`). */
export type PeerMethod = (typeof peerMethods)[number];

/** Display name of every reference and peer method in the bench table. */
export const methodLabels: Record<ReferenceMethod | PeerMethod, string> = {
  gsl_plain: 'GSL PLAIN',
  gsl_vegas: 'GSL VEGAS',
  vegas_plus: 'vegas+ (beta 0.75)',
  vegas_classic: 'vegas classic',
  zunis: 'ZuNIS',
  madnis: 'MadNIS',
};

const byMethod = <T extends z.ZodType>(row: T) =>
  z.object({ gsl_plain: row, gsl_vegas: row, vegas_plus: row, vegas_classic: row }).strict();

const budgetKey = z.string().regex(/^\d+$/, 'budgets are keyed by the requested number of calls');

/**
 * Schema of one suite case in anchors.json: integrand family, dimension, params, exact value (and
 * its uncertainty), reference runs and seed spreads per budget, and the peers' runs.
 */
export const anchorCaseSchema = z
  .object({
    family: z.string(),
    d: z.number().int().positive(),
    params: z.record(z.string(), finite),
    exact: finite,
    exactUncertainty: z.number().nonnegative(),
    /** Seed-1 runs keyed by the requested number of calls ("100000", "1000000"). */
    references: z.record(budgetKey, byMethod(referenceRowSchema)),
    peers: z.object({ zunis: peerRowSchema.optional(), madnis: peerRowSchema.optional() }).strict(),
    /** Spread over seeds 1 to 10, keyed like `references`. */
    seeds10: z.record(budgetKey, byMethod(seedSpreadSchema)),
  })
  .strict();

/** Schema of anchors.json: the description of its source (machine, FoM, budgets, methods) and the cases by id. */
export const anchorsSchema = z
  .object({
    source: z
      .object({
        description: z.string(),
        machine: z.string(),
        fom: z.string(),
        budgets: z.string(),
        methods: z.record(z.string(), z.string()),
        seeds10: z.string(),
      })
      .strict(),
    cases: z.record(z.string(), anchorCaseSchema),
  })
  .strict();

/** One validated case of anchors.json. */
export type AnchorCase = z.infer<typeof anchorCaseSchema>;
/** The validated content of anchors.json. */
export type Anchors = z.infer<typeof anchorsSchema>;
/** One reference run of a classical integrator. */
export type ReferenceRow = z.infer<typeof referenceRowSchema>;
/** One run of a normalizing-flow peer. */
export type PeerRow = z.infer<typeof peerRowSchema>;
/** A reference method's spread over seeds 1 to 10. */
export type SeedSpread = z.infer<typeof seedSpreadSchema>;

let parsed: Anchors | undefined;

/**
 * The reference results of anchors.json, validated on the first call and cached.
 * @throws ZodError when anchors.json does not match `anchorsSchema`.
 */
export function anchors(): Anchors {
  if (!parsed) parsed = anchorsSchema.parse(raw);
  return parsed;
}

/** Of the budgets in `available`, the one closest to `budget` on a log scale. */
export function closestBudget(budget: number, available: number[]): number {
  if (available.length === 0) throw new RangeError('closestBudget: no budgets');
  let best = available[0];
  for (const b of available) {
    if (Math.abs(Math.log(b / budget)) < Math.abs(Math.log(best / budget))) best = b;
  }
  return best;
}

/** The reference and peer results of one case at one anchor budget (see `referencesFor`). */
export interface CaseReferences {
  /** The anchor budget used (closest to the bench budget). */
  budget: number;
  rows: Record<ReferenceMethod, ReferenceRow>;
  seeds10: Record<ReferenceMethod, SeedSpread> | null;
  peers: Partial<Record<PeerMethod, PeerRow>>;
}

/** Reference rows of a case at the anchor budget closest to `budget`; null for unknown cases. */
export function referencesFor(caseId: string, budget: number): CaseReferences | null {
  const c = anchors().cases[caseId];
  if (!c) return null;
  const b = closestBudget(budget, Object.keys(c.references).map(Number));
  return { budget: b, rows: c.references[String(b)], seeds10: c.seeds10[String(b)] ?? null, peers: c.peers };
}
