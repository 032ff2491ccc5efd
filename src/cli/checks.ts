/**
 * Checks of how options are used together, run before any work: a flag that would be silently
 * ignored gets a warning, a contradiction or a repeated constant is a UsageError.
 *
 * `given(key)` tells whether the user set an option (on the command line, or as a key of a
 * batch job line); schema defaults do not count.
 */
import { UsageError } from '../errors';
import { ExpressionText } from '../integrand/parse';
import { parseParam } from '../integrand';
import { isIntegrandRef } from '../integrands';
import { flowShape, trainingShape } from '../options';
import { flagOf } from './flags';
import type { IntegrateCommandOptions } from './options';

/** Training and flow options, which only a trained flow uses. */
const FLOW_KEYS = [...Object.keys(flowShape), ...Object.keys(trainingShape), 'premap'];

/** Whether an option was set by the user. */
export type GivenFn = (key: string) => boolean;

/** `given` for commander options: set on the command line (not a default). */
export function givenOnCommandLine(cmd: { getOptionValueSource(key: string): string | undefined }): GivenFn {
  return (key) => cmd.getOptionValueSource(key) === 'cli';
}

/** `given` for a batch job line: a key of its JSON object. */
export function givenInObject(data: object): GivenFn {
  return (key) => Object.prototype.hasOwnProperty.call(data, key);
}

/**
 * Refuse a --param name given twice (which value would win is a guess) and return the values
 * by name.
 */
export function checkParamsOnce(param: readonly string[]): Map<string, number> {
  const seen = new Map<string, number>();
  for (const text of param) {
    const [name, value] = parseParam(text);
    if (seen.has(name)) {
      throw new UsageError(
        `--param ${name} is given twice (${seen.get(name)} and ${value})`,
        `give each parameter once, e.g. --param ${name}=${value}`,
      );
    }
    seen.set(name, value);
  }
  return seen;
}

/**
 * Checks that need only the options (call before expanding a library integrand): repeated
 * parameters, each iteration with at least 2 calls, --baseline-samples with --no-baseline.
 */
export function checkOptionCombinations(options: IntegrateCommandOptions): void {
  checkParamsOnce(options.param);
  const perIteration = Math.floor(options.samples / options.iterations);
  if (perIteration < 2) {
    throw new UsageError(
      `--iterations ${options.iterations} with --samples ${options.samples} leaves ${perIteration} call${perIteration === 1 ? '' : 's'} per iteration`,
      `each iteration needs at least 2 calls for its error: use --samples ${2 * options.iterations} or more, or --iterations ${Math.max(1, Math.floor(options.samples / 2))} or fewer`,
    );
  }
  if (!options.baseline && options.baselineSamples !== undefined) {
    throw new UsageError('--baseline-samples has no effect with --no-baseline', 'drop one of the two');
  }
}

/**
 * Warnings for options that the run will ignore: flow and training flags with --method uniform or vegas,
 * --hidden/--blob in one dimension (the single coupling has no network), --anneal-start
 * without --anneal, --iterations with an accuracy target, and --param constants that neither
 * the expression, an event, an --also nor a --hist uses.
 */
export function ignoredOptionWarnings(options: IntegrateCommandOptions, given: GivenFn): string[] {
  const out: string[] = [];
  if (options.method === 'uniform' || options.method === 'vegas') {
    const flags = FLOW_KEYS.filter((k) => given(k)).map(flagOf);
    if (flags.length > 0)
      out.push(`${flags.join(', ')} ${flags.length === 1 ? 'is' : 'are'} ignored with --method ${options.method} (no flow is trained)`);
    if (options.method === 'uniform' && given('baselineSamples')) {
      out.push('--baseline-samples is ignored with --method uniform (the estimate is the uniform one; there is no baseline)');
    }
  } else {
    if (options.dim === 1) {
      const flags = (['hidden', 'blob'] as const).filter((k) => given(k)).map(flagOf);
      if (flags.length > 0) {
        out.push(
          `${flags.join(', ')} ${flags.length === 1 ? 'is' : 'are'} ignored in one dimension: the single coupling has nothing to condition on, so it has no network`,
        );
      }
    }
    if (given('annealStart') && options.anneal === 0) out.push('--anneal-start is ignored without --anneal (tempering is off)');
  }
  if (given('iterations') && (options.relError !== undefined || options.absError !== undefined)) {
    out.push(
      '--iterations is ignored with an accuracy target: the estimate is made of rounds of growing size, and chi2/dof and Q are over those rounds',
    );
  }
  if (!isIntegrandRef(options.expression)) {
    for (const text of options.param) {
      const [name] = parseParam(text);
      if (!usesConstant(options, name)) {
        out.push(`--param ${text.trim()} is not used: "${name}" appears neither in the expression, an event, an --also nor a --hist`);
      }
    }
  }
  return out;
}

/**
 * True when the constant `name` appears as a whole word in the integrand, an event, a further
 * integrand (--also) or an observable (--hist): the texts that are compiled with the constants.
 */
export function usesConstant(options: IntegrateCommandOptions, name: string): boolean {
  return [options.expression, ...options.event, ...options.also, ...options.hist].some(
    (t) => new ExpressionText(t).wordPositions(name).length > 0,
  );
}
