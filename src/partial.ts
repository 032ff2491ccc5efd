/**
 * Mergeable run results (`--partial`) and their merge (`iflow merge`).
 *
 * A partial document holds the sufficient statistics of a run instead of its report: the
 * per-iteration Moments of the main method, the baseline's Moments, and what is needed to
 * check that parts belong together (problem, method) and to account for their cost (training
 * calls and seconds). Moments are plain float64 sums, and JSON numbers round-trip float64
 * exactly, so merged sums equal the sums over the pooled samples.
 *
 * Merging: every input document contributes its pooled moments as one iteration of the merged
 * result (so chi2/dof and Q test whether the parts agree with each other); the estimate is
 * built from the sum of all of them. Baselines are summed when every part has one. Parts that
 * sampled the same flow (same weight digest, e.g. `evaluate --model DIR`) count its training
 * once; parts that trained their own flows add their training calls and seconds.
 *
 * Every document lists the random streams its samples came from (`streams`: seed, stream,
 * flow digest), a merged one those of all its parts, and a merge refuses inputs that share a
 * stream: a part inside a merged file, two copies of one file, two baselines of one seed
 * would otherwise count the same points twice. The moments keep their largest |w|, trimmed
 * to what the pooled tail needs, so that a merge recomputes the Pareto k-hat.
 *
 * A run that weighed further integrands or observable histograms (src/observables) records
 * their spec in `problem.observables` and their sums in each Moments' `observables`; both
 * fields are optional, so documents without them read as before. Parts merge only when their
 * specs are equal, and the sums add exactly as the Moments' do.
 */
import * as z from 'zod';
import { OptionError, UsageError } from './errors';
import { assembleResult, type RunOutput } from './integrate';
import { emptyMoments, mergeMoments, trimTails, type Moments } from './estimate/stats';
import { TAIL_KEEP } from './estimate/tail';
import type { Problem } from './problem';
import {
  axisMapSchema,
  flowSettingsSchema,
  jsonBoundSchema,
  trainingSchema,
  type IntegrationResult,
  type TrainingReport,
} from './report/schema';
import { decodeBounds, defaultAxisMaps, DomainMap } from './domain';
import { histogramCells } from './observables/moments';
import { observableSpecSchema } from './observables/options';
import { VERSION } from './version';

/** The `format` tag of a partial document. */
export const PARTIAL_FORMAT = 'iflow-partial';
/** The `version` of the partial document format written and read; other versions are refused. */
export const PARTIAL_VERSION = 2;

const finite = z.number().refine(Number.isFinite, 'expected a finite number');
const count = z.number().int().nonnegative();

/** The sums of one observable g (estimate/stats.ts ObservableSums): s1 = sum w g, s2 = sum (w g)^2, sx = sum w^2 g, in units of the Moments' scale. */
const observableSumsSchema = z.object({ s1: finite, s2: finite, sx: finite });

const nonNegative = finite.refine((v) => v >= 0, 'must be non-negative');

/** Sums of the further integrands and observable histograms (src/observables/moments.ts). */
const observableMomentsSchema = z.object({
  n: count,
  scale: finite.refine((v) => v > 0, 'must be positive'),
  sums: z.array(finite).min(1),
  products: z.array(finite),
  strataCov: z.array(finite).optional(),
  integrands: z.array(
    z.object({
      sumAbs: nonNegative,
      maxAbs: nonNegative,
      top: z
        .array(nonNegative)
        .max(TAIL_KEEP)
        .transform((t) => [...t].sort((a, b) => b - a)),
      zeros: count,
      nonFinite: count,
      outside: count,
    }),
  ),
  histograms: z.array(z.object({ s1: z.array(finite), s2: z.array(nonNegative) })),
});

/**
 * The sufficient statistics of one set of weighted samples (estimate/stats.ts Moments) as stored
 * in a partial document; `coords` has one entry per dimension and `events` one per event
 * (checked by `partialSchema`).
 */
