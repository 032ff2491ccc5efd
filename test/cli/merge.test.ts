import fs from 'fs';
import path from 'path';
import { emptyMoments, mergeMoments, type Moments } from '../../src/estimate/stats';
import { summarize } from '../../src/estimate/summary';
import { partialSchema, type PartialDocument } from '../../src/partial';
import { resultSchema } from '../../src/report/schema';
import { run, runAsync, tempDir } from './helpers';

const ARGS = [
  'integrate',
  '3*x1^2*x2',
  '--dim',
  '2',
  '--method',
  'uniform',
  '-n',
  '50000',
  '--iterations',
  '2',
  '--event',
  'x1 > 0.8',
  '--partial',
];
const SEEDS = [11, 12, 13, 14];

let tmp: string;
let files: string[];
let docs: PartialDocument[];

beforeAll(async () => {
  tmp = tempDir('merge');
  const runs = await Promise.all(SEEDS.map((s) => runAsync([...ARGS, '--seed', String(s)])));
  files = runs.map((r, i) => {
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    const file = path.join(tmp, `part-${SEEDS[i]}.json`);
    fs.writeFileSync(file, r.stdout);
    return file;
  });
  docs = runs.map((r) => partialSchema.parse(JSON.parse(r.stdout)));
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const pool = (ms: Moments[]) => ms.reduce((a, b) => mergeMoments(a, b), emptyMoments(2, 1));

describe('--partial and iflow merge', () => {
  test('a partial document holds the moments of every iteration and the problem', () => {
    const d = docs[0];
    expect(d.format).toBe('iflow-partial');
    expect(d.seed).toBe(11);
    expect(d.method).toBe('uniform');
    expect(d.problem).toEqual({
      expression: '3*x1^2*x2',
      dim: 2,
      bounds: [
        [0, 1],
        [0, 1],
      ],
      params: {},
      events: ['x1 > 0.8'],
    });
    expect(d.iterations.map((m) => m.n)).toEqual([25000, 25000]);
    expect(d.baseline).toBeNull();
    expect(d.training).toBeNull();
  });

  test('merging 4 runs equals the estimate from their pooled samples, and the error shrinks like 1/sqrt(N)', () => {
    const r = run(['merge', ...files, '--json']);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    const merged = resultSchema.parse(JSON.parse(r.stdout));
    const total = pool(docs.map((d) => pool(d.iterations)));
    expect(merged.estimate).toEqual({ ...summarize(total, ['x1 > 0.8']), verdict: merged.estimate.verdict });
    expect(merged.estimate.verdict.reliable).toBe(merged.Q! >= 0.05);
    expect(merged.command).toBe('merge');
    expect(merged.calls.evaluate).toBe(200000);
    expect(merged.iterations).toHaveLength(4); // one per file
    expect(merged.dof).toBe(3);
    const single = summarize(pool(docs[0].iterations), ['x1 > 0.8']);
    const ratio = (merged.estimate.integral.sdev * Math.sqrt(4)) / single.integral.sdev;
    expect(Math.abs(ratio - 1)).toBeLessThan(0.15);
    // F = 1/2, E_p[x1] = 3/4, P_p(x1 > 0.8) = 1 - 0.8^3
    const F = merged.estimate.integral;
    expect(Math.abs(F.mean - 0.5)).toBeLessThan(4 * F.sdev);
    const p = merged.estimate.events[0].probability!;
    expect(Math.abs(p.mean - (1 - 0.512))).toBeLessThan(4 * p.sdev);
  });

  test('the text report of a merge and a merged partial document', () => {
    const text = run(['merge', ...files]);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/^integral of 3\*x1\^2\*x2 over \[0,1\]\^2/);
    expect(text.stdout).toMatch(/chi2\/dof = /);
    const again = run(['merge', files[0], files[1], '--partial']);
    expect(again.code).toBe(0);
    const doc = partialSchema.parse(JSON.parse(again.stdout));
    expect(doc.parts).toBe(2);
    expect(doc.seed).toBeNull();
  });

  test('files of another problem, the same seed twice, or not partial results are usage errors', async () => {
    const other = path.join(tmp, 'other.json');
    fs.writeFileSync(
      other,
      JSON.stringify({
        ...docs[1],
        problem: {
          ...docs[1].problem,
          bounds: [
            [0, 1],
            [0, 2],
          ],
        },
      }),
    );
    const copy = path.join(tmp, 'copy.json');
    fs.copyFileSync(files[0], copy);
    const notJson = path.join(tmp, 'not.json');
    fs.writeFileSync(notJson, 'integral of ...');
    const [differ, twice, bad, missing] = await Promise.all([
      runAsync(['merge', files[0], other]),
      runAsync(['merge', files[0], files[1], copy]),
      runAsync(['merge', notJson]),
      runAsync(['merge', files[0], path.join(tmp, 'none.json')]),
    ]);
    for (const r of [differ, twice, bad, missing]) {
      expect(r.code).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
    }
    expect(differ.stderr).toMatch(/other\.json describes a different problem than .*part-11\.json: bounds/);
    expect(twice.stderr).toMatch(/copy\.json and .*part-11\.json hold the same samples \(the uniform samples of seed 11\)/);
    expect(bad.stderr).toMatch(/not\.json is not valid JSON/);
    expect(missing.stderr).toMatch(/cannot read .*none\.json \(no such file\)/);
  });
});

describe('the boundary probe across merge', () => {
  test('mass in the slab at a face that no sample reaches keeps the merged estimate unreliable', () => {
    const dir = tempDir('merge-boundary');
    const parts = [1, 2].map((seed) => {
      const r = run([
        'integrate',
        'x1^(-0.9)',
        '--dim',
        '1',
        '--method',
        'vegas',
        // without the power map at x1 = 0, 6% of the integral lies below 2^-40
        '--power-map',
        'none',
        '-n',
        '20000',
        '--seed',
        String(seed),
        '--partial',
        '-q',
      ]);
      expect(r.code).toBe(0);
      const doc = partialSchema.parse(JSON.parse(r.stdout));
      expect(doc.boundary?.where).toBe('x1 = 0');
      const file = path.join(dir, `part-${seed}.json`);
      fs.writeFileSync(file, r.stdout);
      return file;
    });
    const merged = run(['merge', ...parts, '--json', '-q']);
    const result = resultSchema.parse(JSON.parse(merged.stdout));
    expect(result.reliable).toBe(false);
    expect(result.estimate.verdict.reasons.map((x) => x.code)).toContain('boundary-mass');
    const again = partialSchema.parse(JSON.parse(run(['merge', ...parts, '--partial', '-q']).stdout));
    expect(again.boundary?.mass).toBeGreaterThan(0);
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
