/**
 * Number formatting for reports: estimates in the compact vegas/gvar style 1.0057(64),
 * where the digits in parentheses are the standard error in units of the last digits shown.
 */

/** Format mean ± sdev as "1.0057(64)" with two significant digits of sdev. */
export function formatEstimate(mean: number, sdev: number): string {
  if (!Number.isFinite(mean)) return String(mean);
  if (!Number.isFinite(sdev)) return `${formatNumber(mean)}(inf)`;
  if (sdev === 0) return `${formatNumber(mean)}(0)`;
  const mag = Math.max(Math.abs(mean), sdev);
  const sci = mag >= 1e6 || mag < 1e-4;
  let exp10 = 0;
  let m = mean;
  let s = sdev;
  if (sci) {
    exp10 = Math.floor(Math.log10(mag));
    m = shift10(mean, exp10);
    s = shift10(sdev, exp10);
  }
  let decimals = 1 - Math.floor(Math.log10(s));
  let digits = Math.round(s * 10 ** decimals);
  if (digits >= 100) {
    decimals -= 1;
    digits = Math.round(s * 10 ** decimals);
  }
  let body: string;
  if (decimals > 0) {
    body = `${m.toFixed(decimals)}(${digits})`;
  } else {
    // sdev >= 10 (in the mantissa scale): whole numbers, error written in full
    body = `${Math.round(m)}(${Math.round(s)})`;
  }
  return sci ? `${body}e${exp10 < 0 ? '-' : '+'}${String(Math.abs(exp10)).padStart(2, '0')}` : body;
}

/**
 * x / 10^e without overflow or loss of digits: 10^e is subnormal below e = -307 and infinite
 * above 308, so large shifts go in two steps.
 */
function shift10(x: number, e: number): number {
  if (e < -300) return x * 1e300 * 10 ** (-e - 300);
  if (e > 300) return x / 1e300 / 10 ** (e - 300);
  return x / 10 ** e;
}

/** A plain number with up to `sig` significant digits, scientific for very small/large values. */
export function formatNumber(x: number, sig = 6): string {
  if (!Number.isFinite(x)) return String(x);
  if (x === 0) return '0';
  const a = Math.abs(x);
  if (a >= 1e6 || a < 1e-4) return x.toExponential(sig - 1).replace(/\.?0+e/, 'e');
  return String(Number(x.toPrecision(sig)));
}

/** Seconds with a sensible number of digits. */
export function formatSeconds(s: number): string {
  if (s < 1) return `${(s * 1000).toFixed(0)} ms`;
  if (s < 100) return `${s.toFixed(2)} s`;
  return `${s.toFixed(0)} s`;
}

/** Left-aligned text table with a header row and a rule under it. */
export function renderTable(header: string[], rows: string[][], align?: ('l' | 'r')[]): string {
  const widths = header.map((h, j) => Math.max(h.length, ...rows.map((r) => (r[j] ?? '').length)));
  const pad = (cell: string, j: number) => ((align?.[j] ?? 'l') === 'r' ? cell.padStart(widths[j]) : cell.padEnd(widths[j]));
  const line = (r: string[]) =>
    r
      .map((c, j) => pad(c ?? '', j))
      .join('  ')
      .trimEnd();
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}
