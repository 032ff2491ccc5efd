/**
 * Sampling: points of a flow written as text with their weights, in chunks.
 *
 * Each chunk draws SAMPLE_CHUNK points u ~ q from the flow, maps them to the user's domain
 * x = phi(u) (src/domain.ts) and computes w = f(x) |det dphi/du| / q(u) in float64 (the weights of the
 * importance-sampling estimate, so mean(w) estimates the integral). Chunks are formatted and
 * written one at a time; when the stream's buffer is full the loop waits for 'drain', so memory
 * stays flat however many points are asked for.
 *
 * Unweighted events (accept-reject): the largest |w| of a pilot run (its own random stream,
 * points not written) is taken as the maximum w_max. A candidate is kept with probability
 * |w|/w_max and written with weight sign(w). A candidate with |w| > w_max is always kept and
 * written with weight sign(w) |w|/w_max, which keeps the sample unbiased; such events are
 * counted and reported ("overweight").
 */
import type { Writable } from 'stream';
import { once } from 'events';
import { NumericalError } from './errors';
import { ChunkBuffers, evaluateChunk, SAMPLE_CHUNK } from './estimate/evaluate';
import type * as Importance from './estimate/importance';

/** Flow sampling, loaded with TensorFlow.js only when a flow is sampled. */
function drawFromFlow(...args: Parameters<typeof Importance.drawFromFlow>): ReturnType<typeof Importance.drawFromFlow> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return (require('./estimate/importance') as typeof Importance).drawFromFlow(...args);
}
import { emptyMoments, maxWeight, type Moments } from './estimate/stats';
import type { Flow } from './flow/flow';
import type { Problem } from './problem';
import { Rng, Stream } from './rng';
import { yieldToEventLoop, type NanPolicy } from './sampling';

/** Output formats of `iflow sample`: CSV with a header line, or one JSON object per line. */
export const sampleFormats = ['csv', 'ndjson'] as const;
/** One of sampleFormats. */
export type SampleFormat = (typeof sampleFormats)[number];

/** Significant digits written for coordinates (enough to round-trip the flow's float32 points). */
const COORD_DIGITS = 9;
/** Significant digits written for weights. */
const WEIGHT_DIGITS = 12;
/** Default size of the pilot run of --unweighted. */
export const DEFAULT_PILOT = 100_000;

const POW10 = Array.from({ length: 40 }, (_, i) => 10 ** i);

/**
 * `v` rounded to `p` significant digits (p <= 15) in the shortest plain form, trailing zeros
 * dropped: 0.5, 1, 0.000123, 1250000. Very small or large magnitudes use exponent form.
 */
export function formatDigits(v: number, p: number): string {
  if (v === 0) return '0';
  const a = v < 0 ? -v : v;
  if (!(a >= 1e-6 && a < 1e15)) return String(Number(v.toPrecision(p)));
  let k = p - 1 - Math.floor(Math.log10(a));
  const scaled = (kk: number) => Math.round(kk >= 0 ? a * POW10[kk] : a / POW10[-kk]);
  let m = scaled(k);
  if (m >= POW10[p]) m = scaled(--k);
  else if (m < POW10[p - 1]) m = scaled(++k);
  // the value is m / 10^k
  while (k > 0 && m % 10 === 0) {
    m /= 10;
    k--;
  }
  let s = String(m);
  if (k > 0) {
    s = s.length > k ? `${s.slice(0, s.length - k)}.${s.slice(s.length - k)}` : `0.${'0'.repeat(k - s.length)}${s}`;
  } else if (k < 0) {
    s += '0'.repeat(-k);
  }
  return v < 0 ? `-${s}` : s;
}

/** The header line of a sample file: `x1,...,xd,weight` for CSV, nothing for NDJSON. */
export function sampleHeader(dim: number, format: SampleFormat): string {
  if (format === 'ndjson') return '';
  return `${Array.from({ length: dim }, (_, k) => `x${k + 1}`).join(',')},weight\n`;
}

/** One output line for point i of row-major x. */
export function formatPoint(x: Float64Array, i: number, dim: number, weight: number, format: SampleFormat): string {
  let coords = formatDigits(x[i * dim], COORD_DIGITS);
  for (let k = 1; k < dim; k++) coords += ',' + formatDigits(x[i * dim + k], COORD_DIGITS);
  const w = Number.isInteger(weight) ? String(weight) : formatDigits(weight, WEIGHT_DIGITS);
  return format === 'csv' ? `${coords},${w}\n` : `{"x":[${coords}],"weight":${w}}\n`;
}

/** What `iflow sample` writes: how many points, in which format, weighted or unweighted. */
export interface SampleSettings {
  /** Points (weighted) or accepted events (unweighted) to write. */
  count: number;
  format: SampleFormat;
  unweighted: boolean;
  /** Pilot points that set the maximum weight (unweighted only). */
  pilot: number;
  seed: number;
  nan: NanPolicy;
}

