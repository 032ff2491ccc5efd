/**
 * --power-map on the command line: the default run of x1^(-0.9) is right and trusted and its
 * report names the map; a saved flow keeps the maps it was trained under (model.json
 * problem.maps), and evaluate reproduces the estimate with them; a model saved without maps
 * is evaluated without a probe, as it was trained; runs with other seeds share the maps and
 * their partial results merge.
 */
import fs from 'fs';
import path from 'path';
import { partialSchema } from '../../src/partial';
import { resultSchema, type IntegrationResult } from '../../src/report/schema';
import { run, runAsync, tempDir } from './helpers';

const TRAIN = ['--method', 'flow', '--epochs', '5', '--batch', '500', '-n', '5000', '--seed', '4'];
const BENT = [{ kind: 'linear', origin: 0, scale: 1, warp: { at: 'lower', power: 10 } }];

let tmp: string;
beforeAll(() => {
  tmp = tempDir('power-map');
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const parse = (stdout: string): IntegrationResult => resultSchema.parse(JSON.parse(stdout));

describe('the default run', () => {
  test('integrate x1^(-0.9): within 4 SE of 10, reliable, and the text report names the map', async () => {
    const [json, text] = await Promise.all([
      runAsync(['integrate', 'x1^(-0.9)', '--dim', '1', '-n', '10000', '--json', '-q']),
      runAsync(['integrate', 'x1^(-0.9)', '--dim', '1', '-n', '10000', '-q']),
    ]);
    expect(json.code).toBe(0);
    const r = parse(json.stdout);
    expect(r.problem.maps).toEqual(BENT);
    expect(r.reliable).toBe(true);
    expect(Math.abs(r.estimate.integral.mean - 10)).toBeLessThan(4 * r.estimate.integral.sdev);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/^power maps at integrable singularities \(VEGAS and flow sample through them\): x1 at 0 \(p = 10\)$/m);
  });
});

describe('saved models', () => {
  test('a flow trained through the map saves it in model.json, and evaluate with the seed reproduces the estimate', () => {
    const model = path.join(tmp, 'bent');
    const a = run(['integrate', 'x1^(-0.9)', '--dim', '1', ...TRAIN, '--save-model', model, '--json', '-q']);
    expect(a.code).toBe(0);
    const saved = parse(a.stdout);
    expect(saved.problem.maps).toEqual(BENT);
    const doc = JSON.parse(fs.readFileSync(path.join(model, 'model.json'), 'utf8'));
    expect(doc.problem.maps).toEqual(BENT);
    expect(doc.problem.bounds).toEqual([[0, 1]]);

    const b = run(['evaluate', '--model', model, '-n', '5000', '--seed', '4', '--json', '-q']);
    expect(b.code).toBe(0);
    const again = parse(b.stdout);
    expect(again.command).toBe('evaluate');
    expect(again.estimate).toEqual(saved.estimate);
    expect(again.iterations).toEqual(saved.iterations);
    expect(again.baseline).toEqual(saved.baseline);
    expect(again.problem.maps).toEqual(BENT);
    // the maps come from the model: no probe
    expect(again.problem.pilotCalls).toBe(0);
    // through x1 = u^10 the integrand is the constant 10: the premap stays uniform and the estimate may be exact
    expect(Math.abs(again.estimate.integral.mean - 10)).toBeLessThanOrEqual(4 * again.estimate.integral.sdev);
  });

  test('a flow trained with --power-map none saves no maps, and evaluate keeps it unbent', () => {
    const model = path.join(tmp, 'flat');
    const a = run(['integrate', 'x1^(-0.9)', '--dim', '1', ...TRAIN, '--power-map', 'none', '--save-model', model, '--json', '-q']);
    expect(a.code).toBe(0);
    const saved = parse(a.stdout);
    expect(saved.problem.maps).toBeUndefined();
    const doc = JSON.parse(fs.readFileSync(path.join(model, 'model.json'), 'utf8'));
    expect(doc.problem.maps).toBeUndefined();

    const b = run(['evaluate', '--model', model, '-n', '5000', '--seed', '4', '--json', '-q']);
    expect(b.code).toBe(0);
    const again = parse(b.stdout);
    expect(again.problem.maps).toBeUndefined();
    expect(again.estimate).toEqual(saved.estimate);
    expect(again.baseline).toEqual(saved.baseline);
  });
});

describe('partial results', () => {
  test('runs with different seeds probe to the same maps; their parts merge to a trusted estimate', async () => {
    const parts = await Promise.all(
      [1, 2].map((seed) =>
        runAsync(['integrate', 'x1^(-0.9)', '--dim', '1', '--method', 'vegas', '-n', '10000', '--seed', String(seed), '--partial', '-q']),
      ),
    );
    const files = parts.map((p, i) => {
      expect(p.code).toBe(0);
      const doc = partialSchema.parse(JSON.parse(p.stdout));
      expect(doc.problem.maps).toEqual(BENT);
      const file = path.join(tmp, `part-${i + 1}.json`);
      fs.writeFileSync(file, p.stdout);
      return file;
    });
    const merged = run(['merge', ...files, '--json', '-q']);
    expect(merged.code).toBe(0);
    const r = parse(merged.stdout);
    expect(r.reliable).toBe(true);
    expect(r.problem.maps).toEqual(BENT);
    expect(r.calls.evaluate).toBe(20000);
    expect(Math.abs(r.estimate.integral.mean - 10)).toBeLessThan(4 * r.estimate.integral.sdev);
  });
});
