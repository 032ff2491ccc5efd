/**
 * Output and resources: the JSON and the text report carry the same information, saved models
 * are found from their model.json, threads are capped at the CPUs a process may use, and a
 * closed stdout is reported.
 */
import { spawnSync } from 'child_process';
import fs from 'fs';
import path from 'path';
import { resultSchema } from '../../src/report/schema';
import { availableCores, usableThreads } from '../../src/workers/start';
import { BIN, run, runAsync, tempDir } from '../cli/helpers';

describe('reports', () => {
  test('a library integrand: name, exact value and pull in the JSON; parameters in the text', async () => {
    const common = ['integrate', '@camel', '--dim', '2', '--param', 'alpha=0.3', '--method', 'uniform', '-n', '4000', '-q'];
    const [json, text] = await Promise.all([runAsync([...common, '--json']), runAsync(common)]);
    expect(json.code).toBe(0);
    const doc = resultSchema.parse(JSON.parse(json.stdout));
    expect(doc.library?.name).toBe('camel');
    const exact = doc.library?.exact as number;
    expect(exact).toBeGreaterThan(0);
    const { mean, sdev } = doc.estimate.integral;
    expect(doc.library?.pull).toBeCloseTo((mean - exact) / sdev, 10);
    expect(Math.abs(doc.library?.pull as number)).toBeLessThan(4);
    expect(doc.problem.params.alpha).toBe(0.3);
    expect(text.stdout).toMatch(/^integral of @camel = /);
    expect(text.stdout).toMatch(/^parameters: alpha = 0\.3$/m);
    expect(text.stdout).toMatch(/^pull vs exact\s+-?\d/m);
    expect(text.stdout).toContain(`exact: ${Number(exact.toPrecision(12))}`);
  });

  test('a plain expression shows its --param values; many dimensions summarise E_p in one line', () => {
    const r = run(['integrate', 'a*x1', '--dim', '40', '-p', 'a=2.5', '--method', 'uniform', '-n', '1000', '-q']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^parameters: a = 2\.5$/m);
    expect(r.stdout).not.toMatch(/E_p\[x2\]/);
    expect(r.stdout).toMatch(/^E_p\[x1\.\.x40\]: from .* \(x\d+\) to .* \(x\d+\); every E_p\[x_k\] is in the --json output$/m);
  });

  test('--help explains the report, the exit codes and the two names of one loss', () => {
    const r = run(['integrate', '--help']);
    expect(r.code).toBe(0);
    for (const term of ['0.0019789(12)', 'ESS', 'unweighting eff.', 'variance reduction', 'efficiency gain', 'chi2/dof, Q', '130']) {
      expect(r.stdout).toContain(term);
    }
    expect(r.stdout.replace(/\s+/g, ' ')).toMatch(/variance and chi2 are one loss/);
  });
});

describe('threads', () => {
  test('never more threads than usable cores, at least one', () => {
    expect(usableThreads(64)).toBe(Math.min(64, availableCores()));
    expect(usableThreads(1)).toBe(1);
    expect(availableCores()).toBeGreaterThanOrEqual(1);
  });

  test('a process given one CPU runs every training slice on one thread', () => {
    const taskset = spawnSync('taskset', ['-c', '0', 'true']);
    if (taskset.status !== 0) return; // no taskset here: the cap is covered by the unit test above
    const r = spawnSync(
      'taskset',
      [
        '-c',
        '0',
        process.execPath,
        BIN,
        'integrate',
        'x1*x2',
        '--dim',
        '2',
        '--method',
        'flow',
        '--epochs',
        '2',
        '--batch',
        '2000',
        '-n',
        '500',
        '--no-baseline',
        '--json',
        '--debug',
      ],
      { encoding: 'utf8' },
    );
    expect(r.status).toBe(0);
    const doc = resultSchema.parse(JSON.parse(r.stdout));
    expect(doc.training?.slices).toBe(2); // the slices, which fix the numbers, stay
    expect(doc.training?.workers).toBe(0);
  });
});

describe('saved models and stdout', () => {
  const dir = tempDir('out');
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('evaluate takes the model directory or its model.json, and has --threads', () => {
    const model = path.join(dir, 'model');
    expect(
      run([
        'integrate',
        'x1*x2',
        '--dim',
        '2',
        '--method',
        'flow',
        '--epochs',
        '2',
        '-n',
        '100',
        '--no-baseline',
        '-q',
        '--save-model',
        model,
      ]).code,
    ).toBe(0);
    const args = ['-n', '3000', '--seed', '3', '--no-baseline', '--json', '-q'];
    const byDir = run(['evaluate', '--model', model, ...args, '--threads', '1']);
    const byFile = run(['evaluate', '--model', path.join(model, 'model.json'), ...args, '--threads', '2']);
    expect(byDir.code).toBe(0);
    expect(byFile.code).toBe(0);
    const a = resultSchema.parse(JSON.parse(byDir.stdout));
    const b = resultSchema.parse(JSON.parse(byFile.stdout));
    expect(b.estimate.integral).toEqual(a.estimate.integral);
  });

  test('a closed stdout is an error, not a silent success', () => {
    const r = spawnSync('sh', ['-c', `"${process.execPath}" "${BIN}" integrate x1 --dim 1 --method uniform -n 10 >&-`], {
      encoding: 'utf8',
    });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/standard output is closed/);
    const ok = spawnSync('sh', ['-c', `"${process.execPath}" "${BIN}" integrate x1 --dim 1 --method uniform -n 10 >/dev/null`], {
      encoding: 'utf8',
    });
    expect(ok.status).toBe(0);
  });
});
