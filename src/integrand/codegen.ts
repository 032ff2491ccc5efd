/**
 * Code generation: the scalar IR of ./ir -> JS source of a float64 kernel -> a callable
 * kernel made with `new Function`, bound to the helper functions of KERNEL_HELPERS.
 */

import type { CompiledExpression } from './compile';
import { KERNEL_HELPERS, PRIMITIVES } from './functions';
import { BINARY, COMPARE, type IrNode, LOGIC, isConst } from './ir';

/** JS source of a float64 literal, exact on round trip. */
function numberLiteral(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return 'Infinity';
  if (v === -Infinity) return '(-Infinity)';
  if (Object.is(v, -0)) return '(-0)';
  return v < 0 ? `(${String(v)})` : String(v);
}

/** What a generated kernel computes: float64 integrand values, or 0/1 truth values of an event condition. */
export type KernelMode = 'number' | 'event';

interface GeneratedKernel {
  /** Body of a function that takes the KERNEL_HELPERS (by name) and returns the kernel. */
  readonly body: string;
  /** 1-based coordinate indices that the kernel reads. */
  readonly coordinates: readonly number[];
}

/**
 * Generate the kernel source for `root`.
 *
 * The kernel is `function kernel(pts, n, out)`: a loop over n points stored
 * row-major with stride `dim`, which loads the coordinates it needs into locals
 * `x<k>`, computes nodes used more than once into `const t<k>` temporaries, and
 * writes one value per point: the number itself ('number' mode; booleans as 1/0)
 * or 1/0 by truthiness ('event' mode). Temporaries are computed at the top of the
 * loop body even when only a branch of `? :` uses them; every operation is pure
 * and cannot throw, so this changes only the amount of work, never the result.
 */
function generateKernel(root: IrNode, dim: number, mode: KernelMode): GeneratedKernel {
  // Count references from distinct parents (and the root) to find shared nodes.
  const uses = new Map<IrNode, number>();
  const coords = new Set<number>();
  const stack: IrNode[] = [root];
  uses.set(root, 1);
  const seen = new Set<IrNode>();
  while (stack.length > 0) {
    const n = stack.pop() as IrNode;
    if (seen.has(n)) continue;
    seen.add(n);
    if (n.op === 'var') coords.add(Number((n.name as string).slice(1)));
    for (const a of n.args) {
      uses.set(a, (uses.get(a) ?? 0) + 1);
      if (!seen.has(a)) stack.push(a);
    }
  }

  const temps = new Map<IrNode, string>();
  const lines: string[] = [];
  const needsTemp = (n: IrNode): boolean => !isConst(n) && n.op !== 'var' && (uses.get(n) ?? 0) >= 2;

  // Emit temporaries in dependency order (children before parents).
  const emitted = new Set<IrNode>();
  const visit = (n: IrNode): void => {
    if (emitted.has(n)) return;
    emitted.add(n);
    for (const a of n.args) visit(a);
    if (needsTemp(n)) {
      const name = `t${temps.size}`;
      lines.push(`const ${name} = ${expr(n, true)};`);
      temps.set(n, name);
    }
  };

  const ref = (n: IrNode): string => temps.get(n) ?? expr(n, false);

  /** JS expression for n; `self` means "generate n's own code even if n is a temporary". */
  const expr = (n: IrNode, self: boolean): string => {
    if (!self) {
      const t = temps.get(n);
      if (t !== undefined) return t;
    }
    const [a, b, c] = n.args;
    switch (n.op) {
      case 'num':
        return numberLiteral(n.value as number);
      case 'bool':
        return n.value ? 'true' : 'false';
      case 'var':
        return n.name as string;
      case 'add':
      case 'sub':
      case 'mul':
      case 'div':
        return `(${ref(a)} ${BINARY[n.op].sym} ${ref(b)})`;
      case 'neg':
        return `(-${ref(a)})`;
      case 'call':
        return `${PRIMITIVES[n.name as string].js}(${n.args.map(ref).join(', ')})`;
      case 'lt':
      case 'le':
      case 'gt':
      case 'ge':
      case 'eq':
      case 'ne':
        return `(${ref(a)} ${COMPARE[n.op].sym} ${ref(b)})`;
      case 'and':
      case 'or':
      case 'xor':
        return `(${ref(a)} ${LOGIC[n.op].sym} ${ref(b)})`;
      case 'not':
        return `(!${ref(a)})`;
      case 'b2n':
        return `(${truthy(a)} ? 1 : 0)`;
      case 'n2b':
        return `(!!${ref(a)})`;
      case 'cond':
        return `(${truthy(a)} ? ${ref(b)} : ${ref(c)})`;
    }
  };

  /** A JS expression usable as a condition: number-to-boolean coercions are left to JS truthiness. */
  const truthy = (n: IrNode): string => (n.op === 'n2b' && !temps.has(n) ? ref(n.args[0]) : ref(n));

  visit(root);

  let result: string;
  if (mode === 'event') {
    result = `${truthy(root)} ? 1 : 0`;
  } else {
    result = root.ty === 'bool' ? `${truthy(root)} ? 1 : 0` : ref(root);
  }

  const coordinates = [...coords].sort((p, q) => p - q);
  const loads = coordinates.map((k) => `const x${k} = pts[${k === 1 ? 'o' : `o + ${k - 1}`}];`);
  const inner = [...loads, ...lines, `out[i] = ${result};`].map((l) => `    ${l}`).join('\n');
  const body =
    `"use strict";\n` +
    `// exp, erf, mod: helper functions bound by the integrand compiler (src/integrand).\n` +
    `return function kernel(pts, n, out) {\n` +
    `  for (let i = 0, o = 0; i < n; i++, o += ${dim}) {\n` +
    `${inner}\n` +
    `  }\n` +
    `};\n`;
  return { body, coordinates };
}

type KernelFn = (pts: Float64Array, n: number, out: Float64Array) => void;

class CompiledKernel implements CompiledExpression {
  readonly expression: string;
  readonly dim: number;
  readonly source: string;
  private readonly kernel: KernelFn;

  constructor(expression: string, dim: number, source: string, kernel: KernelFn) {
    this.expression = expression;
    this.dim = dim;
    this.source = source;
    this.kernel = kernel;
  }

  evaluate(pts: Float64Array, n: number, out: Float64Array): void {
    if (!Number.isInteger(n) || n < 0) throw new RangeError(`evaluate: n must be a non-negative integer, got ${n}`);
    if (pts.length < n * this.dim) {
      throw new RangeError(`evaluate: pts holds ${pts.length} values, need ${n} points x ${this.dim} dims`);
    }
    if (out.length < n) throw new RangeError(`evaluate: out holds ${out.length} values, need ${n}`);
    this.kernel(pts, n, out);
  }
}

/**
 * The compiled kernel of `root` over `dim` coordinates in the given mode, with
 * `expression` (the user's text) and the generated source attached.
 */
export function buildKernel(expression: string, root: IrNode, dim: number, mode: KernelMode): CompiledExpression {
  const { body } = generateKernel(root, dim, mode);
  const helperNames = Object.keys(KERNEL_HELPERS);
  const factory = new Function(...helperNames, body) as (...helpers: unknown[]) => KernelFn;
  return new CompiledKernel(expression, dim, body, factory(...helperNames.map((h) => KERNEL_HELPERS[h])));
}
