/**
 * Compile a mathjs expression into a float64 kernel.
 *
 * Pipeline: mathjs `parse` -> validation and lowering of the syntax tree into the
 * scalar IR of ./ir (vectors are unrolled: a vector value is an array of `dim`
 * scalar nodes) -> JS source -> `new Function`. mathjs is used for parsing only.
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

import type {
  AccessorNode,
  ConditionalNode,
  FunctionNode,
  MathNode,
  ParenthesisNode,
  RangeNode,
  RelationalNode,
  SymbolNode,
} from 'mathjs';
import { UsageError } from '../errors';
import { CONSTANTS, COORDINATE_LIKE, FUNCTIONS, FUNCTION_NAMES, KERNEL_HELPERS, coordinateRange } from './functions';
import { type CompareOp, type IrNode, IrBuilder, type KernelMode, type LogicOp, generateKernel } from './ir';
import { ExpressionText, paramNameProblem, parseExpression, uniquePosition } from './parse';

export interface CompileOptions {
  /** Number of dimensions d: the point is x1..xd, or the vector x. */
  dim: number;
  /** Named constants, inlined into the kernel. */
  params?: Record<string, number>;
}

export interface CompiledExpression {
  /** The user's text. */
  readonly expression: string;
  readonly dim: number;
  /** Generated JS (for --debug). */
  readonly source: string;
  /** Evaluate at n points stored row-major: point i is pts[i*dim .. i*dim+dim-1]. Writes out[0..n-1]. */
  evaluate(pts: Float64Array, n: number, out: Float64Array): void;
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
  const { body } = generateKernel(root, dim, mode);
  const helperNames = Object.keys(KERNEL_HELPERS);
  const factory = new Function(...helperNames, body) as (...helpers: unknown[]) => KernelFn;
  return new CompiledKernel(expr, dim, body, factory(...helperNames.map((h) => KERNEL_HELPERS[h])));
}

function checkParams(params: Record<string, number>): Map<string, number> {
  const out = new Map<string, number>();
  for (const [name, value] of Object.entries(params)) {
    const problem = paramNameProblem(name);
    if (problem !== undefined) throw new UsageError(`bad parameter name "${name}": ${problem}`);
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      throw new UsageError(`bad parameter value for "${name}": ${String(value)} is not a finite number`);
    }
    out.set(name, value);
  }
  return out;
}

/** The fields of a mathjs OperatorNode that the lowering reads. */
interface OperatorLike extends MathNode {
  fn: string;
  op: string;
  args: MathNode[];
}

/** A lowered value: one scalar, or a vector unrolled into its elements. */
type Val = { kind: 'scalar'; node: IrNode } | { kind: 'vector'; items: IrNode[] };

const scalar = (node: IrNode): Val => ({ kind: 'scalar', node });
const vector = (items: IrNode[]): Val => ({ kind: 'vector', items });

const COMPARISONS: Record<string, CompareOp> = {
  smaller: 'lt',
  smallerEq: 'le',
  larger: 'gt',
  largerEq: 'ge',
  equal: 'eq',
  unequal: 'ne',
};

const LOGICAL: Record<string, LogicOp> = { and: 'and', or: 'or', xor: 'xor' };

/** Hints for mathjs operators outside the language. */
const UNSUPPORTED_OPERATOR_HINTS: Record<string, string> = {
  bitAnd: 'use the word "and" for logic, e.g. x1 > 0.2 and x2 < 0.5',
  bitOr: 'use the word "or" for logic',
  bitXor: 'use "xor" for logical exclusive or',
  bitNot: 'use "not" for logical negation',
  factorial: 'factorials are not supported',
  ctranspose: 'transposes are not supported; vectors need no transposing here',
  transpose: 'transposes are not supported; vectors need no transposing here',
  to: 'units are not supported',
  leftShift: 'bit shifts are not supported',
  rightArithShift: 'bit shifts are not supported',
  rightLogShift: 'bit shifts are not supported',
};

const REDUCTION_HINT = 'reduce it to a scalar first, e.g. sum(...), prod(...), norm(...), dot(..., ...), min(...), max(...), or pick an element with x[i]';

