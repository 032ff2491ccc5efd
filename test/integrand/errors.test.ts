/**
 * Every class of bad input gives a UsageError with a one-line message that names the
 * problem (and the character position where it can be located) and, where useful, a hint.
 */
import { compileEvent, compileIntegrand } from '../../src/integrand';
import { usageError } from './helpers';

const D6 = { dim: 6 };

function err(expr: string, opts: { dim: number; params?: Record<string, number> } = D6) {
  const e = usageError(() => compileIntegrand(expr, opts));
  expect(e.message).not.toContain('\n');
  return e;
}

describe('syntax errors', () => {
  it('translates mathjs messages and keeps the position (0-based)', () => {
    expect(err('x1 +').message).toBe('syntax error: unexpected end of expression at char 4 in "x1 +"');
    expect(err('(x1').message).toBe('syntax error: parenthesis ) expected at char 3 in "(x1"');
    expect(err('x1 + * 2').message).toBe('syntax error: value expected at char 5 in "x1 + * 2"');
    expect(err('x1 @ 2').message).toMatch(/^syntax error: .*"@ 2".* at char 3 in "x1 @ 2"$/);
    expect(err('x1)').message).toMatch(/at char 2 in "x1\)"$/);
  });

  it('hints at the usual mistakes', () => {
    expect(err('(x1').hint).toMatch(/\)/);
    expect(err('x1 ** 2').hint).toMatch(/\^/);
    expect(err('x1 && x2').hint).toMatch(/\band\b/);
    expect(err('x1 || x2').hint).toMatch(/\bor\b/);
    expect(err('!(x1 > 0)').hint).toMatch(/\bnot\b/);
  });

  it('reports positions in multi-line text', () => {
    const e = err('x1 +\n  (x2');
    expect(e.message).toBe('syntax error: parenthesis ) expected at char 10 in "x1 +   (x2"');
  });
});

describe('empty expressions', () => {
  it.each(['', '   ', '\n\t', '# only a comment'])('%j', (expr) => {
    const e = err(expr);
    expect(e.message).toMatch(/empty expression|only a comment/);
    expect(e.hint).toMatch(/mathjs/);
  });
});

describe('unknown symbols', () => {
  it('names the symbol and its position', () => {
    expect(err('x1 + y').message).toBe('unknown symbol "y" at char 5 in "x1 + y"');
    expect(err('x1 + y').hint).toMatch(/x1\.\.x6/);
  });

  it('finds the symbol as a whole word', () => {
    expect(err('xy + y').message).toMatch(/unknown symbol "xy" at char 0/);
    expect(err('exp(x1) * ex').message).toMatch(/unknown symbol "ex" at char 10/);
    expect(err('2e-3 * e2').message).toMatch(/unknown symbol "e2" at char 7/);
  });

  it('suggests a close name', () => {
    const e = err('alpah * x1', { dim: 2, params: { alpha: 1 } });
    expect(e.message).toMatch(/unknown symbol "alpah" at char 0/);
    expect(e.hint).toBe('did you mean "alpha"?');
    expect(err('PI * x1').hint).toBe('did you mean "pi"?');
  });

  it('does not resolve names through Object.prototype', () => {
    expect(err('constructor + x1').message).toMatch(/unknown symbol "constructor" at char 0/);
    expect(err('toString(x1)').message).toMatch(/unknown function "toString" at char 0/);
    expect(err('x1 + hasOwnProperty').message).toMatch(/unknown symbol "hasOwnProperty" at char 5/);
  });

  it('treats units as unknown symbols', () => {
    expect(err('2 cm').message).toMatch(/unknown symbol "cm" at char 2/);
  });

  it('rejects a function name used as a value', () => {
    const e = err('exp + 1');
    expect(e.message).toMatch(/function "exp" is used without arguments at char 0/);
    expect(e.hint).toMatch(/exp\(x1\)/);
  });

  it('rejects "end" outside an index', () => {
    expect(err('end + 1').message).toMatch(/"end" is only allowed inside an index/);
  });
});

