import { Writable } from 'stream';
import { initBackend } from '../src/backend';
import { integralEstimate } from '../src/estimate/stats';
import { defaultFlowConfig, Flow } from '../src/flow/flow';
import { buildProblem } from '../src/problem';
import { Rng } from '../src/rng';
import { formatDigits, formatPoint, sampleHeader, writeSamples, type SampleSettings } from '../src/sample';

/** Collects what is written; `delayMs` > 0 makes it a slow consumer with a small buffer. */
class Sink extends Writable {
  text = '';
  maxBuffered = 0;
  constructor(private readonly delayMs = 0) {
    super({ highWaterMark: 1024, decodeStrings: false });
  }
  override _write(chunk: string | Buffer, _enc: BufferEncoding, cb: () => void): void {
    this.text += chunk.toString();
    this.maxBuffered = Math.max(this.maxBuffered, this.writableLength);
    if (this.delayMs > 0) setTimeout(cb, this.delayMs);
    else cb();
  }
}

function tinyFlow(dim: number): Flow {
  const flow = Flow.create(defaultFlowConfig({ dim, spline: 'pwlinear', bins: 4, hidden: [4] }), 1);
  const rng = new Rng(5, 11);
  flow.setWeights(flow.serialize().weights.map((w) => ({ ...w, values: w.values.map(() => rng.next() - 0.5) })));
  return flow;
}

const settings = (over: Partial<SampleSettings> = {}): SampleSettings => ({
  count: 1000,
  format: 'csv',
  unweighted: false,
  pilot: 2000,
  seed: 3,
  nan: 'error',
  ...over,
});

function parseCsv(text: string): { header: string; rows: number[][] } {
  const lines = text.trimEnd().split('\n');
  return { header: lines[0], rows: lines.slice(1).map((l) => l.split(',').map(Number)) };
}

beforeAll(async () => {
  await initBackend('wasm');
});

describe('number formatting', () => {
  test.each<[number, number, string]>([
    [0, 9, '0'],
    [-0, 9, '0'],
    [0.5, 9, '0.5'],
    [1, 12, '1'],
    [-2.25, 9, '-2.25'],
    [0.1 + 0.2, 9, '0.3'],
    [0.000123456789123, 9, '0.000123456789'],
    [123456789012, 9, '123456789000'],
    [1e-7, 9, '1e-7'],
    [1.5e20, 9, '150000000000000000000'],
    [Math.fround(0.3), 9, '0.300000012'],
  ])('formatDigits(%p, %p) = %p', (v, p, s) => {
    expect(formatDigits(v, p)).toBe(s);
  });

  test('9 digits round-trip every float32 coordinate; 12 digits keep weights to 5e-12', () => {
    const rng = new Rng(1, 1);
    const bad: number[] = [];
    for (let i = 0; i < 20000; i++) {
      const u = Math.fround(rng.next());
      if (Math.fround(Number(formatDigits(u, 9))) !== u) bad.push(u);
      const w = (rng.next() - 0.3) * 10 ** (20 * rng.next() - 10);
      if (!(Math.abs(Number(formatDigits(w, 12)) - w) <= 5e-12 * Math.abs(w))) bad.push(w);
    }
    expect(bad).toEqual([]);
  });

  test('lines and header', () => {
    expect(sampleHeader(3, 'csv')).toBe('x1,x2,x3,weight\n');
    expect(sampleHeader(3, 'ndjson')).toBe('');
    const x = new Float64Array([0.25, -1.5, 2, 3]);
    expect(formatPoint(x, 1, 2, 0.125, 'csv')).toBe('2,3,0.125\n');
    expect(formatPoint(x, 0, 2, 1, 'ndjson')).toBe('{"x":[0.25,-1.5],"weight":1}\n');
  });
});