const momentsSchema = z.object({
  n: count,
  /** Unit of the weight sums (a power of two); documents written before it existed use 1. */
  scale: finite.refine((v) => v > 0, 'must be positive').default(1),
  sumW: finite,
  sumW2: finite.refine((v) => v >= 0, 'must be non-negative'),
  sumAbsW: finite.refine((v) => v >= 0, 'must be non-negative'),
  maxAbsW: finite.refine((v) => v >= 0, 'must be non-negative'),
  /** The largest |w| (see Moments.top), sorted here in decreasing order. */
  top: z
    .array(finite.refine((v) => v >= 0, 'must be non-negative'))
    .max(TAIL_KEEP)
    .transform((t) => [...t].sort((a, b) => b - a)),
  zeros: count,
  nonFinite: count,
  coords: z.array(observableSumsSchema),
  events: z.array(observableSumsSchema),
  /** Var(sum w) of a stratified sampler (units of scale^2); absent for iid samples. */
  varSumW: finite.refine((v) => v >= 0, 'must be non-negative').optional(),
  /** Sums of the further integrands and observable histograms, when the run had any. */
  observables: observableMomentsSchema.optional(),
});

/** The stages whose samples a document holds (src/rng.ts streams). */
const sampleStreams = ['evaluate', 'baseline'] as const;

/**
 * One random stream a document's samples came from: the seed, the stream (the estimate's
 * points or the uniform baseline's) and, for points drawn through a flow, its weight digest.
 */
export const streamSchema = z.object({
  seed: z.number().int().nonnegative(),
  stream: z.enum(sampleStreams),
  flowDigest: z.string().nullable(),
  calls: count,
});
/** One random stream of a partial document (`streamSchema`). */
export type StreamRecord = z.infer<typeof streamSchema>;

/**
 * The problem of a partial document: what parts must share to be merged (expression, dim,
 * bounds, axis maps, parameters, event labels, observables spec).
 */
const partialProblemSchema = z.object({
  expression: z.string(),
  dim: z.number().int().positive(),
  /** Finite numbers, or "inf" / "-inf". */
  bounds: z.array(z.tuple([jsonBoundSchema, jsonBoundSchema])),
  /** The axis maps of the run, when some axis is infinite or has a power map. */
  maps: z.array(axisMapSchema).optional(),
  params: z.record(z.string(), finite),
  events: z.array(z.string()),
  /** What was weighed besides F (further integrands, observable histograms), when anything was. */
  observables: observableSpecSchema.optional(),
});

/**
 * The partial document written by `integrate`, `evaluate` and `merge` with `--partial` and read
 * by `iflow merge`: per-iteration Moments of the main method, the baseline's Moments, streams,
 * training and timing. The refinement checks that every Moments matches the problem's dim,
 * events and observables spec.
 */
export const partialSchema = z
  .object({
    format: z.literal(PARTIAL_FORMAT),
    version: z.literal(PARTIAL_VERSION),
    iflow: z.string(),
    command: z.enum(['integrate', 'evaluate', 'merge']),
    problem: partialProblemSchema,
    method: z.enum(['flow', 'vegas', 'uniform']),
    /** Seed of the run (null for merged documents). */
    seed: z.number().int().nonnegative().nullable(),
    /** Number of runs whose samples this document holds. */
    parts: z.number().int().positive(),
    /** Every random stream whose samples this document holds (a merged one: all its parts'). */
    streams: z.array(streamSchema),
    /** True when a run was interrupted: its moments cover the samples drawn until then. */
    interrupted: z.boolean(),
    /** Moments of the main method, one per iteration. */
    iterations: z.array(momentsSchema),
    /** Moments of the uniform baseline, or null when there was none. */
    baseline: momentsSchema.nullable(),
    /** Training report of the flow (calls and seconds included); null for uniform runs. */
    training: trainingSchema.nullable(),
    flow: flowSettingsSchema.nullable(),
    /** The defensive fraction of a flow's estimate (resultSchema's `defensive`). */
    defensive: z.number().min(0).lt(1).nullable().optional(),
    /** SHA-256 of the flow's float32 weights; equal digests mean the parts sampled the same flow. */
    flowDigest: z.string().nullable(),
    backend: z.object({ name: z.string(), addon: z.string().nullable() }).nullable(),
    seconds: z.object({ train: finite, evaluate: finite, baseline: finite, total: finite }),
    /**
     * What the boundary probe found (src/estimate/boundary.ts), so that the merged verdict
     * keeps it; absent in documents of earlier versions.
     */
    boundary: z.object({ where: z.string(), width: finite, mass: finite }).nullable().optional(),
    /**
     * The correlation of p under a separable sampler (src/estimate/correlation.ts), so that the
     * merged verdict keeps it (the largest of the parts').
     */
    correlation: z.object({ eigenvalue: finite }).nullable().optional(),
  })
  .superRefine((doc, ctx) => {
    const { dim, events, bounds } = doc.problem;
    if (bounds.length !== dim) ctx.addIssue({ code: 'custom', path: ['problem', 'bounds'], message: `expected ${dim} intervals` });
    const spec = doc.problem.observables;
    const check = (m: Moments, where: (string | number)[]) => {
      if (m.coords.length !== dim) ctx.addIssue({ code: 'custom', path: [...where, 'coords'], message: `expected ${dim} entries` });
      if (m.events.length !== events.length) {
        ctx.addIssue({ code: 'custom', path: [...where, 'events'], message: `expected ${events.length} entries` });
      }
    };
    const checkObservables = (m: Moments, where: (string | number)[]) => {
      const o = m.observables;
      if (!spec) {
        if (o)
          ctx.addIssue({ code: 'custom', path: [...where, 'observables'], message: 'sums of observables without problem.observables' });
        return;
      }
      if (!o) {
        if (m.n > 0)
          ctx.addIssue({ code: 'custom', path: [...where, 'observables'], message: 'missing: problem.observables asks for them' });
        return;
      }
      const K = spec.also.length + 1;
      const ok =
        o.n === m.n &&
        o.sums.length === K &&
        o.products.length === (K * (K + 1)) / 2 &&
        (o.strataCov === undefined || o.strataCov.length === o.products.length) &&
        o.integrands.length === spec.also.length &&
        o.histograms.length === spec.histograms.length &&
        o.histograms.every((h, j) => h.s1.length === histogramCells(spec.histograms[j].bins) && h.s2.length === h.s1.length);
      if (!ok) ctx.addIssue({ code: 'custom', path: [...where, 'observables'], message: 'the sums do not match problem.observables' });
    };
    doc.iterations.forEach((m, i) => {
      check(m, ['iterations', i]);
      checkObservables(m, ['iterations', i]);
    });
    if (doc.baseline) check(doc.baseline, ['baseline']);
  });