describe('coordinates out of range', () => {
  it('x0 and x7 at dim 6', () => {
    const e0 = err('x0 + x1');
    expect(e0.message).toBe('coordinate "x0" is out of range at char 0 in "x0 + x1"');
    expect(e0.hint).toMatch(/1-based/);
    const e7 = err('x1 + x7');
    expect(e7.message).toBe('coordinate "x7" is out of range at char 5 in "x1 + x7"');
    expect(e7.hint).toMatch(/dim is 6/);
    expect(err('x01').message).toMatch(/coordinate "x01" is out of range/);
  });

  it('x2 at dim 1', () => {
    expect(err('x2', { dim: 1 }).hint).toMatch(/use x1\b/);
  });
});

describe('indexing', () => {
  it('x[0] and x[7] are out of range', () => {
    const e0 = err('x[0]');
    expect(e0.message).toMatch(/index 0 is out of range 1\.\.6 at char 0/);
    expect(e0.hint).toMatch(/1-based/);
    expect(err('x1 + x[7]').message).toMatch(/index 7 is out of range 1\.\.6: "x\[7\]" at char 5/);
    expect(err('x[end + 1]').message).toMatch(/index 7 is out of range/);
    expect(err('sum(x[5:8])').message).toMatch(/index 7 is out of range/);
  });

  it('rejects non-integer, non-constant and multiple indices', () => {
    expect(err('x[1.5]').message).toMatch(/an index must be an integer, got 1\.5/);
    const e = err('x[floor(6 * x1) + 1]');
    expect(e.message).toMatch(/an index must be a constant integer/);
    expect(e.hint).toMatch(/compile time/);
    expect(err('x[x]').message).toMatch(/an index must be a scalar/);
    expect(err('x[1, 2]').message).toMatch(/a vector takes exactly one index, got 2/);
  });

  it('rejects indexing a scalar, empty ranges and property access', () => {
    expect(err('x1[1]').message).toMatch(/cannot index a scalar/);
    expect(err('sum(x[3:2])').message).toMatch(/the range is empty/);
    expect(err('sum(x[1:0:3])').message).toMatch(/the range step is zero/);
    expect(err('x.a').message).toMatch(/property access is not supported/);
  });
});

describe('functions', () => {
  it('unknown functions, with position and suggestion', () => {
    const e = err('x1 + foo(x2)');
    expect(e.message).toBe('unknown function "foo" at char 5 in "x1 + foo(x2)"');
    expect(e.hint).toMatch(/supported functions: .*exp/);
    expect(err('sn(x1)').hint).toBe('did you mean sin()?');
    expect(err('gamma(x1)').message).toMatch(/unknown function "gamma"/);
  });

  it('calling a non-function', () => {
    const e = err('x1(x2 + 1)');
    expect(e.message).toMatch(/"x1" is not a function at char 0/);
    expect(e.hint).toMatch(/\*/);
  });

  it.each([
    ['exp(x1, x2)', /exp\(\) takes 1 argument, got 2/],
    ['sin()', /sin\(\) takes 1 argument, got 0/],
    ['atan2(x1)', /atan2\(\) takes 2 arguments, got 1/],
    ['log(x1, 2, 3)', /log\(\) takes 1 or 2 arguments, got 3/],
    ['dot(x)', /dot\(\) takes 2 arguments, got 1/],
    ['norm(x, 1)', /norm\(\) takes 1 argument, got 2/],
    ['min()', /min\(\) needs arguments/],
    ['max(x1)', /max\(\) of a single scalar/],
    ['min(x, x1)', /min\(\) takes either one vector or several scalars/],
  ])('wrong arity: %s', (expr, re) => {
    expect(err(expr).message).toMatch(re);
  });
});

