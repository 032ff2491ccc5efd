/**
 * A small scalar intermediate representation of integrands (code generation from it is
 * in ./codegen).
 *
 * Nodes are hash-consed (structurally equal nodes are the same object), which gives
 * common-subexpression elimination for free; operations whose operands are all
 * constants are folded at build time with the same functions the kernel calls.
 * Every value is either a float64 ('num') or a boolean ('bool').
 */

import { PRIMITIVES } from './functions';

type Ty = 'num' | 'bool';

type BinaryOp = 'add' | 'sub' | 'mul' | 'div';
/** Comparison operators of the IR; they yield a boolean node. */
export type CompareOp = 'lt' | 'le' | 'gt' | 'ge' | 'eq' | 'ne';
/** Logical operators of the IR on boolean nodes. */
export type LogicOp = 'and' | 'or' | 'xor';

type Op =
  | 'num' // numeric constant
  | 'bool' // boolean constant
  | 'var' // a coordinate local (x1, x2, ...)
  | BinaryOp
  | 'neg'
  | 'call' // a primitive from PRIMITIVES, by name in `fn`
  | CompareOp
  | LogicOp
  | 'not'
  | 'b2n' // boolean -> 1/0
  | 'n2b' // number -> boolean (truthiness: 0 and NaN are false)
  | 'cond'; // args: condition (bool), then, else

/**
 * One node of the integrand's intermediate representation: an SSA value with its operation,
 * its type (number or boolean) and its arguments (earlier nodes), in evaluation order.
 */
export interface IrNode {
  readonly id: number;
  readonly op: Op;
  readonly ty: Ty;
  readonly args: readonly IrNode[];
  /** Value of a 'num' / 'bool' constant. */
  readonly value?: number | boolean;
  /** Local name of a 'var'; primitive name of a 'call'. */
  readonly name?: string;
}

/** Whether n is a numeric or boolean constant. */
export function isConst(n: IrNode): boolean {
  return n.op === 'num' || n.op === 'bool';
}

/** Binary arithmetic: the JS operator and the function used for constant folding. */
export const BINARY: Record<BinaryOp, { sym: string; f: (a: number, b: number) => number }> = {
  add: { sym: '+', f: (a, b) => a + b },
  sub: { sym: '-', f: (a, b) => a - b },
  mul: { sym: '*', f: (a, b) => a * b },
  div: { sym: '/', f: (a, b) => a / b },
};

/** Comparisons: the JS operator and the function used for constant folding. */
export const COMPARE: Record<CompareOp, { sym: string; f: (a: number, b: number) => boolean }> = {
  lt: { sym: '<', f: (a, b) => a < b },
  le: { sym: '<=', f: (a, b) => a <= b },
  gt: { sym: '>', f: (a, b) => a > b },
  ge: { sym: '>=', f: (a, b) => a >= b },
  eq: { sym: '===', f: (a, b) => a === b },
  ne: { sym: '!==', f: (a, b) => a !== b },
};

/** Logical operators: the JS operator and the function used for constant folding. */
export const LOGIC: Record<LogicOp, { sym: string; f: (a: boolean, b: boolean) => boolean }> = {
  and: { sym: '&&', f: (a, b) => a && b },
  or: { sym: '||', f: (a, b) => a || b },
  xor: { sym: '!==', f: (a, b) => a !== b },
};

/** Builds hash-consed, constant-folded IR nodes. */
export class IrBuilder {
  private readonly table = new Map<string, IrNode>();
  private nextId = 0;

  private intern(key: string, make: (id: number) => IrNode): IrNode {
    let node = this.table.get(key);
    if (node === undefined) {
      node = make(this.nextId++);
      this.table.set(key, node);
    }
    return node;
  }

  num(v: number): IrNode {
    const key = `num:${Object.is(v, -0) ? '-0' : String(v)}`;
    return this.intern(key, (id) => ({ id, op: 'num', ty: 'num', args: [], value: v }));
  }

  bool(v: boolean): IrNode {
    return this.intern(`bool:${v}`, (id) => ({ id, op: 'bool', ty: 'bool', args: [], value: v }));
  }

  variable(name: string): IrNode {
    return this.intern(`var:${name}`, (id) => ({ id, op: 'var', ty: 'num', args: [], name }));
  }