/** A parsed partial document (`partialSchema`). */
export type PartialDocument = z.infer<typeof partialSchema>;

/** The partial document of one run. */
export function partialFromRun(out: RunOutput, flowDigest: string | null): PartialDocument {
  const r = out.result;
  const streams: StreamRecord[] = [];
  if (r.seed !== null) {
    const evaluated = out.iterations.reduce((s, m) => s + m.n, 0);
    streams.push({ seed: r.seed, stream: 'evaluate', flowDigest: r.method === 'flow' ? flowDigest : null, calls: evaluated });
    if (out.baseline) streams.push({ seed: r.seed, stream: 'baseline', flowDigest: null, calls: out.baseline.n });
  }
  return partialSchema.parse({
    format: PARTIAL_FORMAT,
    version: PARTIAL_VERSION,
    iflow: VERSION,
    command: r.command,
    problem: out.observables ? { ...r.problem, observables: out.observables } : r.problem,
    method: r.method,
    seed: r.seed,
    parts: 1,
    streams,
    interrupted: r.interrupted,
    iterations: trimTails(out.iterations),
    baseline: out.baseline,
    training: r.training,
    flow: r.flow,
    defensive: r.defensive ?? null,
    flowDigest,
    backend: r.backend,
    seconds: r.seconds,
    boundary: out.boundary ?? null,
    correlation: out.correlation ?? null,
  });
}

/**
 * The parts' finding of largest `size` (null when no part has one): the boundary slab of largest
 * |mass|, the correlation of largest eigenvalue.
 */
function strongest<T>(findings: (T | null | undefined)[], size: (f: T) => number): T | null {
  let best: T | null = null;
  for (const f of findings) if (f && (best === null || size(f) > size(best))) best = f;
  return best;
}

/** A named input of `merge` (the name appears in error messages). */
export interface NamedPartial {
  name: string;
  doc: PartialDocument;
}

function sameNumbers(a: readonly (number | string)[], b: readonly (number | string)[]): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