/** In one dimension the vector x has one element: the scalar x1 is what is meant. */
const ONE_DIM_HINT = 'in one dimension write the coordinate as the scalar x1, e.g. x1^2 (x is the vector [x1])';

/** Lowers a mathjs syntax tree into IR, checking names, arities and vector/scalar use. */
class Lowering {
  private readonly b = new IrBuilder();
  /** Lengths of the vectors being indexed, innermost last (the value of `end`). */
  private readonly endStack: number[] = [];

  constructor(
    private readonly text: ExpressionText,
    private readonly dim: number,
    private readonly params: Map<string, number>,
  ) {}

  lowerRoot(tree: MathNode): IrNode {
    const v = this.lower(tree);
    if (v.kind === 'vector') {
      throw this.text.error(
        `the expression is a vector of length ${v.items.length}, expected a scalar`,
        undefined,
        this.dim === 1 ? ONE_DIM_HINT : REDUCTION_HINT,
      );
    }
    return v.node;
  }

  /**
   * A UsageError for `message`. `part` is the offending subexpression; it is quoted
   * in the message unless it is the whole expression.
   */
  private fail(message: string, part: MathNode | undefined, pos?: number, hint?: string): UsageError {
    if (part !== undefined) {
      const shown = this.show(part);
      const squash = (s: string) => s.replace(/\s+/g, '');
      if (squash(shown) !== squash(this.text.normalized)) message += `: "${shown}"`;
    }
    return this.text.error(message, pos, hint);
  }

  private show(node: MathNode): string {
    try {
      return node.toString();
    } catch {
      return node.type;
    }
  }

  /** Lower a node; a constant subexpression that overflows or is undefined is an input error. */
  private lower(node: MathNode): Val {
    const v = this.lowerNode(node);
    const nodes = v.kind === 'vector' ? v.items : [v.node];
    for (const n of nodes) {
      if (n.op === 'num' && !Number.isFinite(n.value as number) && node.type !== 'ParenthesisNode') {
        throw this.fail(
          `the constant subexpression is ${String(n.value)}`,
          node,
          undefined,
          'constants must be finite numbers in float64 (|v| < 1.8e308); rescale the integrand',
        );
      }
    }
    return v;
  }

  private lowerNode(node: MathNode): Val {
    switch (node.type) {
      case 'ParenthesisNode':
        return this.lower((node as ParenthesisNode).content);
      case 'ConstantNode':
        return this.lowerConstant(node);
      case 'SymbolNode':
        return this.lowerSymbol(node as SymbolNode);
      case 'OperatorNode':
        return this.lowerOperator(node as unknown as OperatorLike);
      case 'RelationalNode':
        return this.lowerRelational(node as RelationalNode);
      case 'ConditionalNode':
        return this.lowerConditional(node as ConditionalNode);
      case 'FunctionNode':
        return this.lowerFunction(node as FunctionNode<MathNode>);
      case 'AccessorNode':
        return this.lowerAccessor(node as AccessorNode);
      case 'AssignmentNode':
        throw this.fail(
          'assignments are not allowed',
          node,
          uniquePosition(this.assignmentPositions()),
          'an integrand is a single expression; pass constants with --param name=value',
        );
      case 'FunctionAssignmentNode':
        throw this.fail(
          'function definitions are not allowed',
          node,
          uniquePosition(this.assignmentPositions()),
          'an integrand is a single expression; write the formula inline',
        );
      case 'BlockNode':
        throw this.fail(
          'only one expression is allowed, found ";"',
          undefined,
          this.text.normalized.indexOf(';') >= 0 ? this.text.normalized.indexOf(';') : undefined,
          'remove the ";" and everything after it, or combine the parts into one expression',
        );
      case 'ArrayNode':
        throw this.fail(
          'matrix and array literals are not supported',
          node,
          uniquePosition(this.literalBracketPositions()),
          'use the point vector x, e.g. dot(x, x) or sum((x - 0.5).^2)',
        );
      case 'ObjectNode':
        throw this.fail('objects are not supported', node, uniquePosition(this.positionsOf('{')));
      case 'RangeNode':
        throw this.fail(
          'ranges are only allowed inside an index such as x[2:4]',
          node,
          uniquePosition(this.positionsOf(':')),
        );
      default:
        throw this.fail(`unsupported construct (${node.type})`, node);
    }
  }

