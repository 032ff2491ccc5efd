/**
 * --plot DIR on integrate and evaluate, and `iflow plot result.json`: the pictures appear only
 * when asked for, stdout stays as it was (the JSON gains only `histograms`), a saved result
 * gives the same pictures again, and bad plot options fail before the run.
 */
import fs from 'fs';
import path from 'path';
import { XMLValidator } from 'fast-xml-parser';
import { resultSchema } from '../../src/report/schema';
import { run, runAsync, tempDir } from './helpers';

const EXPR = 'exp(-sum((x-0.5).^2)/0.04)';
const UNIFORM = ['integrate', EXPR, '--dim', '3', '--method', 'uniform', '-n', '20000', '--seed', '3'];
const TRAIN = ['--method', 'flow', '--bins', '8', '--hidden', '8,8', '--epochs', '20', '--batch', '1000', '-n', '20000'];

let tmp: string;
beforeAll(() => {
  tmp = tempDir('plot');
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** The text report without its timing line. */
const untimed = (text: string) => text.replace(/^evaluation: .*$/m, '');
const svgs = (dir: string) =>
  fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.svg'))
    .sort();

describe('--plot and iflow plot', () => {
  test('stdout is unchanged by --plot apart from the histograms of --json; the pictures are written', async () => {
    const dir = path.join(tmp, 'uniform');
    const [plain, plotted, text, textPlotted] = await Promise.all([
      runAsync([...UNIFORM, '--json']),
      runAsync([...UNIFORM, '--json', '--plot', dir, '--plot-pair', '3,1']),
      runAsync(UNIFORM),
      runAsync([...UNIFORM, '--plot', path.join(tmp, 'uniform-text'), '--quiet']),
    ]);
    for (const r of [plain, plotted, text, textPlotted]) expect(r.code).toBe(0);
    expect(plain.stderr).toBe('');
    expect(plotted.stderr).toMatch(/^iflow: 3 pictures written to .*index\.html \(\d+\.\d+ s\)\n$/);
    expect(textPlotted.stderr).toBe('');
    expect(untimed(textPlotted.stdout)).toBe(untimed(text.stdout));
    const a = JSON.parse(plain.stdout);
    const b = resultSchema.parse(JSON.parse(plotted.stdout));
    expect(a.histograms).toBeUndefined();
    expect(b.histograms?.pair?.dims).toEqual([3, 1]);
    expect(b.histograms?.calls).toBe(20000);
    for (const r of [a, b] as Record<string, unknown>[]) {
      delete r.seconds;
      delete r.histograms;
    }
    expect(b).toEqual(a);
    expect(svgs(dir)).toEqual(['marginals.svg', 'pair.svg', 'weights.svg']);
    expect(fs.existsSync(path.join(dir, 'index.html'))).toBe(true);
    for (const f of svgs(dir)) expect(XMLValidator.validate(fs.readFileSync(path.join(dir, f), 'utf8'))).toBe(true);

    // the saved result gives the same pictures again
    const saved = path.join(tmp, 'result.json');
    fs.writeFileSync(saved, plotted.stdout);
    const again = path.join(tmp, 'again');
    const r = run(['plot', saved, '--out', again]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(path.join(again, 'index.html') + '\n');
    expect(svgs(again)).toEqual(svgs(dir));
    for (const f of svgs(dir)) expect(fs.readFileSync(path.join(again, f), 'utf8')).toBe(fs.readFileSync(path.join(dir, f), 'utf8'));
    // without histograms and without training there is nothing to draw
    const bare = path.join(tmp, 'bare.json');
    fs.writeFileSync(bare, plain.stdout);
    const none = run(['plot', bare, '--out', path.join(tmp, 'none')]);
    expect(none.code).toBe(2);
    expect(none.stdout).toBe('');
    expect(none.stderr).toMatch(/nothing to plot/);
    expect(fs.existsSync(path.join(tmp, 'none'))).toBe(false);
  });

  test('a flow run draws its training; evaluate draws the training saved with the model', () => {
    const dir = path.join(tmp, 'flow');
    const model = path.join(tmp, 'model');
    const r = run(['integrate', EXPR, '--dim', '2', ...TRAIN, '--save-model', model, '--plot', dir, '--quiet']);
    expect(r.code).toBe(0);
    expect(svgs(dir)).toEqual(['marginals.svg', 'pair.svg', 'training.svg', 'weights.svg']);
    const e = run(['evaluate', '--model', model, '-n', '20000', '--plot', path.join(tmp, 'eval'), '--plot-dims', '1', '--json', '--quiet']);
    expect(e.code).toBe(0);
    const result = resultSchema.parse(JSON.parse(e.stdout));
    expect(result.histograms?.marginals.map((m) => m.dim)).toEqual([1]);
    expect(svgs(path.join(tmp, 'eval'))).toEqual(['marginals.svg', 'pair.svg', 'training.svg', 'weights.svg']);
    const training = fs.readFileSync(path.join(tmp, 'eval', 'training.svg'), 'utf8');
    expect(training).toContain('20 epochs of 1000 calls');
  });

  test('bad plot options are usage errors with nothing written', async () => {
    const aFile = path.join(tmp, 'a-file');
    fs.writeFileSync(aFile, 'x');
    const cases: [string[], RegExp][] = [
      [[...UNIFORM, '--plot', path.join(tmp, 'x1'), '--plot-pair', '1,4'], /--plot-pair 1,4: the problem has 3 dimensions/],
      [[...UNIFORM, '--plot', path.join(tmp, 'x2'), '--plot-pair', '2,2'], /--plot-pair: expected two different dimensions/],
      [[...UNIFORM, '--plot-pair', '1,2'], /--plot-pair needs --plot/],
      [[...UNIFORM, '--plot', aFile], /--plot .*a-file: exists and is not a directory/],
      [[...UNIFORM, '--plot', path.join(tmp, 'x3'), '--plot-dims', '0'], /--plot-dims: must be at least 1/],
      [['plot', aFile], /a-file is not valid JSON/],
    ];
    const runs = await Promise.all(cases.map(([args]) => runAsync(args)));
    runs.forEach((r, i) => {
      expect(r.code).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr).toMatch(cases[i][1]);
    });
    for (const d of ['x1', 'x2', 'x3']) expect(fs.existsSync(path.join(tmp, d))).toBe(false);
  });
});