/** Progress of a sample run (pilot for the unweighting maximum, then written lines) and its stop poll. */
export interface SampleHooks {
  onPilot?: (done: number, total: number) => void;
  onProgress?: (written: number, total: number) => void;
  /** Polled between chunks; true stops early. */
  shouldStop?: () => boolean;
}

/** What a sample run wrote and drew, for the summary line on stderr. */
export interface SampleReport {
  /** Lines written (points or events). */
  written: number;
  /** Points drawn and looked at (for unweighted: candidates up to the last accepted one). */
  candidates: number;
  /** Weights of every point drawn for output (not the pilot): mean(w) estimates the integral. */
  moments: Moments;
  /** w_max assumed for unweighting (null when weighted). */
  maxWeight: number | null;
  /** Unweighted events whose |w| exceeded w_max, and the largest |w|/w_max seen. */
  overweight: number;
  largestRatio: number;
  /** True when shouldStop ended the run before `count` lines. */
  stopped: boolean;
  /** Largest number of bytes waiting in the stream's buffer after a write (backpressure check). */
  maxBuffered: number;
}

/** Write `text` and wait for 'drain' when the buffer is full; returns the bytes buffered. */
async function put(out: Writable, text: string): Promise<number> {
  if (text.length === 0) return 0;
  const full = !out.write(text);
  const buffered = out.writableLength ?? 0;
  if (full) await once(out, 'drain');
  return buffered;
}

/** Largest |w| over `n` pilot points (stream Stream.pilot). */
async function pilotMaxWeight(
  problem: Problem,
  flow: Flow,
  n: number,
  seed: number,
  nan: NanPolicy,
  hooks: SampleHooks = {},
): Promise<number> {
  const rng = new Rng(seed, Stream.pilot);
  const size = Math.min(SAMPLE_CHUNK, n);
  const buf = new ChunkBuffers(size, problem.dim, 0);
  const zBuf = new Float32Array(size * problem.dim);
  const m = emptyMoments(problem.dim, 0);
  for (let done = 0; done < n;) {
    await yieldToEventLoop();
    if (hooks.shouldStop?.()) break;
    const k = Math.min(size, n - done);
    const { x, logQ } = drawFromFlow(flow, rng, k, zBuf);
    evaluateChunk(problem, x, logQ, k, buf, m, nan, 'the pilot run');
    done += k;
    hooks.onPilot?.(done, n);
  }
  return maxWeight(m);
}

/** Draw from `flow` and write `settings.count` lines to `out` (see the file comment). */
export async function writeSamples(
  problem: Problem,
  flow: Flow,
  settings: SampleSettings,
  out: Writable,
  hooks: SampleHooks = {},
): Promise<SampleReport> {
  const { dim } = problem;
  const { count, format, unweighted } = settings;
  let maxWeight: number | null = null;
  if (unweighted) {
    maxWeight = await pilotMaxWeight(problem, flow, settings.pilot, settings.seed, settings.nan, hooks);
    if (!(maxWeight > 0)) {
      throw new NumericalError(`cannot unweight: every weight of the ${settings.pilot}-point pilot run is zero`, 'sampling');
    }
  }
  const rng = new Rng(settings.seed, Stream.sample);
  const accept = new Rng(settings.seed, Stream.accept);
  const size = SAMPLE_CHUNK;
  const buf = new ChunkBuffers(size, dim, 0);
  const zBuf = new Float32Array(size * dim);
  const moments = emptyMoments(dim, 0);
  const report: SampleReport = {
    written: 0,
    candidates: 0,
    moments,
    maxWeight,
    overweight: 0,
    largestRatio: 0,
    stopped: false,
    maxBuffered: 0,
  };
  const track = (buffered: number) => {
    if (buffered > report.maxBuffered) report.maxBuffered = buffered;
  };
  track(await put(out, sampleHeader(dim, format)));
  while (report.written < count) {
    await yieldToEventLoop();
    if (hooks.shouldStop?.()) {
      report.stopped = true;
      break;
    }
    const m = unweighted ? size : Math.min(size, count - report.written);
    const { x, logQ } = drawFromFlow(flow, rng, m, zBuf);
    evaluateChunk(problem, x, logQ, m, buf, moments, settings.nan, 'sampling');
    const w = buf.w;
    let text = '';
    let looked = m;
    if (maxWeight === null) {
      for (let i = 0; i < m; i++) text += formatPoint(buf.x, i, dim, w[i], format);
      report.written += m;
    } else {
      for (let i = 0; i < m; i++) {
        const wi = w[i];
        const r = Math.abs(wi) / maxWeight;
        if (!(accept.next() < r)) continue;
        let unit = wi < 0 ? -1 : 1;
        if (r > 1) {
          report.overweight++;
          if (r > report.largestRatio) report.largestRatio = r;
          unit *= r;
        }
        text += formatPoint(buf.x, i, dim, unit, format);
        if (++report.written === count) {
          looked = i + 1;
          break;
        }
      }
    }
    report.candidates += looked;
    track(await put(out, text));
    hooks.onProgress?.(report.written, count);
  }
  return report;
}