  // ---- leaves -------------------------------------------------------------

  private lowerConstant(node: MathNode): Val {
    const value = (node as unknown as { value: unknown }).value;
    if (typeof value === 'number') return scalar(this.b.num(value));
    if (typeof value === 'boolean') return scalar(this.b.bool(value));
    if (typeof value === 'string') {
      const quote = Math.min(...['"', "'"].map((q) => this.text.normalized.indexOf(q)).filter((i) => i >= 0));
      throw this.fail(
        'strings are not supported',
        undefined,
        Number.isFinite(quote) ? quote : undefined,
        'integrands are numeric expressions',
      );
    }
    throw this.fail('unsupported constant', node);
  }

  private lowerSymbol(node: SymbolNode): Val {
    const name = node.name;
    const pos = this.text.symbolPositions(name)[0];
    if (name === 'x') {
      const items: IrNode[] = [];
      for (let k = 1; k <= this.dim; k++) items.push(this.b.variable(`x${k}`));
      return vector(items);
    }
    if (COORDINATE_LIKE.test(name)) {
      const k = Number(name.slice(1));
      if (/^x[1-9]\d*$/.test(name) && k <= this.dim) return scalar(this.b.variable(name));
      const hint =
        k === 0
          ? `coordinates are 1-based: use ${coordinateRange(this.dim)}`
          : `dim is ${this.dim}: use ${coordinateRange(this.dim)} (or x[1]..x[${this.dim}])`;
      throw this.fail(`coordinate "${name}" is out of range`, undefined, pos, hint);
    }
    if (name === 'end') {
      if (this.endStack.length === 0) {
        throw this.fail('"end" is only allowed inside an index, e.g. x[end]', undefined, pos);
      }
      return scalar(this.b.num(this.endStack[this.endStack.length - 1]));
    }
    const param = this.params.get(name);
    if (param !== undefined) return scalar(this.b.num(param));
    if (has(CONSTANTS, name)) return scalar(this.b.num(CONSTANTS[name]));
    if (has(FUNCTIONS, name)) {
      throw this.fail(`function "${name}" is used without arguments`, undefined, pos, `call it, e.g. ${name}(x1)`);
    }
    throw this.fail(`unknown symbol "${name}"`, undefined, pos, this.symbolHint(name));
  }

  private symbolHint(name: string): string {
    const candidates = ['x', 'pi', 'e', ...this.params.keys()];
    for (let k = 1; k <= Math.min(this.dim, 20); k++) candidates.push(`x${k}`);
    const close = closest(name, candidates);
    if (close !== undefined) return `did you mean "${close}"?`;
    const known = [`${coordinateRange(this.dim)}`, 'x (the point vector)', 'pi', 'e'];
    if (this.params.size > 0) known.push(...[...this.params.keys()].map((p) => `${p} (parameter)`));
    else known.push('parameters given with --param name=value');
    return `known symbols: ${known.join(', ')}`;
  }

  // ---- operators ----------------------------------------------------------

