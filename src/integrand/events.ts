/**
 * Events: predicates over the point (e.g. "x1 > 0.5") whose probabilities are
 * estimated alongside the integral.
 */

import { type CompileOptions, type CompiledExpression, compileExpression } from './compile';

/**
 * Compile a predicate. The kernel writes 1 where the expression is true and 0 where it is
 * false (comparisons with NaN are false). An expression with a number value (`x1 + 1`,
 * `0.5`) is not a condition: UsageError.
 */
export function compileEvent(expr: string, opts: CompileOptions): CompiledExpression {
  return compileExpression(expr, opts, 'event');
}
