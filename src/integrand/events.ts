/**
 * Events: predicates over the point (e.g. "x1 > 0.5") whose probabilities are
 * estimated alongside the integral.
 */

import { type CompileOptions, type CompiledExpression, compileExpression } from './compile';

/**
 * Compile a predicate. The kernel writes 1 where the expression is true (or a
 * nonzero number) and 0 where it is false (or 0, or NaN).
 */
export function compileEvent(expr: string, opts: CompileOptions): CompiledExpression {
  return compileExpression(expr, opts, 'event');
}