  private lowerOperator(node: OperatorLike): Val {
    const fn = node.fn;
    const op = node.op;
    const args = node.args;
    const b = this.b;
    const vals = () => args.map((a) => this.lower(a));
    if (args.length === 1) {
      switch (fn) {
        case 'unaryMinus':
          return this.map(this.lower(args[0]), (a) => b.neg(a));
        case 'unaryPlus':
          return this.map(this.lower(args[0]), (a) => b.toNum(a));
        case 'not':
          return this.map(this.lower(args[0]), (a) => b.not(a));
      }
    }
    if (args.length >= 2) {
      const fold = (f: (p: Val, q: Val) => Val): Val => {
        const vs = vals();
        return vs.slice(1).reduce(f, vs[0]);
      };
      switch (fn) {
        case 'add':
          return fold((p, q) => this.broadcast(p, q, node, (s, t) => b.binary('add', s, t)));
        case 'subtract':
          return fold((p, q) => this.broadcast(p, q, node, (s, t) => b.binary('sub', s, t)));
        case 'dotMultiply':
          return fold((p, q) => this.broadcast(p, q, node, (s, t) => b.binary('mul', s, t)));
        case 'dotDivide':
          return fold((p, q) => this.broadcast(p, q, node, (s, t) => b.binary('div', s, t)));
        case 'dotPow':
          return fold((p, q) => this.broadcast(p, q, node, (s, t) => b.pow(s, t)));
        case 'mod':
          return fold((p, q) => this.broadcast(p, q, node, (s, t) => b.call('mod', [s, t])));
        case 'multiply':
          return fold((p, q) => {
            if (p.kind === 'vector' && q.kind === 'vector') {
              throw this.fail(
                'cannot multiply two vectors with *',
                node,
                this.opPosition(op),
                'use .* for the element-wise product or dot(a, b) for the dot product',
              );
            }
            return this.broadcast(p, q, node, (s, t) => b.binary('mul', s, t));
          });
        case 'divide':
          return fold((p, q) => {
            if (q.kind === 'vector') {
              throw this.fail(
                'cannot divide by a vector with /',
                node,
                this.opPosition(op),
                'use ./ for element-wise division, e.g. 1 ./ x',
              );
            }
            return this.broadcast(p, q, node, (s, t) => b.binary('div', s, t));
          });
        case 'pow': {
          const [p, q] = vals();
          if (p.kind === 'vector' || q.kind === 'vector') {
            throw this.fail(
              '^ is a matrix power and needs scalar operands',
              node,
              this.opPosition(op),
              this.dim === 1 ? ONE_DIM_HINT : 'use .^ for element-wise powers, e.g. x .^ 2',
            );
          }
          return scalar(b.pow(p.node, q.node));
        }
      }
      if (has(COMPARISONS, fn)) {
        const cmp = COMPARISONS[fn];
        return fold((p, q) => this.broadcast(p, q, node, (s, t) => b.compare(cmp, s, t)));
      }
      if (has(LOGICAL, fn)) {
        const lop = LOGICAL[fn];
        return fold((p, q) => this.broadcast(p, q, node, (s, t) => b.logic(lop, s, t)));
      }
    }
    throw this.fail(
      `unsupported operator "${op}"`,
      node,
      this.opPosition(op),
      has(UNSUPPORTED_OPERATOR_HINTS, fn) ? UNSUPPORTED_OPERATOR_HINTS[fn] : undefined,
    );
  }

  private lowerRelational(node: RelationalNode): Val {
    const vals = node.params.map((p) => this.lower(p));
    let result: Val | undefined;
    node.conditionals.forEach((name, i) => {
      if (!has(COMPARISONS, name)) throw this.fail(`unsupported comparison "${name}"`, node);
      const cmp = COMPARISONS[name];
      const c = this.broadcast(vals[i], vals[i + 1], node, (s, t) => this.b.compare(cmp, s, t));
      result = result === undefined ? c : this.broadcast(result, c, node, (s, t) => this.b.logic('and', s, t));
    });
    if (result === undefined) throw this.fail('empty comparison', node);
    return result;
  }

  private lowerConditional(node: ConditionalNode): Val {
    const c = this.lower(node.condition);
    if (c.kind === 'vector') {
      throw this.fail(
        `the condition of "? :" must be a scalar, got a vector of length ${c.items.length}`,
        node.condition,
        uniquePosition(this.positionsOf('?')),
        REDUCTION_HINT,
      );
    }
    const t = this.lower(node.trueExpr);
    const f = this.lower(node.falseExpr);
    return this.broadcast(t, f, node, (s, u) => this.b.cond(c.node, s, u));
  }

  // ---- functions ----------------------------------------------------------

