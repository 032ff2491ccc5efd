import { benchCommand, benchOptionsSchema } from '../../src/cli/bench';
import { fakeContext } from '../cli/helpers';

describe('iflow bench options', () => {
  test('lists, counts with 1e6 and 1_000_000, defaults', () => {
    const o = benchOptionsSchema.parse({ cases: 'gauss_d4, camel_d8,', budget: '1e6', seeds: '2' });
    expect(o).toMatchObject({ cases: ['gauss_d4', 'camel_d8'], budget: 1_000_000, seeds: 2, quick: false, backend: 'auto', json: false });
    expect(benchOptionsSchema.parse({ budget: '1_000_000' }).budget).toBe(1e6);
    expect(benchOptionsSchema.parse({}).cases).toBeUndefined();
  });

  test('bad values are rejected', () => {
    expect(() => benchOptionsSchema.parse({ budget: '100' })).toThrow(/at least 2000/);
    expect(() => benchOptionsSchema.parse({ seeds: '0' })).toThrow(/at least 1/);
    expect(() => benchOptionsSchema.parse({ seeds: '1.5' })).toThrow(/whole number/);
    expect(() => benchOptionsSchema.parse({ budget: 'lots' })).toThrow(/number/);
    expect(() => benchOptionsSchema.parse({ cases: ',' })).toThrow(/at least one case/);
  });

  test('an unknown case fails with a usage error before any run', async () => {
    const { ctx, out, code } = fakeContext();
    const errs: string[] = [];
    const spy = jest.spyOn(process.stderr, 'write').mockImplementation((s: string | Uint8Array) => {
      errs.push(String(s));
      return true;
    });
    try {
      await benchCommand(ctx).parseAsync(['--cases', 'gauss_d4,nope_d3', '--quiet'], { from: 'user' });
    } finally {
      spy.mockRestore();
    }
    expect(code()).toBe(2);
    expect(out).toEqual([]);
    expect(errs.join('')).toMatch(/unknown bench case "nope_d3"/);
  });
});
