/** Parameter scans (--scan): parsing, one record per value, warm starts, and bad input. */
import { parseScan, runScan } from '../../src/scan';
import { prepareProblem } from '../../src/integrate';
import { integrateOptionsSchema } from '../../src/options';
import { OptionError } from '../../src/errors';
import { erf } from '../../src/integrand/special';
import { spawn } from 'child_process';
import fs from 'fs';
import path from 'path';
import { BIN, run, tempDir } from './helpers';

describe('parseScan', () => {
  test('lo:hi:count gives count equal steps with both ends; a list is taken as written', () => {
    expect(parseScan('a=0:1:5')).toEqual({ name: 'a', values: [0, 0.25, 0.5, 0.75, 1] });
    expect(parseScan('alpha=0.1,0.2,5e-1')).toEqual({ name: 'alpha', values: [0.1, 0.2, 0.5] });
    expect(parseScan('w=2')).toEqual({ name: 'w', values: [2] });
  });
  test.each(['=1,2', 'a', '1a=1,2', 'a=1:2', 'a=0:1:1', 'a=0:1:2.5', 'a=x,2', 'a=1,inf'])('"%s" is refused', (text) => {
    expect(() => parseScan(text)).toThrow(OptionError);
  });
});

/** NDJSON records of a scan run. */
interface ScanRecord {
  scan: { value: number; warm: boolean };
  estimate: { integral: { mean: number; sdev: number } };
  problem: { params: Record<string, number> };
  calls: { adapt: number };
}
function records(stdout: string): ScanRecord[] {
  return stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as ScanRecord);
}

