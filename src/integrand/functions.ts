/**
 * The function vocabulary of the integrand language and the names that users
 * cannot redefine as parameters.
 */

import { erf, exp } from './special';

/**
 * How a function treats vector arguments:
 *  - 'scalar':      scalar arguments only (exp(x) is an error, as in mathjs);
 *  - 'elementwise': unary, applied to each element of a vector argument;
 *  - 'broadcast':   binary, element-wise with scalar broadcasting (like .*);
 *  - 'special':     handled individually by the compiler (reductions, min/max, log, pow).
 */
type FunctionKind = 'scalar' | 'elementwise' | 'broadcast' | 'special';

/** A numeric primitive that the generated kernel can call. */
interface Primitive {
  /** JS callee in the generated source, e.g. `Math.exp` or a helper name. */
  readonly js: string;
  /** The same function, used for compile-time constant folding. */
  readonly impl: (...args: number[]) => number;
  readonly arity: number;
}

/**
 * Modulus with the sign of the divisor, mod(x, 0) = x (the convention of mathjs).
 * Passed to generated kernels as the helper `mod`.
 */
function mod(x: number, y: number): number {
  return y === 0 ? x : x - y * Math.floor(x / y);
}

/**
 * Functions that generated kernels call by these names; they are bound as
 * parameters of the function that creates the kernel.
 */
export const KERNEL_HELPERS: Readonly<Record<string, (...args: number[]) => number>> = { erf, mod, exp };

/** Primitives by language name. */
export const PRIMITIVES: Readonly<Record<string, Primitive>> = {
  exp: { js: 'exp', impl: exp, arity: 1 },
  log: { js: 'Math.log', impl: Math.log, arity: 1 },
  log2: { js: 'Math.log2', impl: Math.log2, arity: 1 },
  log10: { js: 'Math.log10', impl: Math.log10, arity: 1 },
  sqrt: { js: 'Math.sqrt', impl: Math.sqrt, arity: 1 },
  abs: { js: 'Math.abs', impl: Math.abs, arity: 1 },
  sign: { js: 'Math.sign', impl: Math.sign, arity: 1 },
  floor: { js: 'Math.floor', impl: Math.floor, arity: 1 },
  ceil: { js: 'Math.ceil', impl: Math.ceil, arity: 1 },
  sin: { js: 'Math.sin', impl: Math.sin, arity: 1 },
  cos: { js: 'Math.cos', impl: Math.cos, arity: 1 },
  tan: { js: 'Math.tan', impl: Math.tan, arity: 1 },
  asin: { js: 'Math.asin', impl: Math.asin, arity: 1 },
  acos: { js: 'Math.acos', impl: Math.acos, arity: 1 },
  atan: { js: 'Math.atan', impl: Math.atan, arity: 1 },
  sinh: { js: 'Math.sinh', impl: Math.sinh, arity: 1 },
  cosh: { js: 'Math.cosh', impl: Math.cosh, arity: 1 },
  tanh: { js: 'Math.tanh', impl: Math.tanh, arity: 1 },
  erf: { js: 'erf', impl: erf, arity: 1 },
  atan2: { js: 'Math.atan2', impl: Math.atan2, arity: 2 },
  mod: { js: 'mod', impl: mod, arity: 2 },
  pow: { js: 'Math.pow', impl: Math.pow, arity: 2 },
  min: { js: 'Math.min', impl: Math.min, arity: -1 },
  max: { js: 'Math.max', impl: Math.max, arity: -1 },
};

/** Every function name the language accepts, with its vector behaviour. */
export const FUNCTIONS: Readonly<Record<string, FunctionKind>> = {
  exp: 'scalar',
  sqrt: 'scalar',
  sin: 'scalar',
  cos: 'scalar',
  tan: 'scalar',
  asin: 'scalar',
  acos: 'scalar',
  atan: 'scalar',
  sinh: 'scalar',
  cosh: 'scalar',
  tanh: 'scalar',
  abs: 'elementwise',
  sign: 'elementwise',
  floor: 'elementwise',
  ceil: 'elementwise',
  erf: 'elementwise',
  log2: 'elementwise',
  log10: 'elementwise',
  atan2: 'broadcast',
  mod: 'broadcast',
  log: 'special', // log(v) or log(v, base)
  pow: 'special', // pow(a, b) = a ^ b
  min: 'special',
  max: 'special',
  sum: 'special',
  prod: 'special',
  norm: 'special',
  dot: 'special',
};

/** Names of the functions of the integrand language, sorted (for --help, `iflow list` and suggestions). */
export const FUNCTION_NAMES: readonly string[] = Object.keys(FUNCTIONS).sort();

/** Named constants of the language. */
export const CONSTANTS: Readonly<Record<string, number>> = {
  pi: Math.PI,
  e: Math.E,
};

/** Words with a meaning in the mathjs grammar; they cannot name parameters. */
export const KEYWORDS: ReadonlySet<string> = new Set([
  'and',
  'or',
  'not',
  'xor',
  'mod',
  'to',
  'in',
  'end',
  'true',
  'false',
  'Infinity',
  'NaN',
  'null',
  'undefined',
]);

/** Matches any x followed by digits (valid or not as a coordinate). */
export const COORDINATE_LIKE = /^x\d+$/;

/** `x1..x6`, or `x1` when d = 1. */
export function coordinateRange(dim: number): string {
  return dim === 1 ? 'x1' : `x1..x${dim}`;
}