describe('writeSamples', () => {
  test('weighted points in the user domain; mean(weight) is the estimate of the integral', async () => {
    const flow = tinyFlow(2);
    const problem = buildProblem({
      expression: 'x1*x2',
      dim: 2,
      bounds: [
        [0, 2],
        [1, 3],
      ],
    });
    const sink = new Sink();
    const report = await writeSamples(problem, flow, settings({ count: 20000 }), sink);
    const { header, rows } = parseCsv(sink.text);
    expect(header).toBe('x1,x2,weight');
    expect(rows).toHaveLength(20000);
    expect(report.written).toBe(20000);
    expect(report.moments.n).toBe(20000);
    let sum = 0;
    let outside = 0;
    for (const [x1, x2, w] of rows) {
      if (!(x1 >= 0 && x1 <= 2 && x2 >= 1 && x2 <= 3)) outside++;
      sum += w;
    }
    expect(outside).toBe(0);
    const e = integralEstimate(report.moments);
    expect(Math.abs(sum / rows.length - e.mean)).toBeLessThan(1e-9 * e.mean);
    expect(Math.abs(e.mean - 8)).toBeLessThan(5 * e.sdev); // integral of x1 x2 over [0,2]x[1,3]
    // the weight is f volume / q: the tiny flow is not uniform, so weights differ from f * 4
    expect(rows.some(([x1, x2, w]) => Math.abs(w - 4 * x1 * x2) > 1e-3)).toBe(true);
    flow.dispose();
  });

  test('the same seed gives the same lines', async () => {
    const flow = tinyFlow(2);
    const problem = buildProblem({ expression: 'x1+x2', dim: 2 });
    const a = new Sink();
    const b = new Sink();
    await writeSamples(problem, flow, settings({ format: 'ndjson' }), a);
    await writeSamples(problem, flow, settings({ format: 'ndjson' }), b);
    expect(a.text).toBe(b.text);
    const first = JSON.parse(a.text.split('\n')[0]);
    expect(first.x).toHaveLength(2);
    expect(typeof first.weight).toBe('number');
    flow.dispose();
  });

  test('unweighted: unit weights, acceptance about mean|w|/w_max, points distributed like f', async () => {
    const flow = tinyFlow(1);
    const problem = buildProblem({ expression: '3*x1^2', dim: 1 });
    const sink = new Sink();
    const report = await writeSamples(problem, flow, settings({ count: 10000, unweighted: true, pilot: 20000 }), sink);
    const { rows } = parseCsv(sink.text);
    expect(rows).toHaveLength(10000);
    expect(report.maxWeight).toBeGreaterThan(0);
    const e = integralEstimate(report.moments);
    const rate = report.written / report.candidates;
    expect(Math.abs(rate - e.mean / report.maxWeight!)).toBeLessThan(0.03);
    const unit = rows.filter(([, w]) => w === 1).length;
    expect(unit + report.overweight).toBe(10000);
    // E_p[x1] for p = 3 x^2 is 3/4, Var = 3/80
    const mean = rows.reduce((s, [x]) => s + x, 0) / rows.length;
    expect(Math.abs(mean - 0.75)).toBeLessThan(5 * Math.sqrt(3 / 80 / rows.length));
    flow.dispose();
  });

  test('a short pilot underestimates w_max: overweight events are counted and keep weight |w|/w_max', async () => {
    const flow = tinyFlow(1);
    const problem = buildProblem({ expression: 'exp(-((x1-0.5)/0.05)^2)', dim: 1 });
    const sink = new Sink();
    const report = await writeSamples(problem, flow, settings({ count: 2000, unweighted: true, pilot: 20 }), sink);
    expect(report.overweight).toBeGreaterThan(0);
    expect(report.largestRatio).toBeGreaterThan(1);
    const { rows } = parseCsv(sink.text);
    expect(rows.filter(([, w]) => w > 1)).toHaveLength(report.overweight);
    flow.dispose();
  });

  test('a zero integrand cannot be unweighted', async () => {
    const flow = tinyFlow(1);
    const problem = buildProblem({ expression: '0*x1', dim: 1 });
    await expect(writeSamples(problem, flow, settings({ unweighted: true }), new Sink())).rejects.toThrow(
      /every weight of the 2000-point pilot run is zero/,
    );
    flow.dispose();
  });

  test('backpressure: a slow consumer never has more than about one chunk buffered', async () => {
    const flow = tinyFlow(2);
    const problem = buildProblem({ expression: 'x1*x2', dim: 2 });
    const sink = new Sink(1);
    const report = await writeSamples(problem, flow, settings({ count: 60000 }), sink);
    expect(sink.text.split('\n')).toHaveLength(60002);
    // one chunk of 16384 lines is about 0.6 MB; 60000 lines are about 2.4 MB
    expect(sink.maxBuffered).toBeLessThan(1.5e6);
    expect(report.maxBuffered).toBeLessThan(1.5e6);
    flow.dispose();
  });

  test('shouldStop ends the run between chunks', async () => {
    const flow = tinyFlow(2);
    const problem = buildProblem({ expression: 'x1*x2', dim: 2 });
    let chunks = 0;
    const report = await writeSamples(problem, flow, settings({ count: 1e6 }), new Sink(), {
      onProgress: () => chunks++,
      shouldStop: () => chunks >= 2,
    });
    expect(report.stopped).toBe(true);
    expect(report.written).toBe(2 * 16384);
    flow.dispose();
  });
});
