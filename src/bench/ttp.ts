/**
 * Time to precision (`iflow bench --ttp`): whole-process wall time of
 * `iflow integrate @case --rel-error r --method m` per suite case, target and method, against
 * the wall time Lepage's vegas (VEGAS+) needs for the same target on the same machine kind
 * (bench/ttp-vegas.jsonl, with its source), and the calls to 1e-4 beside the i-flow paper's
 * (bench/iflow-paper-calls.json). Each run is a fresh `node bin/iflow` process, so start-up
 * is counted as it is for vegas (whose figures include 0.10 s of Python start-up and imports).
 * The runs skip the uniform baseline (vegas computes none). Figures, not tests.
 */
import { spawn } from 'child_process';
import fs from 'fs';
import path from 'path';
import { resultSchema } from '../report/schema';
import { listIntegrands, resolveIntegrand } from '../integrands';
import { findCase } from './suite';

/** Methods of `iflow integrate --method` that the time-to-precision bench can run. */
export const TTP_METHODS = ['auto', 'vegas', 'flow', 'uniform'] as const;
/** A method of the time-to-precision bench. */
export type TtpMethod = (typeof TTP_METHODS)[number];

/** Project root (bench data and bin/iflow live there). */
const ROOT = path.resolve(__dirname, '..', '..');

/** What `runTtp` runs: suite case ids, relative-error targets, methods and seeds 1..seeds per combination. */
export interface TtpOptions {
  cases: string[];
  targets: number[];
  methods: TtpMethod[];
  seeds: number;
  /** --max-time of each run, seconds. */
  maxTime: number;
}

/**
 * One `iflow integrate` process: whole-process wall seconds, whether it reached the target, its
 * pull against the exact value and relative error (null when undefined), calls, the sampler it
 * ended with, and the first line of stderr when it failed.
 */
export interface TtpRun {
  seed: number;
  seconds: number;
  reached: boolean;
  pull: number | null;
  relError: number | null;
  /** Calls of the run: adaptation, training and estimate. */
  calls: number;
  sampler: string | null;
  error?: string;
}

/**
 * All seeds of one case, target and method, with the medians over the runs that reached the target (null when none did).
 */
export interface TtpRow {
  case: string;
  target: number;
  method: TtpMethod;
  runs: TtpRun[];
  medianSeconds: number | null;
  medianCalls: number | null;
}

/**
 * vegas+'s figures for a case and target (bench/ttp-vegas.jsonl): whole-process seconds, runs
 * that reached the target (of 3), their pulls, median calls, and the extrapolated in-process
 * seconds where the target was not reached.
 */
export interface VegasReference {
  seconds: number;
  reached: number;
  pulls: number[];
  calls: number;
  extrapolated?: number;
  note?: string;
}

/** The vegas+ reference of a case and target (null when there is none). */
export function vegasReference(id: string, target: number): VegasReference | null {
  const file = path.join(ROOT, 'bench', 'ttp-vegas.jsonl');
  if (!fs.existsSync(file)) return null;
  for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
    if (!line.trim()) continue;
    const r = JSON.parse(line) as Record<string, unknown>;
    if (r.case === id && r.rel_error_target === target) {
      return {
        seconds: r.seconds_whole_process as number,
        reached: r.reached as number,
        pulls: r.pulls as number[],
        calls: r.calls_median as number,
        extrapolated: r.seconds_in_process_extrapolated as number | undefined,
        note: r.note as string | undefined,
      };
    }
  }
  return null;
}

/** The i-flow paper's calls to 1e-4 for a case. */
export function paperCalls(id: string): { iflow: number | null; vegas: number | null; note?: string } | null {
  const file = path.join(ROOT, 'bench', 'iflow-paper-calls.json');
  if (!fs.existsSync(file)) return null;
  const doc = JSON.parse(fs.readFileSync(file, 'utf8')) as {
    calls: Record<string, { iflow: number | null; vegas: number | null; note?: string }>;
  };
  return doc.calls[id] ?? null;
}

/**
 * A machine reference: seconds for 2e7 evaluations of exp() and a multiply-add in a plain JS
 * loop, so that runs on a busy host can be told apart (times on this kind of VM drift 2x).
 */
export function machineReference(): number {
  const t0 = process.hrtime.bigint();
  let s = 0;
  for (let i = 0; i < 2e7; i++) s += Math.exp(-(i % 1000) * 1e-3) * 0.5;
  if (s < 0) throw new RangeError('a sum of positive terms came out negative');
  return Number(process.hrtime.bigint() - t0) / 1e9;
}

function median(xs: number[]): number | null {
  if (xs.length === 0) return null;
  const a = [...xs].sort((p, q) => p - q);
  const m = a.length >> 1;
  return a.length % 2 ? a[m] : 0.5 * (a[m - 1] + a[m]);
}

/** One whole `iflow integrate` process, timed from spawn to exit. */
function runOnce(args: string[]): Promise<{ seconds: number; code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const child = spawn(process.execPath, [path.join(ROOT, 'bin', 'iflow'), ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ seconds: Number(process.hrtime.bigint() - t0) / 1e9, code, stdout, stderr }));
  });
}

/** Callbacks of `runTtp`: each finished run, and cancellation polled before each run. */
export interface TtpHooks {
  onRun?: (row: Omit<TtpRow, 'runs' | 'medianSeconds' | 'medianCalls'>, run: TtpRun) => void;
  interrupted?: () => boolean;
}

