/**
 * The one funnel for errors: a single line on stderr and the exit code.
 * 2 = bad input (UsageError, invalid options, commander usage errors), 1 = runtime failure;
 * 3 = the result is unreliable (with --strict; the result is still printed).
 *
 * Messages of the core name options (`dim`); here they get the spelling of their flags
 * (`--dim`, src/cli/flags.ts), both in zod's validation errors and in OptionError.
 */
import { CommanderError } from 'commander';
import * as z from 'zod';
import { NumericalError, OptionError, UsageError } from '../errors';
import { BATCH_JOB_KEYS, flagOf, suggestKey } from './flags';
import { EXIT_FAILURE, EXIT_USAGE } from './exitCodes';

export { EXIT_FAILURE, EXIT_USAGE, EXIT_UNRELIABLE, EXIT_INTERRUPTED } from './exitCodes';

/**
 * One-line description of the first problem in a zod error, in one style: the flag, then what
 * is accepted ("--samples: must be at least 2 (whole numbers from 2 to 1e10)"). zod's own
 * wording is replaced for the codes that carry their bounds or types. `known`: the keys that
 * an unknown key may have meant (default: those of a batch job line).
 */
export function describeZodError(err: z.ZodError, known: readonly string[] = BATCH_JOB_KEYS): string {
  const issue = err.issues[0];
  const top = String(issue.path[0] ?? '');
  const flag = top ? flagOf(top) : 'options';
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

/** Message and exit code for any thrown value. */
export function classifyError(err: unknown): { message: string; code: number } {
  if (err instanceof UsageError) {
    const { message, hint } = err instanceof OptionError ? err.format(flagOf) : err;
    return { message: hint ? `${message} (${hint})` : message, code: EXIT_USAGE };
  }
  if (err instanceof z.ZodError) return { message: describeZodError(err), code: EXIT_USAGE };
  if (err instanceof CommanderError) return { message: err.message.replace(/^error: /, ''), code: EXIT_USAGE };
  if (err instanceof NumericalError) return { message: `numerical failure: ${err.message}`, code: EXIT_FAILURE };
  const e = err as { message?: string };
  return { message: `internal error: ${String(e?.message ?? err).split('\n')[0]}`, code: EXIT_FAILURE };
}

/** Print `err` as one "iflow: ..." line on stderr (and its stack with `debug`) and return its exit code (see classifyError). */
export function reportError(err: unknown, debug: boolean): number {
  const { message, code } = classifyError(err);
  process.stderr.write(`iflow: ${message.replace(/\s*\n\s*/g, ' ')}\n`);
  if (debug && err instanceof Error && err.stack) process.stderr.write(err.stack + '\n');
  return code;
}