describe('vector / scalar misuse', () => {
  it.each([
    ['exp(x)', /exp\(\) needs a scalar argument, got a vector of length 6 at char 0/, /element-wise/],
    ['1 + sqrt(x - 0.5)', /sqrt\(\) needs a scalar argument, got a vector of length 6: "sqrt\(x - 0.5\)" at char 4/, /sum/],
    ['x^2', /\^ is a matrix power and needs scalar operands at char 1/, /\.\^/],
    ['sum(2^x)', /\^ is a matrix power/, /\.\^/],
    ['pow(x, 2)', /pow\(\) needs a scalar argument/, /\.\^/],
    ['dot(x * x, x)', /cannot multiply two vectors with \*: "x \* x" at char 6/, /\.\*.*dot/],
    ['sum(1 / x)', /cannot divide by a vector with \/: "1 \/ x" at char 6/, /\.\//],
    ['sum(x / x)', /cannot divide by a vector/, /\.\//],
    ['sum(x1)', /sum\(\) needs a vector argument, got a scalar at char 0/, /sum\(x\)/],
    ['prod(x1 + x2)', /prod\(\) needs a vector argument/, /prod\(x\)/],
    ['norm(x1)', /norm\(\) needs a vector argument/, /abs\(\)/],
    ['dot(x1, x)', /dot\(\) needs a vector argument/, /dot/],
    ['sum(x + x[1:2])', /vector lengths differ \(6 and 2\)/, undefined],
    ['dot(x, x[1:3])', /dot\(\) needs vectors of equal length, got 6 and 3/, undefined],
    ['x > 0.5 ? 1 : 0', /the condition of "\? :" must be a scalar, got a vector of length 6: "x > 0.5" at char 8/, /sum/],
  ])('%s', (expr, re, hint) => {
    const e = err(expr);
    expect(e.message).toMatch(re);
    if (hint !== undefined) expect(e.hint).toMatch(hint);
  });

  it('a vector as the final result', () => {
    for (const expr of ['x', 'x .^ 2', '(x - 0.5) * 2', 'x1 + x', 'x[2:3]']) {
      const e = err(expr);
      expect(e.message).toMatch(/^the expression is a vector of length \d+, expected a scalar in "/);
      expect(e.hint).toMatch(/sum\(\.\.\.\)/);
    }
    expect(usageError(() => compileEvent('x > 0.5', D6)).message).toMatch(/is a vector of length 6/);
  });
});

describe('constructs outside the language', () => {
  it.each([
    ['a = 2', /assignments are not allowed at char 2/, /pass constants with param name=value/],
    ['x1 = 0.5', /assignments are not allowed/, /pass constants with param name=value/],
    ['f(t) = t^2', /function definitions are not allowed at char 5/, /inline/],
    ['x1; x2', /only one expression is allowed, found ";" at char 2/, /;/],
    ['[1, 2]', /matrix and array literals are not supported at char 0/, /vector x/],
    ['dot(x, [1, 2, 3, 4, 5, 6])', /matrix and array literals are not supported: "\[1, 2, 3, 4, 5, 6\]" at char 7/, /vector x/],
    ['"abc"', /strings are not supported at char 0/, /numeric/],
    ["x1 + 'a'", /^strings are not supported at char 5 in "x1 \+ 'a'"$/, /numeric/],
    ['{a: 1}', /objects are not supported/, undefined],
    ['1:3', /ranges are only allowed inside an index/, undefined],
    ['x1 to cm', /unsupported operator "to"/, /units/],
    ['x1 & x2', /unsupported operator "&" at char 3/, /\band\b/],
    ['x1 | x2', /unsupported operator "\|" at char 3/, /\bor\b/],
    ['3!', /unsupported operator "!" at char 1/, /factorial/],
    ["x1'", /unsupported operator "'"/, /transpose/],
    ['x1 << 2', /unsupported operator "<<" at char 3/, /shift/],
    ['~x1', /unsupported operator "~" at char 0/, /not/],
  ])('%s', (expr, re, hint) => {
    const e = err(expr);
    expect(e.message).toMatch(re);
    if (hint !== undefined) expect(e.hint).toMatch(hint);
  });
});

describe('options', () => {
  it('rejects a bad dimension', () => {
    for (const dim of [0, -1, 1.5, NaN]) {
      expect(usageError(() => compileIntegrand('x1', { dim })).message).toMatch(/dim must be a positive integer/);
    }
  });

  it('rejects bad parameters', () => {
    expect(err('x1', { dim: 2, params: { x1: 2 } }).message).toMatch(/bad parameter name "x1"/);
    expect(err('x1', { dim: 2, params: { pi: 3 } }).message).toMatch(/bad parameter name "pi"/);
    expect(err('x1', { dim: 2, params: { exp: 3 } }).message).toMatch(/bad parameter name "exp"/);
    expect(err('x1', { dim: 2, params: { a: Infinity } }).message).toMatch(/bad parameter value for "a"/);
    expect(err('x1', { dim: 2, params: { a: NaN } }).message).toMatch(/not a finite number/);
  });
});
