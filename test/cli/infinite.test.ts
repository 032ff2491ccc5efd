/**
 * Infinite bounds on the command line: parsing and errors, the JSON forms ("inf" strings,
 * the axis maps), a saved model that keeps its maps, partial documents and merge, batch lines.
 */
import fs from 'fs';
import path from 'path';
import { partialSchema } from '../../src/partial';
import { resultSchema } from '../../src/report/schema';
import { run, tempDir } from './helpers';

const EXPR = 'exp(-(x1-3)^2 - x2)';
const EXACT = Math.sqrt(Math.PI);
const TRAIN = ['--method', 'flow', '--bins', '8', '--hidden', '8,8', '--epochs', '10', '--batch', '1000'];

let tmp: string;
beforeAll(() => {
  tmp = tempDir('infinite');
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe('--bounds with inf', () => {
  test('uniform Monte Carlo over R x [0, inf): JSON bounds as strings, the maps and the pilot calls', () => {
    const r = run(['integrate', EXPR, '--dim', '2', '--bounds=-inf:inf,0:inf', '--method', 'uniform', '-n', '20000', '--json']);
    expect(r.code).toBe(0);
    const doc = resultSchema.parse(JSON.parse(r.stdout));
    expect(doc.problem.bounds).toEqual([
      ['-inf', 'inf'],
      [0, 'inf'],
    ]);
    expect(doc.problem.maps?.map((m) => m.kind)).toEqual(['tan', 'upper']);
    // 4 rounds of 2500 calls choose the scales; plain Monte Carlo runs no singularity probe
    expect(doc.problem.pilotCalls).toBe(10000);
    expect(Math.abs(doc.estimate.integral.mean - EXACT)).toBeLessThan(4 * doc.estimate.integral.sdev);
  });

  test('the text report names the domain', () => {
    const r = run(['integrate', 'exp(-x1)', '--dim', '1', '--bounds', '0:inf', '--method', 'uniform', '-n', '1000']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/over \[0,inf\]\^1/);
  });

  test.each([
    [['--bounds', 'inf:0'], /--bounds: each interval needs lo < hi/],
    [['--bounds', '0:infinit'], /--bounds: expected lo:hi with numbers or inf/],
    [['--bounds=-inf:-inf'], /lo < hi/],
    [['--bounds=-inf:inf', '--scale', '0'], /--scale: expected positive numbers or auto/],
    [['--bounds=-inf:inf', '--scale', '1,2'], /--scale has 2 values but --dim is 1/],
  ])('%j: exit 2, one line, nothing on stdout', (args, message) => {
    const r = run(['integrate', 'exp(-x1^2)', '--dim', '1', '--method', 'uniform', ...args]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(message);
  });
});

describe('models, partial documents and batch lines', () => {
  test('a saved model keeps bounds and maps; evaluate with the seed reproduces the estimate; sample writes finite points', () => {
    const model = path.join(tmp, 'model');
    const a = run([
      'integrate',
      EXPR,
      '--dim',
      '2',
      '--bounds=-inf:inf,0:inf',
      ...TRAIN,
      '-n',
      '5000',
      '--seed',
      '4',
      '--save-model',
      model,
      '--json',
      '-q',
    ]);
    expect(a.code).toBe(0);
    const saved = resultSchema.parse(JSON.parse(a.stdout));
    const doc = JSON.parse(fs.readFileSync(path.join(model, 'model.json'), 'utf8'));
    expect(doc.problem.bounds).toEqual([
      ['-inf', 'inf'],
      [0, 'inf'],
    ]);
    expect(doc.problem.maps).toEqual(saved.problem.maps);
    const b = run(['evaluate', '--model', model, '-n', '5000', '--seed', '4', '--json']);
    expect(b.code).toBe(0);
    const again = resultSchema.parse(JSON.parse(b.stdout));
    expect(again.estimate.integral).toEqual(saved.estimate.integral);
    expect(again.problem.maps).toEqual(saved.problem.maps);
    expect(again.problem.pilotCalls).toBe(0);
    const s = run(['sample', '--model', model, '-n', '200', '-q']);
    expect(s.code).toBe(0);
    const rows = s.stdout
      .trim()
      .split('\n')
      .slice(1)
      .map((l) => l.split(',').map(Number));
    expect(rows).toHaveLength(200);
    for (const [x1, x2, w] of rows) {
      expect(Number.isFinite(x1) && Number.isFinite(w)).toBe(true);
      expect(x2).toBeGreaterThanOrEqual(0);
    }
  });

  test('partial documents with infinite bounds merge', () => {
    const files = [1, 2].map((seed) => {
      const r = run([
        'integrate',
        EXPR,
        '--dim',
        '2',
        '--bounds=-inf:inf,0:inf',
        '--method',
        'uniform',
        '-n',
        '10000',
        '--seed',
        String(seed),
        '--partial',
      ]);
      expect(r.code).toBe(0);
      const doc = partialSchema.parse(JSON.parse(r.stdout));
      expect(doc.problem.bounds).toEqual([
        ['-inf', 'inf'],
        [0, 'inf'],
      ]);
      const file = path.join(tmp, `part-${seed}.json`);
      fs.writeFileSync(file, r.stdout);
      return file;
    });
    const m = run(['merge', ...files, '--json']);
    expect(m.code).toBe(0);
    const merged = resultSchema.parse(JSON.parse(m.stdout));
    expect(merged.estimate.calls).toBe(20000);
    expect(Math.abs(merged.estimate.integral.mean - EXACT)).toBeLessThan(4 * merged.estimate.integral.sdev);
  });

  test('batch lines take "-inf:inf" and [["-inf", "inf"]]', () => {
    const lines = [
      JSON.stringify({ expression: 'exp(-x1^2)', dim: 1, bounds: '-inf:inf', method: 'uniform', samples: 5000 }),
      JSON.stringify({ expression: 'exp(-x1^2)', dim: 1, bounds: [['-inf', 'inf']], method: 'uniform', samples: 5000 }),
    ].join('\n');
    const r = run(['batch', '-'], lines);
    expect(r.code).toBe(0);
    const records = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(records.map((x) => x.ok)).toEqual([true, true]);
    expect(records[0].result.estimate.integral).toEqual(records[1].result.estimate.integral);
  });
});