  private lowerFunction(node: FunctionNode<MathNode>): Val {
    const callee = node.fn as MathNode;
    if (callee.type !== 'SymbolNode') {
      throw this.fail('unsupported function call', node, undefined, 'call a built-in function by name, e.g. exp(x1)');
    }
    const name = (callee as SymbolNode).name;
    const pos = uniquePosition(this.text.callPositions(name));
    const kind = has(FUNCTIONS, name) ? FUNCTIONS[name] : undefined;
    if (kind === undefined) {
      const firstPos = this.text.callPositions(name)[0];
      if (name === 'x' || COORDINATE_LIKE.test(name) || this.params.has(name) || has(CONSTANTS, name)) {
        throw this.fail(`"${name}" is not a function`, undefined, firstPos, `use * for multiplication, e.g. ${name} * (...)`);
      }
      const close = closest(name, FUNCTION_NAMES, 2);
      const hint = close !== undefined ? `did you mean ${close}()?` : `supported functions: ${FUNCTION_NAMES.join(', ')}`;
      throw this.fail(`unknown function "${name}"`, undefined, firstPos, hint);
    }
    const args = node.args.map((a) => this.lower(a));
    const b = this.b;
    const arity = (n: number) => {
      if (args.length !== n) {
        throw this.fail(
          `${name}() takes ${n} argument${n === 1 ? '' : 's'}, got ${args.length}`,
          node,
          pos,
        );
      }
    };
    const needScalar = (v: Val, what = 'argument'): IrNode => {
      if (v.kind === 'vector') {
        throw this.fail(
          `${name}() needs a scalar ${what}, got a vector of length ${v.items.length}`,
          node,
          pos,
          this.dim === 1
            ? ONE_DIM_HINT
            : name === 'pow'
              ? 'use .^ for element-wise powers, e.g. x .^ 2'
              : `${name} is not applied element-wise; ${REDUCTION_HINT}`,
        );
      }
      return v.node;
    };
    const needVector = (v: Val): IrNode[] => {
      if (v.kind === 'scalar') {
        throw this.fail(
          `${name}() needs a vector argument, got a scalar`,
          node,
          pos,
          `${name} reduces a vector, e.g. ${name}(x) or ${name}((x - 0.5).^2)` +
            (name === 'norm' ? '; use abs() for a scalar' : ''),
        );
      }
      return v.items.map((n) => b.toNum(n));
    };

    switch (kind) {
      case 'scalar':
        arity(1);
        return scalar(b.call(name, [needScalar(args[0])]));
      case 'elementwise':
        arity(1);
        return this.map(args[0], (a) => b.call(name, [a]));
      case 'broadcast':
        arity(2);
        return this.broadcast(args[0], args[1], node, (s, t) => b.call(name, [s, t]));
      case 'special':
        break;
    }

    switch (name) {
      case 'log': {
        if (args.length === 1) return scalar(b.call('log', [needScalar(args[0])]));
        if (args.length === 2) {
          const v = needScalar(args[0]);
          const base = needScalar(args[1], 'base');
          return scalar(b.binary('div', b.call('log', [v]), b.call('log', [base])));
        }
        throw this.fail(`log() takes 1 or 2 arguments, got ${args.length}`, node, pos, 'log(v) or log(v, base)');
      }
      case 'pow': {
        arity(2);
        const base = needScalar(args[0]);
        const exponent = needScalar(args[1]);
        return scalar(b.pow(base, exponent));
      }
      case 'sum':
      case 'prod': {
        arity(1);
        const items = needVector(args[0]);
        const op = name === 'sum' ? 'add' : 'mul';
        return scalar(items.slice(1).reduce((acc, n) => b.binary(op, acc, n), items[0]));
      }
      case 'norm': {
        if (args.length !== 1) {
          throw this.fail(`norm() takes 1 argument, got ${args.length}`, node, pos, 'only the 2-norm norm(v) is supported');
        }
        const items = needVector(args[0]);
        const squares = items.map((n) => b.binary('mul', n, n));
        const total = squares.slice(1).reduce((acc, n) => b.binary('add', acc, n), squares[0]);
        return scalar(b.call('sqrt', [total]));
      }
      case 'dot': {
        arity(2);
        const p = needVector(args[0]);
        const q = needVector(args[1]);
        if (p.length !== q.length) {
          throw this.fail(`dot() needs vectors of equal length, got ${p.length} and ${q.length}`, node, pos);
        }
        const products = p.map((n, i) => b.binary('mul', n, q[i]));
        return scalar(products.slice(1).reduce((acc, n) => b.binary('add', acc, n), products[0]));
      }
      case 'min':
      case 'max': {
        const usage = `use ${name}(a, b, ...) with two or more scalars, or ${name}(v) with one vector`;
        if (args.length === 1) {
          const v = args[0];
          if (v.kind === 'scalar') {
            throw this.fail(`${name}() of a single scalar`, node, pos, usage);
          }
          return scalar(v.items.length === 1 ? b.toNum(v.items[0]) : b.call(name, v.items));
        }
        if (args.length === 0) throw this.fail(`${name}() needs arguments`, node, pos, usage);
        if (args.some((v) => v.kind === 'vector')) {
          throw this.fail(`${name}() takes either one vector or several scalars`, node, pos, usage);
        }
        return scalar(b.call(name, args.map((v) => (v as { node: IrNode }).node)));
      }
    }
    throw new Error(`internal: function ${name} has no lowering`);
  }

