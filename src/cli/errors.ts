/**
 * The one funnel for errors: a single line on stderr and the exit code.
 * 2 = bad input (UsageError, invalid options, commander usage errors), 1 = runtime failure;
 * 3 = the result is unreliable (with --strict; the result is still printed).
 */
import { CommanderError } from 'commander';
import { ZodError } from 'zod';
import { NumericalError, UsageError } from '../errors';
import { describeZodError } from './options';

export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;
/** --strict: the estimate's verdict is `reliable: false` (src/estimate/verdict.ts). */
export const EXIT_UNRELIABLE = 3;
export const EXIT_INTERRUPTED = 130;

/** Message and exit code for any thrown value. */
export function classifyError(err: unknown): { message: string; code: number } {
  if (err instanceof UsageError) {
    return { message: err.hint ? `${err.message} (${err.hint})` : err.message, code: EXIT_USAGE };
  }
  if (err instanceof ZodError) return { message: describeZodError(err), code: EXIT_USAGE };
  if (err instanceof CommanderError) return { message: err.message.replace(/^error: /, ''), code: EXIT_USAGE };
  if (err instanceof NumericalError) return { message: `numerical failure: ${err.message}`, code: EXIT_FAILURE };
  const e = err as { message?: string };
  return { message: `internal error: ${String(e?.message ?? err).split('\n')[0]}`, code: EXIT_FAILURE };
}

export function reportError(err: unknown, debug: boolean): number {
  const { message, code } = classifyError(err);
  process.stderr.write(`iflow: ${message.replace(/\s*\n\s*/g, ' ')}\n`);
  if (debug && err instanceof Error && err.stack) process.stderr.write(err.stack + '\n');
  return code;
}
