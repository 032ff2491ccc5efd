import { listCommand, listedIntegrands, renderList } from '../../src/cli/list';
import { fakeContext } from '../cli/helpers';

describe('iflow list', () => {
  test('the table has one row per integrand with dims, params and the exact value', () => {
    const text = renderList(listedIntegrands());
    const lines = text.split('\n');
    expect(lines[0]).toMatch(/^name\s+dims\s+default d\s+domain\s+params\s+exact\s+description$/);
    const row = (name: string) => lines.find((l) => l.startsWith(`@${name} `)) ?? '';
    expect(row('circles')).toMatch(/@circles\s+2\s+2\s+\[0,1\]\^d\s+a=3 w=250 p1=0\.4 p2=0\.6 r=0\.25\s+0\.013684776724938\s/);
    expect(row('normal')).toMatch(/@normal\s+1-64\s+2\s+\[-inf,inf\]\^d\s+mu=0 sigma=1\s+1 \(d=2\)\s/);
    expect(row('exp_decay')).toContain('[0,inf]^d');
    expect(row('gauss')).toMatch(/@gauss\s+1-64\s+4\s+\[0,1\]\^d\s+alpha=0\.2\s+0\.9983731853 \(d=4\)\s/);
    expect(row('annulus')).toContain('r_inner=0.2 r_outer=0.45');
    expect(row('triangle')).toMatch(/0\.1069474216 \(d=2\)/);
    expect(text).toContain('iflow integrate @camel');
  });

  test('--json prints every entry with its exact value at the defaults', async () => {
    const { ctx, out, code } = fakeContext();
    await listCommand(ctx).parseAsync(['--json'], { from: 'user' });
    expect(code()).toBe(0);
    const items = JSON.parse(out.join(''));
    const camel = items.find((i: { name: string }) => i.name === 'camel');
    expect(camel).toMatchObject({
      ref: '@camel',
      dims: { min: 1, max: 64 },
      defaultDim: 4,
      params: { alpha: { default: 0.2 } },
      exact: '(0.5*(erf(1/(3*alpha)) + erf(2/(3*alpha))))^dim',
      exactUncertainty: 0,
    });
    expect(camel.exactAtDefault).toBeCloseTo(0.9636569684018041, 14);
    expect(items.map((i: { name: string }) => i.name)).toContain('narrow_gauss');
  });

  test('plain text by default', async () => {
    const { ctx, out, code } = fakeContext();
    await listCommand(ctx).parseAsync([], { from: 'user' });
    expect(code()).toBe(0);
    expect(out.join('')).toMatch(/^name\s+dims/);
  });
});
