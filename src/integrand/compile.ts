/**
 * Compile a mathjs expression into a float64 kernel.
 *
 * Pipeline: mathjs `parse` (./parse) -> validation and lowering of the syntax tree into
 * the scalar IR of ./ir (./lower; vectors are unrolled: a vector value is an array of
 * `dim` scalar nodes) -> JS source -> `new Function` (./codegen). mathjs is used for
 * parsing only.
 *
 * Semantics differ from mathjs `evaluate` in a few documented corners:
 *  - comparisons (<, ==, ...) and floor/ceil/mod are exact IEEE operations, whereas
 *    mathjs treats numbers within a relative 1e-12 as equal;
 *  - sqrt/log/asin/acos/^ outside their real domain give NaN (mathjs returns complex);
 *  - vector indices must be compile-time constants (literals, `end`, parameters, pi, e
 *    and arithmetic on them); an index that depends on the point is rejected;
 *  - `v * w` on two vectors (a dot product in mathjs) is rejected in favour of the
 *    explicit `v .* w` or `dot(v, w)`; `sum`, `prod`, `norm` and `dot` take vectors only.
 */

import { UsageError } from '../errors';
import { type KernelMode, buildKernel } from './codegen';
import { Lowering } from './lower';
import { ExpressionText, checkParams, parseExpression } from './parse';

/** What an expression is compiled against: the dimension and the --param constants. */
export interface CompileOptions {
  /** Number of dimensions d: the point is x1..xd, or the vector x. */
  dim: number;
  /** Named constants, inlined into the kernel. */
  params?: Record<string, number>;
}

/** A compiled expression: its text, the generated source, and the kernel over n points. */
export interface CompiledExpression {
  /** The user's text. */
  readonly expression: string;
  readonly dim: number;
  /** Generated JS (for --debug). */
  readonly source: string;
  /** Evaluate at n points stored row-major: point i is pts[i*dim .. i*dim+dim-1]. Writes out[0..n-1]. */
  evaluate(pts: Float64Array, n: number, out: Float64Array): void;
}

/** Compile an integrand: the kernel writes its numeric value (booleans as 1/0). */
export function compileIntegrand(expr: string, opts: CompileOptions): CompiledExpression {
  return compileExpression(expr, opts, 'number');
}

/**
 * Compile `expr` in the given mode ('number': the value; 'event': 1 where the condition
 * holds, 0 where it does not). An event must be boolean-valued (a comparison, a logical
 * operator, `not`, or `c ? a : b` of such): UsageError otherwise.
 */
export function compileExpression(expr: string, opts: CompileOptions, mode: KernelMode): CompiledExpression {
  if (typeof expr !== 'string') throw new UsageError('the expression must be a string');
  const dim = opts.dim;
  if (!Number.isInteger(dim) || dim < 1) {
    throw new UsageError(`invalid dimension ${String(dim)}: dim must be a positive integer`);
  }
  const params = checkParams(opts.params ?? {});
  const text = new ExpressionText(expr);
  const tree = parseExpression(text);
  const lowering = new Lowering(text, dim, params);
  const root = lowering.lowerRoot(tree);
  if (mode === 'event' && root.ty !== 'bool') {
    throw new UsageError(
      `the event "${expr.trim()}" is not a condition: it has a number value, not true/false`,
      'write a comparison or a logical combination of them, e.g. "x1 > 0.5" or "x1 > 0.5 and x2 < 0.2"',
    );
  }
  return buildKernel(expr, root, dim, mode);
}
