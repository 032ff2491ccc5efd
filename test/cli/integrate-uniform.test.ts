import { resultSchema } from '../../src/report/schema';
import { run as iflow } from './helpers';

describe('iflow integrate --method uniform (end to end)', () => {
  test('F, E_p[X] and P_p(A) of 3 x1^2 agree with the exact values within 4 sigma', () => {
    const r = iflow([
      'integrate',
      '3*x1^2',
      '--dim',
      '2',
      '--method',
      'uniform',
      '-n',
      '200000',
      '--seed',
      '3',
      '--event',
      'x1 > 0.5',
      '--json',
    ]);
    expect(r.code).toBe(0);
    const doc = resultSchema.parse(JSON.parse(r.stdout));
    const F = doc.estimate.integral;
    expect(Math.abs(F.mean - 1)).toBeLessThan(4 * F.sdev);
    const ex1 = doc.estimate.expectation[0]!;
    const ex2 = doc.estimate.expectation[1]!;
    expect(Math.abs(ex1.mean - 0.75)).toBeLessThan(4 * ex1.sdev);
    expect(Math.abs(ex2.mean - 0.5)).toBeLessThan(4 * ex2.sdev);
    const pa = doc.estimate.events[0].probability!;
    expect(doc.estimate.events[0].label).toBe('x1 > 0.5');
    expect(Math.abs(pa.mean - 0.875)).toBeLessThan(4 * pa.sdev);
    expect(doc.estimate.calls).toBe(200000);
    expect(doc.method).toBe('uniform');
    expect(doc.baseline).toBeNull();
  });

  test('bounds apply the Jacobian: integral of x1*x2 over [0,2]x[1,3] is 8', () => {
    const r = iflow(['integrate', 'x1*x2', '-d', '2', '--bounds', '0:2,1:3', '--method', 'uniform', '-n', '100000', '--json']);
    expect(r.code).toBe(0);
    const doc = resultSchema.parse(JSON.parse(r.stdout));
    expect(Math.abs(doc.estimate.integral.mean - 8)).toBeLessThan(4 * doc.estimate.integral.sdev);
    // E_p[x1] for p ~ x1 x2 on [0,2]: 4/3
    const ex1 = doc.estimate.expectation[0]!;
    expect(Math.abs(ex1.mean - 4 / 3)).toBeLessThan(4 * ex1.sdev);
  });

  test('the same seed gives the same numbers; another seed does not', () => {
    const args = ['integrate', 'exp(-sum((x-0.5).^2)/0.04)', '--dim', '3', '--method', 'uniform', '-n', '20000', '--json'];
    const a = JSON.parse(iflow([...args, '--seed', '5']).stdout);
    const b = JSON.parse(iflow([...args, '--seed', '5']).stdout);
    const c = JSON.parse(iflow([...args, '--seed', '6']).stdout);
    expect(a.estimate).toEqual(b.estimate);
    expect(a.estimate.integral.mean).not.toBe(c.estimate.integral.mean);
  });

  test('the text report goes to stdout, nothing else', () => {
    const r = iflow(['integrate', 'x1 + x2', '--dim', '2', '--method', 'uniform', '-n', '10000', '--iterations', '4']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^integral of x1 \+ x2 over \[0,1\]\^2/);
    expect(r.stdout).toMatch(/\nF\s+1\.0\d*\(\d+\)/);
    expect(r.stdout).toMatch(/chi2\/dof = /);
    expect(r.stderr).toBe('');
  });

  test('a zero integrand gives F = 0 exactly with a warning, not NaN', () => {
    const r = iflow(['integrate', '0*x1', '--dim', '2', '--method', 'uniform', '-n', '1000', '--json']);
    expect(r.code).toBe(0);
    const doc = resultSchema.parse(JSON.parse(r.stdout));
    expect(doc.estimate.integral).toEqual({ mean: 0, sdev: 0 });
    expect(doc.estimate.expectation[0]).toBeNull();
    expect(doc.warnings.join(' ')).toMatch(/zero at every sample/);
    expect(r.stderr).toMatch(/warning: .*zero/);
    expect(r.stdout).not.toMatch(/NaN/);
  });

  test.each([
    [['integrate', 'x1 +', '--dim', '2'], /syntax|unexpected|end of/i],
    [['integrate', 'x1 + y', '--dim', '2'], /unknown symbol "y"/],
    [['integrate', 'x3', '--dim', '2'], /x3/],
    [['integrate', 'x1', '--dim', '0'], /--dim: must be at least 1/],
    [['integrate', 'x1', '--dim', '2', '-n', 'many'], /--samples: expected a number/],
    [['integrate', 'x1'], /--dim is required/],
    [['integrate', 'x1', '--dim', '2', '--bounds', '1:0'], /lo < hi/],
    [['integrate', 'x1', '--dim', '2', '--frobnicate'], /unknown option/],
  ])('bad input %p exits 2 with one line on stderr and nothing on stdout', (args, msg) => {
    const r = iflow(args as string[]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(msg as RegExp);
    expect(r.stderr.trim().split('\n')[0]).toMatch(/^iflow: /);
    expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
  });
});