  // ---- indexing -----------------------------------------------------------

  private lowerAccessor(node: AccessorNode): Val {
    const where = this.indexPosition(node);
    if (node.index.dotNotation) {
      throw this.fail('property access is not supported', node, where, 'use x[i] for elements of x');
    }
    const target = this.lower(node.object);
    if (target.kind === 'scalar') {
      throw this.fail('cannot index a scalar', node, where, 'only vectors such as x can be indexed, e.g. x[2]');
    }
    const dims = node.index.dimensions as MathNode[];
    if (dims.length !== 1) {
      throw this.fail(
        `a vector takes exactly one index, got ${dims.length}`,
        node,
        where,
        'write x[i] (1-based), e.g. x[2]',
      );
    }
    const len = target.items.length;
    const d = dims[0];
    this.endStack.push(len);
    try {
      if (d.type === 'RangeNode') {
        const r = d as RangeNode;
        const start = this.constantIndex(r.start, node, where);
        const stop = this.constantIndex(r.end, node, where);
        const step = r.step === null || r.step === undefined ? 1 : this.constantIndex(r.step, node, where);
        if (step === 0) throw this.fail('the range step is zero', node, where);
        const picked: number[] = [];
        for (let k = start; step > 0 ? k <= stop : k >= stop; k += step) picked.push(k);
        if (picked.length === 0) throw this.fail('the range is empty', node, where);
        for (const k of picked) this.checkBounds(k, len, node, where);
        return vector(picked.map((k) => target.items[k - 1]));
      }
      const k = this.constantIndex(d, node, where);
      this.checkBounds(k, len, node, where);
      return scalar(target.items[k - 1]);
    } finally {
      this.endStack.pop();
    }
  }

  private constantIndex(expr: MathNode, node: AccessorNode, where: number | undefined): number {
    const v = this.lower(expr);
    if (v.kind === 'vector') {
      throw this.fail('an index must be a scalar, got a vector', node, where, 'write x[i] with a constant integer i');
    }
    const n = v.node;
    if (n.op !== 'num' && n.op !== 'bool') {
      throw this.fail(
        `an index must be a constant integer, but ${this.show(expr)} depends on the point`,
        node,
        where,
        'indices are resolved at compile time: use a number, end, or a --param, e.g. x[2]',
      );
    }
    const k = n.op === 'bool' ? (n.value ? 1 : 0) : (n.value as number);
    if (!Number.isInteger(k)) {
      throw this.fail(`an index must be an integer, got ${k}`, node, where, 'indices are 1-based integers, e.g. x[2]');
    }
    return k;
  }

  private checkBounds(k: number, len: number, node: AccessorNode, where: number | undefined): void {
    if (k < 1 || k > len) {
      throw this.fail(
        `index ${k} is out of range 1..${len}`,
        node,
        where,
        k === 0 ? 'indices are 1-based: the first element is x[1]' : `the vector has ${len} element${len === 1 ? '' : 's'}`,
      );
    }
  }

  // ---- vector helpers -----------------------------------------------------

  private map(v: Val, f: (a: IrNode) => IrNode): Val {
    return v.kind === 'scalar' ? scalar(f(v.node)) : vector(v.items.map(f));
  }