/** Run the time-to-precision bench (sequentially: one process at a time). */
export async function runTtp(options: TtpOptions, hooks: TtpHooks = {}): Promise<TtpRow[]> {
  const names = listIntegrands().map((e) => e.name);
  const cases = options.cases.map((id) => {
    const c = findCase(id, names);
    const r = resolveIntegrand(`@${c.integrand}`, c.dim, c.params);
    return { c, exact: r.exact ?? null };
  });
  const rows: TtpRow[] = [];
  for (const { c, exact } of cases) {
    for (const target of options.targets) {
      for (const method of options.methods) {
        const row: TtpRow = { case: c.id, target, method, runs: [], medianSeconds: null, medianCalls: null };
        for (let seed = 1; seed <= options.seeds; seed++) {
          if (hooks.interrupted?.()) return rows;
          const params = Object.entries(c.params).flatMap(([k, v]) => ['--param', `${k}=${v}`]);
          const args = [
            'integrate',
            `@${c.integrand}`,
            '--dim',
            String(c.dim),
            ...params,
            '--rel-error',
            String(target),
            '--method',
            method,
          ];
          args.push('--seed', String(seed), '--no-baseline', '--json', '--quiet', '--max-time', String(options.maxTime));
          const p = await runOnce(args);
          let run: TtpRun;
          if (p.code !== 0) {
            run = {
              seed,
              seconds: p.seconds,
              reached: false,
              pull: null,
              relError: null,
              calls: 0,
              sampler: null,
              error: p.stderr.trim().split('\n')[0],
            };
          } else {
            const r = resultSchema.parse(JSON.parse(p.stdout));
            const e = r.estimate.integral;
            run = {
              seed,
              seconds: p.seconds,
              reached: r.target?.reached ?? false,
              pull: exact !== null && e.sdev > 0 ? (e.mean - exact) / e.sdev : null,
              relError: e.mean !== 0 ? e.sdev / Math.abs(e.mean) : null,
              calls: r.calls.adapt + r.calls.train + r.calls.evaluate,
              sampler: r.method,
            };
          }
          row.runs.push(run);
          hooks.onRun?.({ case: row.case, target, method }, run);
        }
        row.medianSeconds = median(row.runs.filter((r) => r.reached).map((r) => r.seconds));
        row.medianCalls = median(row.runs.filter((r) => r.reached).map((r) => r.calls));
        rows.push(row);
      }
    }
  }
  return rows;
}

const fmt = (x: number | null | undefined, digits = 2) =>
  x === null || x === undefined || !Number.isFinite(x) ? '-' : x.toPrecision(digits);

/** The text table: one line per case and target, seconds (reached runs) and pulls per method. */
export function renderTtp(rows: TtpRow[], methods: readonly TtpMethod[], reference: { start: number; end: number }): string {
  const out: string[] = [];
  out.push(`machine reference (2e7 exp in JS): ${reference.start.toFixed(3)} s at the start, ${reference.end.toFixed(3)} s at the end`);
  out.push('median whole-process seconds over the runs that reached the target (reached/runs), max |pull|; vegas+: reference');
  const header = ['case', 'target', 'vegas+ s', ...methods.map((m) => `${m} s`), ...methods.map((m) => `${m} calls`)];
  const lines: string[][] = [header];
  const keys = [...new Set(rows.map((r) => `${r.case}|${r.target}`))];
  for (const key of keys) {
    const [id, t] = key.split('|');
    const target = Number(t);
    const ref = vegasReference(id, target);
    const refText = ref
      ? ref.reached === 3
        ? fmt(ref.seconds)
        : `(${fmt(ref.extrapolated ? ref.extrapolated + 0.1 : null)}; ${ref.reached}/3)`
      : '-';
    const cells = methods.map((m) => {
      const r = rows.find((x) => x.case === id && x.target === target && x.method === m);
      if (!r) return '';
      const reached = r.runs.filter((x) => x.reached).length;
      const pulls = r.runs.map((x) => x.pull).filter((p): p is number => p !== null);
      const maxPull = pulls.length ? Math.max(...pulls.map(Math.abs)) : null;
      return `${fmt(r.medianSeconds)} (${reached}/${r.runs.length}, ${fmt(maxPull, 2)})`;
    });
    const calls = methods.map((m) => fmt(rows.find((x) => x.case === id && x.target === target && x.method === m)?.medianCalls ?? null, 3));
    lines.push([id, String(target), refText, ...cells, ...calls]);
  }
  const widths = header.map((_, j) => Math.max(...lines.map((l) => (l[j] ?? '').length)));
  for (const l of lines) out.push(l.map((c, j) => (c ?? '').padEnd(widths[j])).join('  '));
  const paper = [...new Set(rows.map((r) => r.case))].map((id) => [id, paperCalls(id)] as const).filter(([, p]) => p !== null);
  if (paper.length > 0 && rows.some((r) => r.target === 1e-4)) {
    out.push('');
    out.push('calls to 1e-4 (median of reached runs) beside the i-flow paper (training included)');
    for (const [id, p] of paper) {
      const ours = methods.map(
        (m) => `${m} ${fmt(rows.find((x) => x.case === id && x.target === 1e-4 && x.method === m)?.medianCalls ?? null, 3)}`,
      );
      out.push(
        `${id}: ${ours.join(', ')}; paper i-flow ${fmt(p!.iflow, 3)}, paper VEGAS ${fmt(p!.vegas, 3)}${p!.note ? ` (${p!.note})` : ''}`,
      );
    }
  }
  return out.join('\n') + '\n';
}