/** Why `b` does not describe the same problem as `a`, or null. */
function problemDifference(a: PartialDocument, b: PartialDocument): string | null {
  const p = a.problem;
  const q = b.problem;
  if (p.expression !== q.expression) return `expression ${JSON.stringify(q.expression)} vs ${JSON.stringify(p.expression)}`;
  if (p.dim !== q.dim) return `dim ${q.dim} vs ${p.dim}`;
  if (!sameNumbers(p.bounds.flat(), q.bounds.flat())) return `bounds ${JSON.stringify(q.bounds)} vs ${JSON.stringify(p.bounds)}`;
  const pk = Object.keys(p.params).sort();
  const qk = Object.keys(q.params).sort();
  if (pk.join(',') !== qk.join(',') || pk.some((k) => p.params[k] !== q.params[k])) {
    return `params ${JSON.stringify(q.params)} vs ${JSON.stringify(p.params)}`;
  }
  if (p.events.join('\n') !== q.events.join('\n')) return `events ${JSON.stringify(q.events)} vs ${JSON.stringify(p.events)}`;
  const po = JSON.stringify(p.observables ?? null);
  const qo = JSON.stringify(q.observables ?? null);
  if (po !== qo) return `further integrands or observable histograms ${qo} vs ${po}`;
  if (a.method !== b.method) return `method ${b.method} vs ${a.method}`;
  return null;
}

/**
 * Check that the inputs can be merged: same problem and method, and no random stream in two
 * inputs (or twice in one). Throws UsageError naming the files.
 */
export function checkMergeable(parts: NamedPartial[]): void {
  if (parts.length === 0) throw new OptionError('nothing to merge', 'give one or more files written with {partial}');
  const first = parts[0];
  for (const part of parts.slice(1)) {
    const diff = problemDifference(first.doc, part.doc);
    if (diff) {
      throw new UsageError(
        `${part.name} describes a different problem than ${first.name}: ${diff}`,
        'only runs of the same problem and method can be merged',
      );
    }
  }
  const seen = new Map<string, string>();
  for (const part of parts) {
    if (part.doc.streams.length === 0 && part.doc.iterations.some((m) => m.n > 0)) {
      throw new OptionError(
        `${part.name} does not list the random streams of its samples`,
        'write it again with integrate or evaluate {partial}',
      );
    }
    for (const s of part.doc.streams) {
      const key = `${s.seed}|${s.stream}|${s.flowDigest ?? ''}`;
      const other = seen.get(key);
      if (other === part.name) {
        throw new UsageError(
          `${part.name} is given twice or holds the same samples twice (${describeStream(s, part.doc.method)})`,
          'each part counts once',
        );
      }
      if (other !== undefined) {
        throw new OptionError(
          `${part.name} and ${other} hold the same samples (${describeStream(s, part.doc.method)}): they would count twice`,
          'merge each run once: a merged file already holds its parts, and runs need their own {seed}',
        );
      }
      seen.set(key, part.name);
    }
  }
}

/** "the flow samples of seed 3 (flow 1a2b3c4d)" and the like. */
function describeStream(s: StreamRecord, method: PartialDocument['method']): string {
  if (s.stream === 'baseline') return `the uniform baseline of seed ${s.seed}`;
  if (s.flowDigest !== null) return `the flow samples of seed ${s.seed}, flow ${s.flowDigest.slice(0, 12)}`;
  return `the ${method === 'vegas' ? 'VEGAS' : 'uniform'} samples of seed ${s.seed}`;
}

function pooled(m: Moments[], dim: number, nEvents: number): Moments {
  return m.reduce((a, b) => mergeMoments(a, b), emptyMoments(dim, nEvents));
}

/** Training of the merged parts: shared once, or the sum of separately trained flows. */
function mergeTraining(parts: PartialDocument[], sharedFlow: boolean): TrainingReport | null {
  const reports = parts.map((p) => p.training).filter((t): t is TrainingReport => t !== null);
  if (reports.length === 0) return null;
  if (sharedFlow || reports.length === 1) return reports[0];
  const losses = new Set(reports.map((t) => t.loss));
  return {
    epochs: reports.reduce((s, t) => s + t.epochs, 0),
    batch: reports[0].batch,
    calls: reports.reduce((s, t) => s + t.calls, 0),
    seconds: reports.reduce((s, t) => s + t.seconds, 0),
    loss: losses.size === 1 ? reports[0].loss : [...losses].join('+'),
    finalLoss: null,
    finalBatchRelSdev: null,
    stoppedEarly: reports.some((t) => t.stoppedEarly),
    stopReason: `${reports.length} flows trained separately; calls and seconds are their sums`,
    lrReductions: reports.reduce((s, t) => s + t.lrReductions, 0),
    history: [],
  };
}