  /** Apply f element-wise; a scalar operand is repeated against a vector one. */
  private broadcast(p: Val, q: Val, node: MathNode, f: (a: IrNode, b: IrNode) => IrNode): Val {
    if (p.kind === 'scalar' && q.kind === 'scalar') return scalar(f(p.node, q.node));
    if (p.kind === 'vector' && q.kind === 'vector') {
      if (p.items.length !== q.items.length) {
        throw this.fail(`vector lengths differ (${p.items.length} and ${q.items.length})`, node);
      }
      return vector(p.items.map((a, i) => f(a, q.items[i])));
    }
    if (p.kind === 'vector') {
      const s = (q as { node: IrNode }).node;
      return vector(p.items.map((a) => f(a, s)));
    }
    const s = p.node;
    return vector((q as { items: IrNode[] }).items.map((a) => f(s, a)));
  }

  // ---- positions ----------------------------------------------------------

  private positionsOf(ch: string): number[] {
    const out: number[] = [];
    for (let i = this.text.normalized.indexOf(ch); i >= 0; i = this.text.normalized.indexOf(ch, i + 1)) out.push(i);
    return out;
  }

  /** The position of operator `op` when it occurs exactly once in the text. */
  private opPosition(op: string): number | undefined {
    if (!op) return undefined;
    if (/^[a-z]+$/.test(op)) return uniquePosition(this.text.wordPositions(op));
    return uniquePosition(this.text.operatorPositions(op));
  }

  /** Positions of a lone "=" (not part of ==, <=, >=, !=). */
  private assignmentPositions(): number[] {
    const t = this.text.normalized;
    return this.positionsOf('=').filter((i) => !'=<>!'.includes(t[i - 1] ?? '') && t[i + 1] !== '=');
  }

  /** Positions of "[" that open an array literal rather than an index. */
  private literalBracketPositions(): number[] {
    const t = this.text.normalized;
    return this.positionsOf('[').filter((i) => {
      const before = t.slice(0, i).trimEnd();
      const prev = before[before.length - 1] ?? '';
      return !/[A-Za-z0-9_$)\]]/.test(prev);
    });
  }

  /** Position of the "[" of an index on a named vector, when unambiguous. */
  private indexPosition(node: AccessorNode): number | undefined {
    const obj = node.object;
    if (obj.type !== 'SymbolNode') return undefined;
    const name = (obj as SymbolNode).name;
    const t = this.text.normalized;
    const hits = this.text
      .wordPositions(name)
      .filter((i) => /^\s*[[.]/.test(t.slice(i + name.length)));
    return uniquePosition(hits);
  }
}

function has(table: object, key: string): boolean {
  return Object.prototype.hasOwnProperty.call(table, key);
}

/** Optimal-string-alignment edit distance (a transposition counts as one edit). */
function editDistance(a: string, b: string): number {
  const m = a.length;
  const n = b.length;
  const d: number[][] = [];
  for (let i = 0; i <= m; i++) {
    d.push(new Array<number>(n + 1).fill(0));
    d[i][0] = i;
  }
  for (let j = 0; j <= n; j++) d[0][j] = j;
  for (let i = 1; i <= m; i++) {
    for (let j = 1; j <= n; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, d[i - 2][j - 2] + 1);
      d[i][j] = v;
    }
  }
  return d[m][n];
}

/**
 * The candidate closest to `name`: equal ignoring case, or within a small edit
 * distance (1 for names of up to 3 letters, 2 beyond). Names shorter than
 * `minLength` only match ignoring case.
 */
function closest(name: string, candidates: readonly string[], minLength = 3): string | undefined {
  const lower = name.toLowerCase();
  const sameCase = candidates.find((c) => c.toLowerCase() === lower);
  if (sameCase !== undefined) return sameCase;
  if (name.length < minLength) return undefined;
  const limit = name.length <= 3 ? 1 : 2;
  let best: string | undefined;
  let bestDistance = limit + 1;
  for (const c of candidates) {
    const dist = editDistance(name, c);
    if (dist < bestDistance) {
      best = c;
      bestDistance = dist;
    }
  }
  return best;
}
