/** --also, --also-label, --hist and --hist-normalize from the command line: JSON, text and bad input. */
import { run } from './helpers';

const F = 'exp(-((x1-0.5)^2 + (x2-0.5)^2)/0.08)';

describe('further integrands and observable histograms', () => {
  test('cos and sin of one phase: labelled integrals within 4 sigma, a symmetric covariance, histogram bins adding up to F', () => {
    const r = run([
      'integrate',
      F,
      '--dim',
      '2',
      '--also',
      `cos(2*x1 + x2) * ${F}`,
      '--also',
      `sin(2*x1 + x2) * ${F}`,
      '--also-label',
      're',
      '--also-label',
      'im',
      '--hist',
      'x1:0:1:8',
      '--method',
      'vegas',
      '-n',
      '40000',
      '--seed',
      '5',
      '--json',
      '-q',
    ]);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    const obs = out.observables;
    expect(obs.integrals.map((g: { label: string }) => g.label)).toEqual(['re', 'im']);
    // exact: the Gaussian factorises; ∫ e^{i(2 x1 + x2)} g(x1) g(x2) by quadrature on a fine grid
    const n = 1000; // midpoint rule: error O(1e-7), far below the Monte Carlo errors
    let re = 0;
    let im = 0;
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        const x1 = (i + 0.5) / n;
        const x2 = (j + 0.5) / n;
        const g = Math.exp(-((x1 - 0.5) ** 2 + (x2 - 0.5) ** 2) / 0.08) / (n * n);
        re += Math.cos(2 * x1 + x2) * g;
        im += Math.sin(2 * x1 + x2) * g;
      }
    }
    for (const [k, exact] of [
      [0, re],
      [1, im],
    ] as const) {
      const G = obs.integrals[k].integral;
      expect(Math.abs(G.mean - exact)).toBeLessThan(4 * G.sdev);
    }
    const m = obs.covariance.matrix as number[][];
    expect(obs.covariance.labels).toEqual(['F', 're', 'im']);
    for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) expect(m[i][j]).toBeCloseTo(m[j][i], 15);
    const h = obs.histograms[0];
    expect(h.bins).toHaveLength(8);
    const total = h.bins.reduce((s: number, b: { mean: number }) => s + b.mean, 0) + h.underflow.mean + h.overflow.mean;
    expect(total).toBeCloseTo(out.estimate.integral.mean, 10);
  });

  test('a further integrand with support outside f: its verdict says so (JSON) under a learned sampler', () => {
    const r = run(['integrate', 'x1 < 0.5 ? 1 : 0', '--dim', '1', '--method', 'vegas', '-n', '20000', '--also', 'x1', '--json', '-q']);
    const g = JSON.parse(r.stdout).observables.integrals[0];
    expect(g.outsideSupport).toBeGreaterThan(0);
    expect(g.reliable).toBe(false);
    expect(g.verdict.reliable).toBe(false);
    expect(g.verdict.reasons.map((x: { code: string }) => x.code)).toContain('outside-support');
  });

  test('a --param used only by an --also or a --hist is not warned about as unused', () => {
    const r = run([
      'integrate',
      'x1',
      '--dim',
      '1',
      '-p',
      'w=2',
      '-p',
      'c=0.5',
      '--also',
      'w*x1',
      '--hist',
      'x1-c:0:1:2',
      '--method',
      'uniform',
      '-n',
      '1000',
    ]);
    expect(r.code).toBe(0);
    expect(r.stderr).not.toMatch(/is not used/);
    const unused = run(['integrate', 'x1', '--dim', '1', '-p', 'w=2', '--also', 'x1^2', '--method', 'uniform', '-n', '1000']);
    expect(unused.stderr).toMatch(/--param w=2 is not used/);
  });

  test('text report: the further integrands table and the histogram', () => {
    const r = run([
      'integrate',
      'x1 + x2',
      '--dim',
      '2',
      '--also',
      'x1',
      '--hist',
      'x1:0:1:4',
      '--hist-normalize',
      '--method',
      'uniform',
      '-n',
      '20000',
      '-q',
    ]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/further integrands on the same 20000 points/);
    expect(r.stdout).toMatch(/histogram of x1 on \[0, 1\), 4 bins/);
  });

  test.each([
    [['--hist', 'x1:0:1'], /--hist "x1:0:1" needs an expression, lo, hi and a bin count/],
    [['--hist-normalize'], /--hist-normalize needs a --hist/],
    [['--also-label', 'a'], /1 --also-label for 0 --also/],
    [['--also', 'y1'], /the integrand G1 "y1": unknown symbol "y1"/],
    [['--hist', 'x1:-1e308:1e308:2'], /hi - lo must be a finite number/],
    [['--also', 'x1^2', '--also-label', 'F'], /the label "F" names the main integral/],
    [['--also', 'x1^2', '--also-label', ''], /an --also-label is empty/],
  ])('%j exits 2 with one line', (extra, message) => {
    const r = run(['integrate', 'x1', '--dim', '1', '--method', 'uniform', '-n', '100', ...(extra as string[])]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message as RegExp);
    expect(r.stdout).toBe('');
  });
});
