/** Ctrl-C handling: the first SIGINT ends the current stage early and still reports. */
import { spawn } from 'child_process';
import { resultSchema } from '../../src/report/schema';
import { BIN } from './helpers';

/**
 * Start the CLI with --debug and send one SIGINT `delayMs` after it logs the start of `stage`
 * (a signal while it is still loading would kill it, which is not what is under test).
 */
function runAndInterrupt(args: string[], stage: RegExp, delayMs: number): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args, '--debug'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let sent = false;
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => {
      stderr += d;
      if (!sent && stage.test(stderr)) {
        sent = true;
        setTimeout(() => child.kill('SIGINT'), delayMs);
      }
    });
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

test('SIGINT during evaluation prints the partial estimate (marked) and exits 130', async () => {
  const r = await runAndInterrupt(
    ['integrate', 'x1*x2', '--dim', '2', '--method', 'uniform', '-n', '1e10', '--json'],
    /debug: evaluating/,
    500,
  );
  expect(r.code).toBe(130);
  const doc = resultSchema.parse(JSON.parse(r.stdout));
  expect(doc.interrupted).toBe(true);
  expect(doc.estimate.calls).toBeGreaterThan(0);
  expect(doc.estimate.calls).toBeLessThan(1e10);
  expect(Math.abs(doc.estimate.integral.mean - 0.25)).toBeLessThan(5 * doc.estimate.integral.sdev);
  expect(r.stderr).toMatch(/interrupt/);
}, 60000);

test('SIGINT during training ends training early, still evaluates, exits 130 like any interrupted run', async () => {
  // --target-rel-error is unreachable, so only the interrupt ends the 100000 epochs
  const r = await runAndInterrupt(
    [
      'integrate',
      'exp(-sum((x-0.5).^2)/0.04)',
      '--dim',
      '2',
      '--method',
      'flow',
      '--epochs',
      '100000',
      '--batch',
      '256',
      '-n',
      '5000',
      '--json',
    ],
    /debug: training/,
    1000,
  );
  expect(r.code).toBe(130);
  const doc = resultSchema.parse(JSON.parse(r.stdout));
  expect(doc.interrupted).toBe(false);
  expect(doc.training!.stopReason).toBe('interrupted');
  expect(doc.training!.epochs).toBeLessThan(100000);
  expect(doc.estimate.calls).toBe(5000);
  expect(doc.warnings.join(' ')).toMatch(/training interrupted/);
}, 60000);