describe('iflow integrate --scan', () => {
  test('one JSON record per value, each within 4 sigma of the exact integral; later values start warm with less adaptation under an accuracy target', () => {
    const r = run([
      'integrate',
      'exp(-((x1-0.5)^2 + (x2-0.5)^2 + (x3-0.5)^2)/a^2)',
      '--dim',
      '3',
      '--scan',
      'a=0.1:0.12:3',
      '--method',
      'vegas',
      '--rel-error',
      '1e-3',
      '--seed',
      '4',
      '--json',
      '-q',
    ]);
    expect(r.code).toBe(0);
    const rows = records(r.stdout);
    expect(rows.map((x) => x.scan.value)).toEqual([0.1, 0.11, 0.12]);
    expect(rows.map((x) => x.scan.warm)).toEqual([false, true, true]);
    for (const x of rows) {
      const a = x.scan.value;
      const exact = (a * Math.sqrt(Math.PI) * erf(0.5 / a)) ** 3;
      const F = x.estimate.integral;
      expect(Math.abs(F.mean - exact)).toBeLessThan(4 * F.sdev);
      expect(x.problem.params.a).toBe(a);
    }
    expect(rows[1].calls.adapt).toBeLessThan(rows[0].calls.adapt);
    expect(rows[2].calls.adapt).toBeLessThan(rows[0].calls.adapt);
  });

  test('text: a header, one row per value and a closing line', () => {
    const r = run(['integrate', 'x1^k', '--dim', '1', '--scan', 'k=1,2', '--method', 'uniform', '-n', '1000', '-q']);
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^\s*k\s+integral/);
    expect(lines).toHaveLength(5);
    expect(lines[4]).toMatch(/^2 values;/);
    const withAlso = run([
      'integrate',
      'x1^k',
      '--dim',
      '1',
      '--also',
      'x1^(k+1)',
      '--also-label',
      'next',
      '--scan',
      'k=1,2',
      '--method',
      'uniform',
      '-n',
      '1000',
      '-q',
    ]);
    expect(withAlso.stdout.trim().split('\n')[2]).toMatch(/reliable\s+next = 0\.3\d*\(\d+\)$/);
  });

  test('--plot draws the scan curve with its error band', () => {
    const dir = path.join(tempDir('scan-plot'), 'pictures');
    const r = run(['integrate', 'x1^k', '--dim', '1', '--scan', 'k=1,2,3', '--method', 'uniform', '-n', '2000', '--plot', dir, '-q']);
    expect(r.code).toBe(0);
    const svg = fs.readFileSync(path.join(dir, 'scan.svg'), 'utf8');
    expect(svg).toMatch(/^<svg/);
    expect(svg).toMatch(/the integral against k/);
    expect(fs.readFileSync(path.join(dir, 'index.html'), 'utf8')).toContain(svg);
  });

  test('a library integrand: each row carries the exact value and pull of its own constant', () => {
    const r = run(['integrate', '@camel', '--dim', '2', '--method', 'vegas', '-n', '20000', '--scan', 'alpha=0.3,0.1', '--json', '-q']);
    expect(r.code).toBe(0);
    const rows = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { library: { exact: number; pull: number } });
    // exact for alpha = 0.3 and 0.1 (--param gives the same)
    for (const [k, alpha] of [
      [0, '0.3'],
      [1, '0.1'],
    ] as const) {
      const single = JSON.parse(
        run(['integrate', '@camel', '--dim', '2', '--method', 'vegas', '-n', '2000', '--param', `alpha=${alpha}`, '--json', '-q']).stdout,
      );
      expect(rows[k].library.exact).toBe(single.library.exact);
      expect(Math.abs(rows[k].library.pull)).toBeLessThan(4);
    }
  });

  test('--max-time bounds the whole scan, and a missed target shows in the row', () => {
    const t0 = Date.now();
    const r = run([
      'integrate',
      '@camel',
      '--dim',
      '4',
      '--method',
      'vegas',
      '--scan',
      'alpha=0.1:0.3:5',
      '--rel-error',
      '1e-6',
      '--max-time',
      '1',
      '-q',
    ]);
    expect(r.code).toBe(0);
    expect((Date.now() - t0) / 1000).toBeLessThan(6);
    const rows = r.stdout.trim().split('\n').slice(2, -1);
    expect(rows.length).toBeLessThan(5);
    expect(rows[0]).toMatch(/target NOT reached$/);
  });

  test('Ctrl-C ends the scan after the current value, keeps the finished rows and exits 130', async () => {
    const child = spawn(
      process.execPath,
      [BIN, 'integrate', 'exp(-a*x1*x2)', '--dim', '2', '--method', 'uniform', '-n', '3e6', '--scan', 'a=1:2:20'],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stdout = '';
    let sent = false;
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      stdout += d;
      // after the first row: interrupt the second value
      if (!sent && stdout.split('\n').length > 3) {
        sent = true;
        child.kill('SIGINT');
      }
    });
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(code).toBe(130);
    const rows = stdout.trim().split('\n').slice(2, -1);
    expect(rows.length).toBeGreaterThanOrEqual(1);
    expect(rows.length).toBeLessThan(5);
    expect(stdout).toMatch(/^\d+ values?;/m);
  }, 120000);

  test.each([
    [['--scan', 'b=1,2'], /"b" is not a constant of the integrand/],
    [['--scan', 'k=1,2', '--param', 'k=3'], /both scanned \(--scan\) and fixed \(--param\)/],
    [['--scan', 'k=1,2', '--partial'], /--scan cannot write --partial/],
    [['--scan', 'k=1:2'], /--scan "k=1:2" needs lo:hi:count/],
    [['--scan', 'k=1,2', '--scan', 'k=3'], /--scan is given twice/],
    [['--scan', 'k=-1e308:1e308:3'], /hi - lo is not a finite number/],
  ])('%j exits 2 with one line and no output', (extra, message) => {
    const r = run(['integrate', 'x1^k', '--dim', '1', '--method', 'uniform', '-n', '100', ...(extra as string[])]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message as RegExp);
    expect(r.stdout).toBe('');
  });
});

describe('warm-started training', () => {
  test('a flow warm-started from the previous value stops once converged, with fewer training calls than the cold start', async () => {
    const options = integrateOptionsSchema.parse({
      expression: 'exp(-((x1-0.5)^2 + (x2-0.5)^2)/s^2)',
      dim: 2,
      method: 'flow',
      epochs: 150,
      batch: 500,
      samples: 5000,
      baseline: false,
      seed: 2,
    });
    prepareProblem({ ...options, param: ['s=0.3'] }); // the expression compiles with s
    const calls: number[] = [];
    const reasons: (string | null)[] = [];
    for await (const row of runScan(options, { name: 's', values: [0.3, 0.31, 0.32] }, undefined)) {
      calls.push(row.out.result.training?.calls ?? NaN);
      reasons.push(row.out.result.training?.stopReason ?? null);
      row.out.flow?.dispose();
    }
    expect(calls[0]).toBe(150 * 500);
    expect(Math.max(calls[1], calls[2])).toBeLessThan(150 * 500);
    expect(reasons.slice(1).some((r) => r !== null && /converged/.test(r))).toBe(true);
  }, 120000);
});
