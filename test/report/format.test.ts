import { formatEstimate, formatNumber, renderTable } from '../../src/report/format';

describe('formatEstimate (vegas style)', () => {
  test.each([
    [1.00571, 0.00642, '1.0057(64)'],
    [0.9983731, 0.000118, '0.99837(12)'],
    [12.34, 1.2, '12.3(12)'],
    [123.4, 15.3, '123(15)'],
    [0.5, 0.0996, '0.50(10)'],
    [1.234e-6, 5.6e-8, '1.234(56)e-06'],
    [-2.5, 0.25, '-2.50(25)'],
    [3.0, 0, '3(0)'],
  ])('%p ± %p -> %s', (m, s, text) => {
    expect(formatEstimate(m, s)).toBe(text);
  });
  test('non-finite values are written out, never hidden', () => {
    expect(formatEstimate(NaN, 1)).toBe('NaN');
    expect(formatEstimate(1, Infinity)).toBe('1(inf)');
  });
});

describe('formatNumber and tables', () => {
  test('plain and scientific', () => {
    expect(formatNumber(0.123456789)).toBe('0.123457');
    expect(formatNumber(1.5e-7)).toBe('1.5e-7');
    expect(formatNumber(0)).toBe('0');
  });
  test('columns are aligned', () => {
    const t = renderTable(
      ['a', 'bb'],
      [
        ['xxx', '1'],
        ['y', '22'],
      ],
      ['l', 'r'],
    ).split('\n');
    expect(t[0]).toBe('a    bb');
    expect(t[2]).toBe('xxx   1');
    expect(t[3]).toBe('y    22');
  });
});
