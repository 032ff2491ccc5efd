/**
 * `iflow bench --from a.json b.json ...`: the reports of a benchmark run in pieces (other cases,
 * other seeds, other processes) merged into one report, as if one `iflow bench` had run all
 * their cases and seeds. The runs of each case are concatenated and every summary, pull
 * statistic and FoM gain is recomputed from them; nothing is run.
 *
 * parseBenchReport and mergeBenchReports are pure; readBenchReport reads a file.
 */
import * as z from 'zod';
import { OptionError, UsageError } from '../errors';
import { readJsonFile, withRenamedKeys } from '../jsonFile';
import { formatCalls } from './render';
import { pullStats, summarizeRuns, type RunRecord } from './metrics';
import { fomGains, type BenchMethod, type BenchReport, type CaseResult } from './report';
import { SUITE_IDS } from './suite';

/** One report and where it came from (a file name, used in error messages). */
export interface NamedReport {
  name: string;
  report: BenchReport;
}

const num = z.number({ error: 'expected a number' });
const count = z.number({ error: 'expected a number' }).int('expected a whole number').nonnegative();
const obj = z.record(z.string(), z.unknown(), { error: 'expected an object' });

const runSchema = z.looseObject({
  seed: count,
  estimate: num,
  se: num,
  calls: count,
  trainCalls: count,
  evalCalls: count,
  pull: num.nullable(),
  relError: num.nullable(),
  fom: num.nullable(),
  unweightingEfficiency: num,
  essFraction: num,
  seconds: num,
  trainSeconds: num,
  warnings: z.array(z.string()),
});

const methodSchema = z.looseObject({ runs: z.array(runSchema), summary: obj });

const caseSchema = z.looseObject({
  id: z.string().min(1),
  integrand: z.string(),
  expression: z.string(),
  dim: count,
  params: z.record(z.string(), num),
  exact: num,
  exactUncertainty: num,
  plan: obj,
  tuning: obj,
  note: z.string().optional(),
  flow: methodSchema,
  uniform: methodSchema,
  references: obj.nullable(),
});

/**
 * The fields of a BenchReport that a merge reads; anything else is kept as it is (reports
 * naming `interrupted` by the earlier key `partial` are read too).
 */
const reportSchema = withRenamedKeys(
  z.looseObject({
    iflow: z.string(),
    command: z.literal('bench'),
    budget: num.positive(),
    seeds: count,
    split: z.string(),
    backend: z.string().nullable(),
    interrupted: z.boolean(),
    cases: z.array(caseSchema),
    references: z.looseObject({ source: z.string(), methods: z.record(z.string(), z.string()) }),
    seconds: num,
  }),
  { partial: 'interrupted' },
);

/** `data` (parsed JSON) as a BenchReport; a UsageError naming `name` when it is not one. */
export function parseBenchReport(name: string, data: unknown): BenchReport {
  const command = typeof data === 'object' && data !== null && !Array.isArray(data) ? (data as { command?: unknown }).command : undefined;
  if (command !== 'bench') {
    throw new UsageError(
      `${name} is not an iflow bench report (${command === undefined ? 'no "command": "bench"' : `"command": ${JSON.stringify(command)}`})`,
      'give files written by iflow bench --json',
    );
  }
  const parsed = reportSchema.safeParse(data);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue.path.map(String).join('.');
    throw new UsageError(`${name} is not a valid bench report: ${where}${where ? ': ' : ''}${issue.message}`);
  }
  return parsed.data as unknown as BenchReport;
}

/** Read and validate one report file written by `iflow bench --json`. */
export function readBenchReport(file: string): NamedReport {
  const data = readJsonFile(file, file, 'give files written by iflow bench --json');
  return { name: file, report: parseBenchReport(file, data) };
}

/** Distinct values in order of first appearance. */
function distinct<T>(xs: T[]): T[] {
  return [...new Set(xs)];
}

/** The fields that define a case; two pieces of one case must agree on all of them. */
const CASE_DEFINITION = ['integrand', 'expression', 'dim', 'params', 'exact', 'exactUncertainty', 'plan', 'tuning'] as const;

