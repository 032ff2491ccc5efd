import { spawn, spawnSync } from 'child_process';
import fs from 'fs';
import path from 'path';
import { initBackend } from '../../src/backend';
import { defaultFlowConfig, Flow } from '../../src/flow/flow';
import { saveModel } from '../../src/model';
import { BIN, run, runAsync, tempDir } from './helpers';

/** Points written by the streaming test (IFLOW_STREAM_N to try others). */
const STREAM_N = Number(process.env.IFLOW_STREAM_N ?? 1e7);
/** Peak resident memory allowed for the streaming run. */
const MAX_RSS_MB = 600;

let tmp: string;
let model: string;

beforeAll(async () => {
  tmp = tempDir('sample');
  model = path.join(tmp, 'tiny');
  // the smallest flow there is (the identity map: zero output layers), for fast sampling
  await initBackend('cpu');
  const flow = Flow.create(defaultFlowConfig({ dim: 2, spline: 'pwlinear', bins: 2, hidden: [2] }), 1);
  saveModel(model, flow, {
    problem: {
      expression: 'x1*x2',
      dim: 2,
      bounds: [
        [0, 1],
        [0, 1],
      ],
      params: {},
    },
    seed: 1,
    training: null,
  });
  flow.dispose();
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe('iflow sample', () => {
  test('trains a flow, then writes CSV in the user coordinates; mean(weight) is the integral', () => {
    const r = run([
      'sample',
      'x1*x2',
      '--dim',
      '2',
      '--bounds',
      '0:2,1:3',
      '--epochs',
      '3',
      '--batch',
      '500',
      '--hidden',
      '8',
      '-n',
      '3000',
    ]);
    expect(r.code).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines[0]).toBe('x1,x2,weight');
    const rows = lines.slice(1).map((l) => l.split(',').map(Number));
    expect(rows).toHaveLength(3000);
    expect(rows.every(([a, b, w]) => a >= 0 && a <= 2 && b >= 1 && b <= 3 && w >= 0)).toBe(true);
    const mean = rows.reduce((s, [, , w]) => s + w, 0) / rows.length;
    // stderr: "iflow: wrote 3000 weighted points; mean weight 8.01(12) (the integral estimate)"
    const m = r.stderr.match(/wrote 3000 weighted points; mean weight ([\d.]+)\((\d+)\)/);
    expect(m).not.toBeNull();
    expect(Math.abs(mean - 8)).toBeLessThan(0.5);
    expect(mean.toPrecision(2)).toBe(Number(m![1]).toPrecision(2));
  });

  test('--model, NDJSON, --unweighted: unit weights and the acceptance rate on stderr', () => {
    const r = run(['sample', '--model', model, '-n', '2000', '--format', 'ndjson', '--unweighted', '--pilot', '5000', '--seed', '4']);
    expect(r.code).toBe(0);
    const events = r.stdout
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as { x: number[]; weight: number });
    expect(events).toHaveLength(2000);
    const over = events.filter((e) => e.weight !== 1);
    expect(over.every((e) => e.weight > 1)).toBe(true);
    // identity flow: w = x1 x2 with w_max about 1, acceptance about 1/4
    const m = r.stderr.match(/wrote 2000 unweighted events from (\d+) candidates: acceptance rate ([\d.]+)%/);
    expect(m).not.toBeNull();
    expect(Math.abs(Number(m![2]) - 25)).toBeLessThan(3);
    if (over.length > 0) expect(r.stderr).toMatch(new RegExp(`${over.length} event\\(s\\) .* had \\|w\\| > w_max`));
    else expect(r.stderr).toMatch(/no event exceeded w_max/);
    // E_p[x1] = 2/3 for p ~ x1 x2
    const mean = events.reduce((s, e) => s + e.x[0] * e.weight, 0) / events.reduce((s, e) => s + e.weight, 0);
    expect(Math.abs(mean - 2 / 3)).toBeLessThan(0.03);
  });

  test('bad combinations are usage errors', async () => {
    const [dim, none] = await Promise.all([runAsync(['sample', '--model', model, '--dim', '3']), runAsync(['sample', '-n', '10'])]);
    expect(dim.code).toBe(2);
    expect(dim.stdout).toBe('');
    expect(dim.stderr).toMatch(/^iflow: --dim cannot be used with --model/);
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/missing the integrand expression/);
  });

  test('a closed pipe (| head) ends the program quietly with code 0', () => {
    const r = spawnSync(
      'bash',
      ['-c', `"${process.execPath}" "${BIN}" sample --model "${model}" -n 1000000 | head -n 3; echo "status \${PIPESTATUS[0]}"`],
      {
        encoding: 'utf8',
        timeout: 60000,
      },
    );
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines[0]).toBe('x1,x2,weight');
    expect(lines).toHaveLength(4);
    expect(lines[3]).toBe('status 0');
    expect(r.stderr).toBe('');
  });

  test(`streams ${STREAM_N} points with flat memory and waits for a slow reader`, async () => {
    const started = Date.now();
    const args = ['sample', '--model', model, '-n', String(STREAM_N), '-q', '--debug'];
    const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let peakKb = 0;
    const poll = setInterval(() => {
      try {
        const m = fs.readFileSync(`/proc/${child.pid}/status`, 'utf8').match(/VmHWM:\s+(\d+) kB/);
        if (m) peakKb = Math.max(peakKb, Number(m[1]));
      } catch {
        // the process has ended
      }
    }, 100);
    let lines = 0;
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    // a reader that stalls at first: the writer must wait instead of buffering
    child.stdout.pause();
    setTimeout(() => child.stdout.resume(), 2000);
    child.stdout.on('data', (chunk: Buffer) => {
      for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) lines++;
    });
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    clearInterval(poll);
    const seconds = (Date.now() - started) / 1000;
    expect(code).toBe(0);
    expect(lines).toBe(STREAM_N + 1);
    // without backpressure the stall alone would leave tens of MB in the stdout buffer
    const debug = stderr.match(/^iflow: debug: largest output buffer (\d+) bytes; peak RSS (\d+) MB\n$/);
    expect(debug).not.toBeNull();
    expect(Number(debug![1])).toBeLessThan(4e6);
    expect(Number(debug![2])).toBeLessThan(MAX_RSS_MB);
    if (fs.existsSync('/proc/self/status')) {
      expect(peakKb).toBeGreaterThan(0);
      expect(peakKb / 1024).toBeLessThan(MAX_RSS_MB);
    }
    process.stdout.write(
      `sample stream: ${STREAM_N} points in ${seconds.toFixed(1)} s (${Math.round(STREAM_N / seconds)} /s), peak RSS ${Math.round(peakKb / 1024)} MB, largest buffer ${debug![1]} bytes\n`,
    );
  }, 300000);
});
