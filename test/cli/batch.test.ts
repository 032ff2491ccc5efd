import fs from 'fs';
import path from 'path';
import { partialSchema } from '../../src/partial';
import { resultSchema } from '../../src/report/schema';
import { runAsync, tempDir } from './helpers';

let tmp: string;
beforeAll(() => {
  tmp = tempDir('batch');
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const JOBS = [
  '# integrals for the report', // 1
  '{"expression":"x1*x2","dim":2,"samples":1000,"method":"uniform"}', // 2 ok
  '', // 3 blank
  '{"expression":"x1*x2","dim":2,"samples":1000', // 4 invalid JSON
  '{"expression":"x1 +","dim":2,"method":"uniform"}', // 5 bad expression
  '{"expression":"x1","dim":2,"samples":1}', // 6 schema error
  '{"expression":"x1","dim":2,"frobnicate":true}', // 7 unknown key
  '{"expression":"log(x1 - 2)","dim":1,"samples":100,"method":"uniform"}', // 8 runtime failure (NaN)
  '[1, 2]', // 9 not an object
  '{"expression":"x1","dim":1,"samples":500,"method":"uniform","partial":true,"seed":3}', // 10 ok, partial
  '  {"expression":"exp(-x1^2)","dim":1,"bounds":"-3:3","samples":2000,"method":"flow","epochs":2,"batch":200,"hidden":"4","seed":2}  ', // 11 ok, flow
];

describe('iflow batch', () => {
  test('one record per job line, in order; bad lines give error records and exit 1', async () => {
    const file = path.join(tmp, 'jobs.ndjson');
    fs.writeFileSync(file, JOBS.join('\n') + '\n');
    const r = await runAsync(['batch', file]);
    expect(r.code).toBe(1);
    const records = r.stdout
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(records.map((x) => [x.line, x.ok])).toEqual([
      [2, true],
      [4, false],
      [5, false],
      [6, false],
      [7, false],
      [8, false],
      [9, false],
      [10, true],
      [11, true],
    ]);
    const byLine = new Map(records.map((x) => [x.line as number, x]));
    const first = resultSchema.parse(byLine.get(2).result);
    expect(first.problem.expression).toBe('x1*x2');
    expect(first.calls.evaluate).toBe(1000);
    expect(byLine.get(4)).toEqual({ line: 4, ok: false, error: expect.stringMatching(/^invalid JSON/), exitCode: 2 });
    expect(byLine.get(5).error).toMatch(/syntax|unexpected|end of/i);
    expect(byLine.get(6).error).toMatch(/samples: must be at least 2/);
    expect(byLine.get(7).error).toMatch(/unknown option: frobnicate/);
    expect(byLine.get(8)).toMatchObject({ ok: false, exitCode: 1, error: expect.stringMatching(/NaN/) });
    expect(byLine.get(9).exitCode).toBe(2);
    for (const l of [5, 6, 7]) expect(byLine.get(l).exitCode).toBe(2);
    const partial = partialSchema.parse(byLine.get(10).partial);
    expect(partial.seed).toBe(3);
    const flow = resultSchema.parse(byLine.get(11).result);
    expect(flow.method).toBe('flow');
    expect(flow.problem.bounds).toEqual([[-3, 3]]);
    expect(Math.abs(flow.estimate.integral.mean - Math.sqrt(Math.PI))).toBeLessThan(5 * flow.estimate.integral.sdev + 1e-3);
    // one stderr line per failed job, naming its line
    expect(
      r.stderr
        .split('\n')
        .filter((l) => /^iflow: line \d+: /.test(l))
        .map((l) => Number(l.match(/line (\d+)/)![1])),
    ).toEqual([4, 5, 6, 7, 8, 9]);
  });

  test("'-' reads stdin; all good lines exit 0; an unreadable file exits 2 with nothing on stdout", async () => {
    const [stdin, missing, quiet] = await Promise.all([
      runAsync(
        ['batch', '-'],
        '{"expression":"x1","dim":1,"samples":100,"method":"uniform"}\r\n{"expression":"x2","dim":2,"samples":100,"method":"uniform"}',
      ),
      runAsync(['batch', path.join(tmp, 'none.ndjson')]),
      runAsync(['batch', '-', '--quiet'], '{"expression":"x1 +","dim":1}\n'),
    ]);
    expect(stdin.code).toBe(0);
    const records = stdin.stdout
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(records.map((x) => [x.line, x.ok, x.result.problem.expression])).toEqual([
      [1, true, 'x1'],
      [2, true, 'x2'],
    ]);
    expect(missing.code).toBe(2);
    expect(missing.stdout).toBe('');
    expect(missing.stderr).toMatch(/^iflow: cannot read the job file .*none\.ndjson \(no such file\)\n$/);
    expect(quiet.code).toBe(1);
    expect(quiet.stderr).toBe('');
    expect(JSON.parse(quiet.stdout)).toMatchObject({ line: 1, ok: false, exitCode: 2 });
  });
});
