import fs from 'fs';
import path from 'path';
import { emptyMoments, mergeMoments } from '../../src/estimate/stats';
import { summarize } from '../../src/estimate/summary';
import { partialSchema } from '../../src/partial';
import { resultSchema, type IntegrationResult } from '../../src/report/schema';
import { run, runAsync, tempDir } from './helpers';

const EXPR = 'exp(-((x1-0.3)^2+(x2-0.6)^2)/0.02)';
const TRAIN = ['--method', 'flow', '--spline', 'rqs', '--bins', '8', '--hidden', '8,8', '--epochs', '15', '--batch', '2000'];

let tmp: string;
let model: string;
let saved: IntegrationResult;

beforeAll(() => {
  tmp = tempDir('evaluate');
  model = path.join(tmp, 'model');
  const r = run([
    'integrate',
    EXPR,
    '--dim',
    '2',
    ...TRAIN,
    '-n',
    '20000',
    '--iterations',
    '2',
    '--seed',
    '8',
    '--save-model',
    model,
    '--json',
  ]);
  expect(r.stderr).toBe(`iflow: model saved to ${model}\n`);
  expect(r.code).toBe(0);
  saved = resultSchema.parse(JSON.parse(r.stdout));
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe('integrate --save-model and iflow evaluate', () => {
  test('the model directory holds model.json and weights.bin and nothing else', () => {
    expect(fs.readdirSync(model).sort()).toEqual(['model.json', 'weights.bin']);
    expect(fs.readdirSync(tmp)).toEqual(['model']);
    const doc = JSON.parse(fs.readFileSync(path.join(model, 'model.json'), 'utf8'));
    expect(doc.format).toBe('iflow-model');
    expect(doc.problem).toEqual({
      expression: EXPR,
      dim: 2,
      bounds: [
        [0, 1],
        [0, 1],
      ],
      params: {},
    });
    expect(doc.training.epochs).toBe(15);
    expect(fs.statSync(path.join(model, 'weights.bin')).size).toBe(4 * saved.flow!.parameters);
  });

  test('evaluate with the same seed reproduces the estimate of integrate exactly', () => {
    const r = run(['evaluate', '--model', model, '-n', '20000', '--iterations', '2', '--seed', '8', '--json']);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    const doc = resultSchema.parse(JSON.parse(r.stdout));
    expect(doc.command).toBe('evaluate');
    expect(doc.estimate).toEqual(saved.estimate);
    expect(doc.iterations).toEqual(saved.iterations);
    expect(doc.baseline).toEqual(saved.baseline);
    expect(doc.training).toEqual(saved.training);
    expect(doc.flow).toEqual(saved.flow);
    expect(doc.defensive).toBe(0.05);
    expect(saved.defensive).toBe(0.05);
    // evaluate adapts nothing: the saved flow carries its map
    expect(doc.calls).toEqual({ ...saved.calls, adapt: 0 });
    expect(doc.seconds.train).toBe(0);
  });

  test('train once, evaluate --partial in parallel with other seeds, merge: the sums of the parts', async () => {
    const parts = await Promise.all(
      [1, 2].map((s) => runAsync(['evaluate', '--model', model, '-n', '10000', '--seed', String(s), '--no-baseline', '--partial'])),
    );
    const files = parts.map((p, i) => {
      expect(p.code).toBe(0);
      const file = path.join(tmp, `part-${i + 1}.json`);
      fs.writeFileSync(file, p.stdout);
      return file;
    });
    const docs = parts.map((p) => partialSchema.parse(JSON.parse(p.stdout)));
    expect(docs[0].flowDigest).toBe(docs[1].flowDigest);
    expect(docs[0].command).toBe('evaluate');
    const r = run(['merge', ...files, '--json']);
    expect(r.code).toBe(0);
    const merged = resultSchema.parse(JSON.parse(r.stdout));
    const total = docs.flatMap((d) => d.iterations).reduce((a, b) => mergeMoments(a, b), emptyMoments(2, 0));
    expect(merged.estimate).toEqual(summarize(total, []));
    expect(merged.calls).toEqual({ adapt: 0, train: saved.training!.calls, evaluate: 20000, baseline: 0 });
    expect(merged.training).toEqual(saved.training);
    fs.rmSync(files[0]);
    fs.rmSync(files[1]);
  });

  test('a missing or corrupt model is a usage error naming the file', async () => {
    const broken = path.join(tmp, 'broken');
    fs.mkdirSync(broken);
    fs.writeFileSync(path.join(broken, 'model.json'), '{"format": "iflow-model", "version": 1}');
    const [missing, corrupt, uniform] = await Promise.all([
      runAsync(['evaluate', '--model', path.join(tmp, 'nowhere')]),
      runAsync(['evaluate', '--model', broken, '--json']),
      runAsync(['integrate', 'x1', '--dim', '1', '--method', 'uniform', '--save-model', path.join(tmp, 'u')]),
    ]);
    expect(missing.code).toBe(2);
    expect(missing.stdout).toBe('');
    expect(missing.stderr).toMatch(/^iflow: cannot read the model file .*nowhere\/model\.json \(no such file\)/);
    expect(corrupt.code).toBe(2);
    expect(corrupt.stdout).toBe('');
    expect(corrupt.stderr).toMatch(/^iflow: the model file .*broken\/model\.json is not a valid iflow model/);
    expect(corrupt.stderr.trim().split('\n')).toHaveLength(1);
    expect(uniform.code).toBe(2);
    expect(uniform.stderr).toMatch(/--save-model needs --method flow/);
    fs.rmSync(broken, { recursive: true });
  });
});

describe('the defensive fraction travels with the model', () => {
  test('evaluate uses the saving run fraction unless --defensive is given, and then reproduces its estimate', () => {
    const dir = path.join(tempDir('defensive-model'), 'm');
    const flags = ['exp(-((x1-0.5)^2+(x2-0.5)^2)/0.04)', '--dim', '2', '--method', 'flow', '--epochs', '10', '-n', '5000', '--seed', '3'];
    const saved = run(['integrate', ...flags, '--defensive', '0.2', '--save-model', dir, '--json', '-q']);
    expect(saved.code).toBe(0);
    const first = resultSchema.parse(JSON.parse(saved.stdout));
    const again = resultSchema.parse(JSON.parse(run(['evaluate', '--model', dir, '-n', '5000', '--seed', '3', '--json', '-q']).stdout));
    expect(again.defensive).toBe(0.2);
    expect(again.estimate.integral.mean).toBe(first.estimate.integral.mean);
    const other = resultSchema.parse(
      JSON.parse(run(['evaluate', '--model', dir, '-n', '5000', '--seed', '3', '--defensive', '0.05', '--json', '-q']).stdout),
    );
    expect(other.defensive).toBe(0.05);
    expect(other.estimate.integral.mean).not.toBe(first.estimate.integral.mean);
  });
});
