/**
 * `--param name=value` parsing and the use of parameters in expressions.
 */
import { compileIntegrand, parseParam } from '../../src/integrand';
import { usageError } from './helpers';

describe('parseParam', () => {
  it.each([
    ['alpha=0.2', 'alpha', 0.2],
    ['  beta = -3 ', 'beta', -3],
    ['w_1=1e-3', 'w_1', 1e-3],
    ['_k=+.5', '_k', 0.5],
    ['N=42', 'N', 42],
    ['E=2', 'E', 2],
    ['sigma=2.5E+2', 'sigma', 250],
  ])('%j', (text, name, value) => {
    expect(parseParam(text)).toEqual([name, value]);
  });

  it.each([
    ['alpha', /expected name=value/],
    ['=1', /the name before "=" is missing/],
    ['alpha=', /the value after "=" is missing/],
    ['2a=1', /bad parameter name "2a".*letter/],
    ['a-b=1', /bad parameter name "a-b"/],
    ['alpha=abc', /bad parameter value "abc" in "alpha=abc": expected a number/],
    ['alpha=0x10', /expected a number/],
    ['alpha=1/3', /expected a number/],
    ['alpha=1=2', /expected a number/],
    ['alpha=1e400', /not finite/],
    ['alpha=Infinity', /expected a number/],
    ['alpha=NaN', /expected a number/],
    ['x=1', /"x".*point vector/],
    ['x1=1', /"x1".*coordinates/],
    ['x12=1', /"x12".*coordinates/],
    ['pi=3', /"pi".*constant/],
    ['e=3', /"e".*constant/],
    ['exp=3', /"exp".*function/],
    ['sum=3', /"sum".*function/],
    ['and=1', /"and".*reserved/],
    ['end=1', /"end".*reserved/],
  ])('rejects %j', (text, re) => {
    const e = usageError(() => parseParam(text));
    expect(e.message).toMatch(re);
    expect(e.message).not.toContain('\n');
  });
});

describe('parameters in expressions', () => {
  it('are inlined as constants', () => {
    const k = compileIntegrand('alpha * x1 + beta', { dim: 1, params: { alpha: 0.25, beta: -1.5 } });
    expect(k.source).toContain('0.25');
    expect(k.source).toContain('(-1.5)');
    expect(k.source).not.toContain('alpha');
    const out = new Float64Array(1);
    k.evaluate(new Float64Array([2]), 1, out);
    expect(out[0]).toBe(-1);
  });

  it('round-trip exactly through the generated source', () => {
    const v = 0.1 + 0.2;
    const k = compileIntegrand('a', { dim: 1, params: { a: v } });
    const out = new Float64Array(1);
    k.evaluate(new Float64Array([0]), 1, out);
    expect(out[0]).toBe(v);
  });

  it('can be used as indices', () => {
    const k = compileIntegrand('x[j] - x[j - 1]', { dim: 3, params: { j: 3 } });
    const out = new Float64Array(1);
    k.evaluate(new Float64Array([1, 10, 100]), 1, out);
    expect(out[0]).toBe(90);
  });
});
