/**
 * The same seed gives the same numbers: a few fixed runs of each sampler (VEGAS+, a trained
 * flow on the map and bare, the auto method with an accuracy target, plain Monte Carlo, an
 * infinite domain) checked against their recorded numbers, so that a change of structure that
 * moves any estimate, error, call count or training loss fails here. Seconds (and the choice's reason, which quotes them) are left out.
 * To re-record after an intended change of numbers: npx jest test/integrate/same-numbers -u.
 */
import { run } from '../cli/helpers';

const CASES: Record<string, string[]> = {
  vegas: ['@gauss', '--dim', '4', '--method', 'vegas', '-n', '50000', '--seed', '3', '--event', 'x1 > 0.7'],
  'flow on the map': ['@camel', '--dim', '2', '--method', 'flow', '--epochs', '20', '--seed', '2', '-n', '20000', '--event', 'x1 > 0.5'],
  'bare flow, two slices, pwquad': [
    'exp(-3*x1*x2) + x3',
    '--dim',
    '3',
    '--method',
    'flow',
    '--epochs',
    '10',
    '--batch',
    '2000',
    '--threads',
    '2',
    '--spline',
    'pwquad',
    '--premap',
    'none',
    '-n',
    '10000',
    '--seed',
    '6',
  ],
  'auto to a target': ['@camel', '--dim', '4', '--rel-error', '3e-3', '--seed', '5', '--no-baseline'],
  uniform: ['sin(x1) * x2', '--dim', '2', '--method', 'uniform', '-n', '10000', '--seed', '4', '--iterations', '4'],
  'infinite domain': ['exp(-x1^2 - x2^2)', '--dim', '2', '--bounds=-inf:inf', '--method', 'vegas', '-n', '20000', '--seed', '7'],
};

/** The numbers of a result that a seed fixes: estimates, errors, calls, training losses. */
function seededNumbers(result: Record<string, unknown>): unknown {
  const keep = ['estimate', 'baseline', 'iterations', 'chi2', 'Q', 'calls', 'adaptation', 'target', 'choice', 'comparison'];
  const picked: Record<string, unknown> = {};
  for (const k of keep) picked[k] = result[k];
  const training = result.training as { finalLoss?: number; history?: unknown } | null | undefined;
  picked.training = training ? { finalLoss: training.finalLoss, history: training.history } : null;
  return JSON.parse(JSON.stringify(picked, (key, value) => (/seconds|time|^reason$/i.test(key) ? undefined : value)));
}

describe('fixed seeds give the recorded numbers', () => {
  for (const [name, args] of Object.entries(CASES)) {
    test(name, () => {
      const r = run(['integrate', ...args, '--json']);
      expect(r.code).toBe(0);
      expect(seededNumbers(JSON.parse(r.stdout))).toMatchSnapshot();
    });
  }
});
