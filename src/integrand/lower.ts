/**
 * Lowering of a mathjs syntax tree into the scalar IR of ./ir, with the checks of the
 * integrand language: names, arities, and the use of vectors and scalars. Vectors are
 * unrolled: a vector value is an array of `dim` scalar nodes. Every error is a
 * UsageError that quotes the offending part of the expression and, when it is
 * unambiguous, its position.
 */

import type { AccessorNode, ConditionalNode, FunctionNode, MathNode, ParenthesisNode, RangeNode, RelationalNode, SymbolNode } from 'mathjs';
import { UsageError } from '../errors';
import { CONSTANTS, COORDINATE_LIKE, FUNCTIONS, FUNCTION_NAMES, coordinateRange } from './functions';
import { type CompareOp, type IrNode, IrBuilder, type LogicOp } from './ir';
import { ExpressionText, uniquePosition } from './parse';
import { closest } from './suggest';

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

const REDUCTION_HINT =
  'reduce it to a scalar first, e.g. sum(...), prod(...), norm(...), dot(..., ...), min(...), max(...), or pick an element with x[i]';

/** In one dimension the vector x has one element: the scalar x1 is what is meant. */
const ONE_DIM_HINT = 'in one dimension write the coordinate as the scalar x1, e.g. x1^2 (x is the vector [x1])';

/** Lowers a mathjs syntax tree into IR, checking names, arities and vector/scalar use. */
export class Lowering {
  private readonly b = new IrBuilder();
  /** Lengths of the vectors being indexed, innermost last (the value of `end`). */
  private readonly endStack: number[] = [];

  constructor(
    private readonly text: ExpressionText,
    private readonly dim: number,
    private readonly params: Map<string, number>,
  ) {}

  /** The IR of a whole expression, which must be a scalar. Throws UsageError on any misuse. */
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
          'an integrand is a single expression; pass constants with {param} name=value',
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
        throw this.fail('ranges are only allowed inside an index such as x[2:4]', node, uniquePosition(this.positionsOf(':')));
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
        throw this.fail(`${name}() takes ${n} argument${n === 1 ? '' : 's'}, got ${args.length}`, node, pos);
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
          `${name} reduces a vector, e.g. ${name}(x) or ${name}((x - 0.5).^2)` + (name === 'norm' ? '; use abs() for a scalar' : ''),
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
        return scalar(
          b.call(
            name,
            args.map((v) => (v as { node: IrNode }).node),
          ),
        );
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
      throw this.fail(`a vector takes exactly one index, got ${dims.length}`, node, where, 'write x[i] (1-based), e.g. x[2]');
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
        'indices are resolved at compile time: use a number, end, or a {param}, e.g. x[2]',
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
    const hits = this.text.wordPositions(name).filter((i) => /^\s*[[.]/.test(t.slice(i + name.length)));
    return uniquePosition(hits);
  }
}

function has(table: object, key: string): boolean {
  return Object.prototype.hasOwnProperty.call(table, key);
}
