/**
 * --save-model: the target is checked before any training, saving makes a bounded number of
 * attempts, an existing model is announced as replaced, and a failed save never costs the
 * finished result.
 */
import fs from 'fs';
import path from 'path';
import { initBackend } from '../../src/backend';
import { UsageError } from '../../src/errors';
import { defaultFlowConfig, Flow } from '../../src/flow/flow';
import { checkModelTarget, saveModel } from '../../src/model';
import { resultSchema } from '../../src/report/schema';
import { run, tempDir } from '../cli/helpers';

const info = { problem: { expression: 'x1', dim: 1, bounds: [[0, 1]] as [number, number][], params: {} }, seed: 1, training: null };
// enough training for minutes: a check after training would hit the test's timeout
const LONG = ['--dim', '1', '--epochs', '1000000', '-n', '100'];

describe('the --save-model target', () => {
  let tmp: string;
  beforeAll(async () => {
    await initBackend('cpu');
  });
  beforeEach(() => {
    tmp = tempDir('save');
  });
  afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

  test('a regular file on the path is refused before training', () => {
    const file = path.join(tmp, 'file');
    fs.writeFileSync(file, 'x');
    for (const target of [path.join(file, 'model'), path.join(file, 'a', 'b')]) {
      const r = run(['integrate', 'x1', '--method', 'flow', ...LONG, '--save-model', target], undefined, 30000);
      expect(r.code).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr).toMatch(new RegExp(`${file.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} is a file`));
    }
    expect(() => checkModelTarget(file)).toThrow(/exists and is not a directory/);
  });

  test('a directory under /proc is refused at once, and saving there gives up', () => {
    const r = run(['integrate', 'x1', '--method', 'flow', ...LONG, '--save-model', '/proc/iflow-no-such/model'], undefined, 30000);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/cannot create anything in \/proc/);
    const flow = Flow.create(defaultFlowConfig({ dim: 1, spline: 'rqs', bins: 4, hidden: [4] }), 1);
    try {
      expect(() => saveModel('/proc/iflow-no-such/model', flow, info)).toThrow(UsageError);
    } finally {
      flow.dispose();
    }
  });

  test('missing parents are created; an existing model is announced as replaced', () => {
    const target = path.join(tmp, 'a', 'b', 'model');
    expect(checkModelTarget(target).creates).toHaveLength(3);
    const args = [
      'integrate',
      'x1',
      '--dim',
      '1',
      '--method',
      'flow',
      '--epochs',
      '2',
      '-n',
      '100',
      '--no-baseline',
      '--save-model',
      target,
    ];
    const first = run(args);
    expect(first.code).toBe(0);
    expect(first.stderr).not.toMatch(/replaced/);
    expect(fs.existsSync(path.join(target, 'model.json'))).toBe(true);
    expect(checkModelTarget(target).replaces).toBe(true);
    const second = run(args);
    expect(second.code).toBe(0);
    expect(second.stderr).toMatch(/the model saved there will be replaced/);
  });

  test('a save that fails after training still prints the result, with exit 1', () => {
    // passes the check (a writable directory) but model.json cannot be replaced: it is a directory
    fs.mkdirSync(path.join(tmp, 'model.json'));
    const r = run(['integrate', 'x1', '--dim', '1', '--method', 'flow', '--epochs', '2', '-n', '200', '--json', '--save-model', tmp]);
    expect(r.code).toBe(1);
    const doc = resultSchema.parse(JSON.parse(r.stdout));
    expect(doc.estimate.calls).toBe(200);
    expect(r.stderr).toMatch(/cannot save the model/);
    expect(r.stderr).toMatch(/the result above is complete/);
    const batch = run(
      ['batch', '-'],
      JSON.stringify({ expression: 'x1', dim: 1, method: 'flow', epochs: 2, samples: 200, saveModel: tmp }) + '\n',
    );
    expect(batch.code).toBe(1);
    const record = JSON.parse(batch.stdout.trim());
    expect(record.ok).toBe(false);
    expect(record.exitCode).toBe(1);
    expect(resultSchema.parse(record.result).estimate.calls).toBe(200);
  });
});
