/** Output of integrate-like runs: the report, the --partial document, the --save-model files. */
import { encodeBounds } from '../domain';
import { UsageError } from '../errors';
import type { Prepared, RunOutput } from '../integrate';
import { checkModelTarget, flowDigest, saveModel } from '../model';
import { partialFromRun, type PartialDocument } from '../partial';
import type { Flow } from '../flow/flow';
import { resultSchema, type IntegrationResult, type LibraryInfo, type TrainingReport } from '../report/schema';
import type { ResolvedIntegrand } from '../integrands';
import { renderText } from '../report/text';
import type { IntegrateCommandOptions } from './options';

/** Reject option combinations that would only fail after training. */
export function checkRunOptions(options: IntegrateCommandOptions): void {
  if (options.saveModel !== undefined && options.method !== 'flow') {
    throw new UsageError('--save-model needs --method flow', `--method ${options.method} may finish without a flow to save`);
  }
}

/**
 * Check --save-model before any work (see checkModelTarget); warns through `warn` when the
 * directory already holds a model, which the save will replace.
 */
export function checkSaveTarget(options: { saveModel?: string }, warn: (m: string) => void): void {
  if (options.saveModel === undefined) return;
  const target = checkModelTarget(options.saveModel);
  if (target.replaces) warn(`--save-model ${options.saveModel}: the model saved there will be replaced`);
}

/**
 * Save the model after a finished run without ever losing the run: a failure comes back as a
 * message (for stderr and exit code 1) instead of an exception.
 */
export function trySaveRunModel(
  prepared: Prepared<{ saveModel?: string } & Prepared['options']>,
  flow: Flow | null,
  training: TrainingReport | null,
): { saved: string | null; error: string | null } {
  try {
    return { saved: saveRunModel(prepared, flow, training), error: null };
  } catch (e) {
    return { saved: null, error: (e as Error).message };
  }
}

/** Save `flow` to options.saveModel (if given); returns the directory written. */
function saveRunModel(
  prepared: Prepared<{ saveModel?: string } & Prepared['options']>,
  flow: Flow | null,
  training: TrainingReport | null,
): string | null {
  const dir = prepared.options.saveModel;
  if (dir === undefined || flow === null) return null;
  const { problem } = prepared;
  saveModel(dir, flow, {
    problem: {
      expression: problem.expression,
      dim: problem.dim,
      bounds: encodeBounds(problem.bounds),
      ...(problem.domain.plain ? {} : { maps: problem.domain.axes.map((a) => ({ ...a })) }),
      params: problem.params,
    },
    seed: prepared.options.seed,
    training,
    defensive: prepared.options.defensive,
  });
  return dir;
}

/** The mergeable statistics of a run. */
export function runPartial(out: RunOutput, digest?: string): PartialDocument {
  return partialFromRun(out, digest ?? (out.flow ? flowDigest(out.flow) : null));
}

/** Text of the run's stdout: the partial document, the JSON result or the text report. */
export function renderRun(options: IntegrateCommandOptions, out: RunOutput, digest?: string, exact?: number): string {
  if (options.partial) return JSON.stringify(runPartial(out, digest), null, 2) + '\n';
  if (options.json) return JSON.stringify(resultSchema.parse(out.result), null, 2) + '\n';
  return renderText(out.result, { exact });
}

/** The library part of a result: the integrand's name, its exact value and the pulls against it. */
export function libraryInfo(integrand: ResolvedIntegrand, result: IntegrationResult): LibraryInfo {
  const exact = integrand.exact ?? null;
  const pullOf = (e: { mean: number; sdev: number } | undefined) =>
    exact === null || e === undefined || !(e.sdev > 0) ? null : (e.mean - exact) / e.sdev;
  return {
    name: integrand.name,
    description: integrand.description,
    exact,
    exactUncertainty: integrand.exactUncertainty ?? 0,
    exactMissing: exact === null ? (integrand.exactMissing ?? 'no exact value is known') : null,
    pull: pullOf(result.estimate.integral),
    baselinePull: pullOf(result.baseline?.integral),
  };
}