/** Cases in suite order (SUITE_IDS first), then the others in order of appearance. */
function suiteOrder(ids: string[]): string[] {
  const suite: readonly string[] = SUITE_IDS;
  const inSuite = suite.filter((id) => ids.includes(id));
  return [...inSuite, ...ids.filter((id) => !suite.includes(id))];
}

/**
 * One BenchReport from several, as if one `iflow bench` had run all their cases and seeds.
 * All reports must share one budget, and a (case, method, seed) may appear only once; runs
 * are sorted by seed. `seeds` is the number of distinct seeds over all runs, `seconds` the sum,
 * `backend` the common backend or a comma-separated list, `interrupted` whether any piece is.
 */
export function mergeBenchReports(parts: NamedReport[]): BenchReport {
  if (parts.length === 0) throw new UsageError('no bench reports to merge');
  const first = parts[0];
  for (const p of parts) {
    if (p.report.budget !== first.report.budget) {
      throw new OptionError(
        `${p.name} was run with {budget} ${formatCalls(p.report.budget)}, ${first.name} with ${formatCalls(first.report.budget)}`,
        'merge only reports of one budget',
      );
    }
  }

  interface Pieces {
    base: CaseResult;
    from: string;
    runs: Record<BenchMethod, RunRecord[]>;
    /** Which file each (method, seed) came from, to name both files of a duplicate. */
    seen: Map<string, string>;
  }
  const byId = new Map<string, Pieces>();
  for (const p of parts) {
    for (const c of p.report.cases) {
      let entry = byId.get(c.id);
      if (!entry) {
        entry = { base: c, from: p.name, runs: { flow: [], uniform: [] }, seen: new Map() };
        byId.set(c.id, entry);
      } else {
        for (const key of CASE_DEFINITION) {
          if (JSON.stringify(c[key]) !== JSON.stringify(entry.base[key])) {
            throw new UsageError(
              `case ${c.id} differs between ${entry.from} and ${p.name} (${key})`,
              'merge only reports of one iflow version and setup',
            );
          }
        }
      }
      for (const method of ['flow', 'uniform'] as const) {
        for (const run of c[method].runs) {
          const key = `${method} ${run.seed}`;
          const other = entry.seen.get(key);
          if (other !== undefined) {
            const where = other === p.name ? `twice in ${p.name}` : `in ${other} and ${p.name}`;
            throw new UsageError(
              `case ${c.id}, ${method === 'flow' ? 'iflow' : 'uniform'} seed ${run.seed} appears ${where}`,
              'give each (case, seed) once',
            );
          }
          entry.seen.set(key, p.name);
          entry.runs[method].push(run);
        }
      }
    }
  }

  const cases: CaseResult[] = suiteOrder([...byId.keys()]).map((id) => {
    const { base, runs } = byId.get(id) as Pieces;
    const flow = runs.flow.slice().sort((a, b) => a.seed - b.seed);
    const uniform = runs.uniform.slice().sort((a, b) => a.seed - b.seed);
    return {
      ...base,
      flow: { runs: flow, summary: summarizeRuns(flow, base.exact, base.exactUncertainty) },
      uniform: { runs: uniform, summary: summarizeRuns(uniform, base.exact, base.exactUncertainty) },
    };
  });

  const allRuns = cases.flatMap((c) => [...c.flow.runs, ...c.uniform.runs]);
  const backends = distinct(parts.map((p) => p.report.backend).filter((b): b is string => b !== null));
  const versions = distinct(parts.map((p) => p.report.iflow));
  return {
    iflow: versions.join(','),
    command: 'bench',
    budget: first.report.budget,
    seeds: distinct(allRuns.map((r) => r.seed)).length,
    split: first.report.split,
    backend: backends.length > 0 ? backends.join(',') : null,
    interrupted: parts.some((p) => p.report.interrupted),
    cases,
    pulls: {
      flow: pullStats(cases.flatMap((c) => c.flow.runs)),
      uniform: pullStats(cases.flatMap((c) => c.uniform.runs)),
    },
    gains: fomGains(cases),
    references: first.report.references,
    seconds: parts.reduce((a, p) => a + p.report.seconds, 0),
  };
}