  private node(op: Op, ty: Ty, args: IrNode[], name?: string): IrNode {
    const key = `${op}:${name ?? ''}(${args.map((a) => a.id).join(',')})`;
    return this.intern(key, (id) => (name === undefined ? { id, op, ty, args } : { id, op, ty, args, name }));
  }

  /** Coerce to a number: booleans become 1/0. */
  toNum(a: IrNode): IrNode {
    if (a.ty === 'num') return a;
    if (a.op === 'bool') return this.num(a.value ? 1 : 0);
    return this.node('b2n', 'num', [a]);
  }

  /** Coerce to a boolean: 0 and NaN are false, everything else true. */
  toBool(a: IrNode): IrNode {
    if (a.ty === 'bool') return a;
    if (a.op === 'num') return this.bool(Boolean(a.value));
    if (a.op === 'b2n') return a.args[0];
    return this.node('n2b', 'bool', [a]);
  }

  binary(op: BinaryOp, a0: IrNode, b0: IrNode): IrNode {
    const a = this.toNum(a0);
    const b = this.toNum(b0);
    if (a.op === 'num' && b.op === 'num') return this.num(BINARY[op].f(a.value as number, b.value as number));
    return this.node(op, 'num', [a, b]);
  }

  neg(a0: IrNode): IrNode {
    const a = this.toNum(a0);
    if (a.op === 'num') return this.num(-(a.value as number));
    return this.node('neg', 'num', [a]);
  }

  /** Call a primitive from PRIMITIVES. */
  call(fn: string, args0: IrNode[]): IrNode {
    const prim = PRIMITIVES[fn];
    if (prim === undefined) throw new Error(`internal: unknown primitive ${fn}`);
    const args = args0.map((a) => this.toNum(a));
    if (args.every((a) => a.op === 'num')) {
      return this.num(prim.impl(...args.map((a) => a.value as number)));
    }
    return this.node('call', 'num', args, fn);
  }

  /**
   * a ^ b with the semantics of Math.pow. Small integer exponents become products
   * (b = 2: a*a; 3: a*a*a; 4: (a*a)*(a*a); negative: 1 / positive power).
   */
  pow(a0: IrNode, b0: IrNode): IrNode {
    const a = this.toNum(a0);
    const b = this.toNum(b0);
    if (b.op === 'num' && a.op !== 'num') {
      const k = b.value as number;
      if (k === 0) return this.num(1);
      if (k === 1) return a;
      if (Number.isInteger(k) && Math.abs(k) <= 4) {
        const sq = this.binary('mul', a, a);
        const m = Math.abs(k);
        const p = m === 2 ? sq : m === 3 ? this.binary('mul', sq, a) : m === 4 ? this.binary('mul', sq, sq) : a;
        return k > 0 ? p : this.binary('div', this.num(1), p);
      }
    }
    return this.call('pow', [a, b]);
  }

  compare(op: CompareOp, a0: IrNode, b0: IrNode): IrNode {
    const a = this.toNum(a0);
    const b = this.toNum(b0);
    if (a.op === 'num' && b.op === 'num') return this.bool(COMPARE[op].f(a.value as number, b.value as number));
    return this.node(op, 'bool', [a, b]);
  }

  logic(op: LogicOp, a0: IrNode, b0: IrNode): IrNode {
    const a = this.toBool(a0);
    const b = this.toBool(b0);
    if (a.op === 'bool' && b.op === 'bool') return this.bool(LOGIC[op].f(a.value as boolean, b.value as boolean));
    // Short-circuit folds that keep the other operand's value.
    if (op === 'and' && a.op === 'bool') return a.value ? b : a;
    if (op === 'or' && a.op === 'bool') return a.value ? a : b;
    return this.node(op, 'bool', [a, b]);
  }

  not(a0: IrNode): IrNode {
    const a = this.toBool(a0);
    if (a.op === 'bool') return this.bool(!a.value);
    return this.node('not', 'bool', [a]);
  }

  /** c ? t : f. Both branches are made numeric unless both are boolean. */
  cond(c0: IrNode, t0: IrNode, f0: IrNode): IrNode {
    const c = this.toBool(c0);
    const bothBool = t0.ty === 'bool' && f0.ty === 'bool';
    const t = bothBool ? t0 : this.toNum(t0);
    const f = bothBool ? f0 : this.toNum(f0);
    if (c.op === 'bool') return c.value ? t : f;
    if (t === f) return t;
    return this.node('cond', t.ty, [c, t, f]);
  }
}
