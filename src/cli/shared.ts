/** Small pieces shared by the commands: option values, error funnel, output. */
import fs from 'fs';
import { UsageError } from '../errors';
import { reportError } from './errors';

/** What every command's action gets from `main`: stdout, the interrupt count and the exit code. */
export interface CommandContext {
  /** Write the final output to stdout (once, after everything is computed). */
  write(text: string): void;
  /** Interrupts (SIGINT) received so far. */
  interrupts(): number;
  /** Exit code to use when the action returns. */
  setExitCode(code: number): void;
}

/** Remove keys whose value is undefined so that schema defaults apply. */
export function dropUndefined<T extends Record<string, unknown>>(o: T): Partial<T> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) if (v !== undefined) out[k] = v;
  return out as Partial<T>;
}

/** Run a command body; errors are reported on stderr and set the exit code. */
export async function runCommand(ctx: CommandContext, raw: Record<string, unknown>, body: () => Promise<number>): Promise<void> {
  try {
    ctx.setExitCode(await body());
  } catch (err) {
    ctx.setExitCode(reportError(err, raw.debug === true));
  }
}

/**
 * Run `body` (which compiles `expression`); when the expression is rejected and names an
 * existing file, the error says that expressions are given inline.
 */
export function withExpressionFileNote<T>(expression: string, body: () => T): T {
  try {
    return body();
  } catch (err) {
    if (err instanceof UsageError && err.message.includes(expression) && isFile(expression)) {
      throw new UsageError(
        `"${expression}" is a file; the integrand is given inline as an expression, not as a file name`,
        `e.g. iflow integrate "$(cat ${expression})" --dim d`,
      );
    }
    throw err;
  }
}

function isFile(p: string): boolean {
  try {
    return p.trim() !== '' && fs.statSync(p).isFile();
  } catch {
    return false;
  }
}
