/**
 * Awkward integrands: each run gives a correct estimate (within 4 SE) or a clear error or
 * warning, and never a NaN in the report.
 */
import { resultSchema, type IntegrationResult } from '../../src/report/schema';
import { run as iflow } from './helpers';

const TRAIN = ['--epochs', '30', '--batch', '1000', '--lr', '1e-2', '-n', '20000', '--seed', '2'];

function runJson(expr: string, dim: number, extra: string[] = []): { doc: IntegrationResult; stderr: string } {
  const r = iflow(['integrate', expr, '--dim', String(dim), ...TRAIN, ...extra, '--json']);
  expect(r.code).toBe(0);
  expect(r.stdout).not.toMatch(/NaN|Infinity/);
  return { doc: resultSchema.parse(JSON.parse(r.stdout)), stderr: r.stderr };
}

function correctOrWarned(doc: IntegrationResult, exact: number): void {
  const e = doc.estimate.integral;
  const ok = e.sdev > 0 && Math.abs(e.mean - exact) < 4 * e.sdev;
  if (!ok) expect(doc.warnings.length).toBeGreaterThan(0);
}

describe('numerical faults', () => {
  test('NaN at some points: a clear error naming a point, exit 1, nothing on stdout', () => {
    const r = iflow(['integrate', 'x1 > 0.5 ? sqrt(-x1) : 1', '--dim', '2', ...TRAIN]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/integrand is NaN at x = \(0\.[5-9]\d*, [\d.]+\)/);
  });

  test('Inf at some points, uniform method: a clear error', () => {
    const r = iflow(['integrate', 'x1 > 0.9 ? 1/(x1 - x1) : 1', '--dim', '2', '--method', 'uniform', '-n', '1000']);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    // the uniform run is the estimate itself here, not a baseline
    expect(r.stderr).toMatch(/integrand is Infinity at x = .* during evaluation$/m);
  });

  test('--nan zero counts non-finite points as 0, estimates the rest and warns', () => {
    const { doc, stderr } = runJson('x1 > 0.5 ? sqrt(-x1) : 1', 2, ['--nan', 'zero']);
    expect(doc.estimate.nonFinite).toBeGreaterThan(0);
    const e = doc.estimate.integral;
    expect(Math.abs(e.mean - 0.5)).toBeLessThan(4 * e.sdev);
    expect(stderr).toMatch(/counted as 0/);
  });

  test('negative values (signed integrand): correct estimate of sin(2 pi x1) + 0.1', () => {
    const { doc } = runJson('sin(2*pi*x1) + 0.1', 2);
    const e = doc.estimate.integral;
    expect(Math.abs(e.mean - 0.1)).toBeLessThan(4 * e.sdev);
  });

  test('zero over 99.9% of the cube: correct within 4 SE or warned', () => {
    const { doc } = runJson('(x1 < 0.001) ? 1000 : 0', 2);
    correctOrWarned(doc, 1);
  });

  test('a single narrow spike: correct within 4 SE or warned', () => {
    const { doc } = runJson('(0.01*sqrt(pi))^(-2) * exp(-sum((x - 0.3).^2) / 0.01^2)', 2);
    correctOrWarned(doc, 1);
  });

  test('values of 1e300 and 1e-300 are estimated without overflow or underflow', () => {
    const big = runJson('1e300 * x1', 2).doc.estimate.integral;
    expect(Math.abs(big.mean - 5e299)).toBeLessThan(4 * big.sdev);
    expect(big.sdev).toBeGreaterThan(0);
    const tiny = runJson('1e-300 * x1', 2).doc.estimate.integral;
    expect(Math.abs(tiny.mean - 5e-301)).toBeLessThan(4 * tiny.sdev);
    expect(tiny.sdev).toBeGreaterThan(0);
  });

  test('a learning rate that makes training diverge is caught and reported, not silent', () => {
    const r = iflow([
      'integrate',
      'exp(-sum((x-0.5).^2)/0.0004)',
      '--dim',
      '2',
      '--method',
      'flow',
      '--epochs',
      '60',
      '--batch',
      '1000',
      '--lr',
      '1',
      '-n',
      '20000',
      '--json',
    ]);
    expect(r.code).toBe(0);
    const doc = resultSchema.parse(JSON.parse(r.stdout));
    expect(doc.warnings.join('\n')).toMatch(/diverged|got worse|non-finite|heavy-tailed/);
    correctOrWarned(doc, Math.PI * 0.0004 * 1); // area of the narrow gaussian, inside the cube
  });
});
