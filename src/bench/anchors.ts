/**
 * Reference results for `iflow bench`: GSL PLAIN and VEGAS, Lepage's vegas (VEGAS+ and classic)
 * and the PyTorch NIS peers ZuNIS and MadNIS on the i-flow test suite. The numbers are data in
 * anchors.json (with their source); they are validated here once, at first use.
 */
import { z } from 'zod';
import raw from './anchors.json';

const finite = z.number().refine(Number.isFinite, 'expected a finite number');
const calls = z.number().int().positive();

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

export const referenceMethods = ['gsl_plain', 'gsl_vegas', 'vegas_plus', 'vegas_classic'] as const;
export type ReferenceMethod = (typeof referenceMethods)[number];
export const peerMethods = ['zunis', 'madnis'] as const;
export type PeerMethod = (typeof peerMethods)[number];

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

export type AnchorCase = z.infer<typeof anchorCaseSchema>;
export type Anchors = z.infer<typeof anchorsSchema>;
export type ReferenceRow = z.infer<typeof referenceRowSchema>;
export type PeerRow = z.infer<typeof peerRowSchema>;
export type SeedSpread = z.infer<typeof seedSpreadSchema>;

let parsed: Anchors | undefined;

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