/** A Problem with the descriptive fields only: assembleResult never evaluates the integrand. */
function problemStub(p: PartialDocument['problem']): Problem {
  const bounds = decodeBounds(p.bounds);
  return {
    expression: p.expression,
    dim: p.dim,
    bounds,
    domain: new DomainMap(p.maps ?? defaultAxisMaps(bounds)),
    params: { ...p.params },
    integrand: undefined,
    events: p.events.map((label) => ({ label, kernel: undefined })),
    ...(p.observables ? { observables: { spec: p.observables, also: [], histograms: [] } } : {}),
  } as unknown as Problem;
}

/** What `mergePartials` returns: the merged result and the merged partial document. */
export interface Merged {
  /** The merged result document (command 'merge'). */
  result: IntegrationResult;
  /** The merged sufficient statistics (for `merge --partial`). */
  partial: PartialDocument;
}

/** Merge validated partial documents (checked with `checkMergeable` first). */
export function mergePartials(parts: NamedPartial[], warn: (m: string) => void = () => {}): Merged {
  checkMergeable(parts);
  const docs = parts.map((p) => p.doc);
  const first = docs[0];
  const { dim } = first.problem;
  const nEvents = first.problem.events.length;
  const warnings: string[] = [];
  const note = (m: string) => {
    warnings.push(m);
    warn(m);
  };

  // one iteration per input: its pooled moments
  const iterations = trimTails(docs.map((d) => pooled(d.iterations, dim, nEvents)).filter((m) => m.n > 0));
  let baseline: Moments | null = null;
  const withBaseline = docs.filter((d) => d.baseline !== null);
  if (withBaseline.length === docs.length) {
    baseline = pooled(
      docs.map((d) => d.baseline as Moments),
      dim,
      nEvents,
    );
  } else if (withBaseline.length > 0) {
    note(`the baseline is left out: only ${withBaseline.length} of ${docs.length} parts have one`);
  }

  const digests = new Set(docs.map((d) => d.flowDigest));
  const sharedFlow = first.method === 'flow' && digests.size === 1 && first.flowDigest !== null;
  const training = mergeTraining(docs, sharedFlow);
  const interrupted = docs.some((d) => d.interrupted);
  if (interrupted) note(`${docs.filter((d) => d.interrupted).length} part(s) were interrupted; their samples up to then are included`);
  const flows = new Set(docs.map((d) => JSON.stringify(d.flow)));
  if (flows.size > 1) note('the parts used different flow settings; the flow settings shown are those of the first part');
  const defensives = new Set(docs.map((d) => d.defensive ?? null));
  if (defensives.size > 1) note('the parts sampled different defensive mixtures (--defensive); the fraction shown is null');
  const defensive = defensives.size === 1 ? (first.defensive ?? null) : null;
  const backends = new Set(docs.map((d) => JSON.stringify(d.backend)));
  const backend =
    backends.size === 1 && first.backend ? { name: first.backend.name, addon: first.backend.addon ?? undefined, skipped: [] } : null;
  const sum = (key: keyof PartialDocument['seconds']) => docs.reduce((s, d) => s + d.seconds[key], 0);
  const seconds = { train: sum('train'), evaluate: sum('evaluate'), baseline: sum('baseline'), total: sum('total') };
  const resultSeconds = { adapt: 0, ...seconds };
  // the findings that the merged moments cannot show: the strongest of the parts'
  const boundary = strongest(
    docs.map((d) => d.boundary),
    (f) => Math.abs(f.mass),
  );
  const correlation = strongest(
    docs.map((d) => d.correlation),
    (f) => f.eigenvalue,
  );

  const result = assembleResult(
    {
      command: 'merge',
      method: first.method,
      interrupted,
      problem: problemStub(first.problem),
      seed: null,
      backend,
      flow: first.flow,
      defensive,
      training,
      seconds: resultSeconds,
      warnings,
      boundary,
      correlation,
    },
    iterations,
    baseline,
    warn,
  );
  const partial: PartialDocument = {
    format: PARTIAL_FORMAT,
    version: PARTIAL_VERSION,
    iflow: VERSION,
    command: 'merge',
    problem: first.problem,
    method: first.method,
    seed: null,
    parts: docs.reduce((s, d) => s + d.parts, 0),
    streams: docs.flatMap((d) => d.streams),
    interrupted,
    iterations,
    baseline,
    training,
    flow: first.flow,
    defensive,
    flowDigest: sharedFlow ? first.flowDigest : null,
    backend: backend ? first.backend : null,
    seconds,
    boundary,
    correlation,
  };
  return { result, partial };
}
