/**
 * Integrable singularities end to end, against closed forms (fixed seeds, within 4 reported
 * standard errors): VEGAS through the power maps of src/singular.ts on x1^(-0.9), 1/|x|^2 in
 * d = 3 and Watson's integral; the same without the maps flagged; plain Monte Carlo (the
 * baseline, --method uniform) untouched by the maps; the slab below the next float at a
 * non-zero bound; the maps in the JSON result and the text report.
 */
import { integrateOptionsSchema } from '../../src/options';
import { prepareProblem, runIntegrate } from '../../src/integrate';
import { renderText } from '../../src/report/text';
import { resultSchema, type IntegrationResult } from '../../src/report/schema';

async function run(input: Record<string, unknown>): Promise<IntegrationResult> {
  const options = integrateOptionsSchema.parse({ backend: 'wasm', ...input });
  return resultSchema.parse(JSON.parse(JSON.stringify(await runIntegrate(prepareProblem(options)))));
}

const codes = (r: IntegrationResult) => r.estimate.verdict.reasons.map((x) => x.code);

// 1/|x|^2 over [0,1]^3 and Watson's integral Gamma(1/4)^4 / (4 pi^3)
const INVERSE_SQUARE = 1.918531055610933;
const WATSON = 1.3932039296856768;

describe('VEGAS through the power maps', () => {
  const cases: [string, string, number, string | undefined, number, number][] = [
    ['x1^(-0.9) in d = 1', 'x1^(-0.9)', 1, undefined, 10, 20000],
    ['1/|x|^2 in d = 3', '1/sum(x.^2)', 3, undefined, INVERSE_SQUARE, 50000],
    ["Watson's integral over [0, pi]^3", '1/(pi^3*(1-cos(x1)*cos(x2)*cos(x3)))', 3, '0:3.141592653589793', WATSON, 50000],
  ];
  test.each(cases)('%s: |pull| < 4 and reliable for seeds 1-3', async (_name, expression, dim, bounds, exact, samples) => {
    for (const seed of [1, 2, 3]) {
      const r = await run({ expression, dim, ...(bounds ? { bounds } : {}), method: 'vegas', samples, seed, baseline: false });
      const e = r.estimate.integral;
      expect(e.sdev).toBeGreaterThan(0);
      expect({ seed, pull: Math.abs(e.mean - exact) / e.sdev < 4 }).toEqual({ seed, pull: true });
      expect({ seed, reasons: codes(r) }).toEqual({ seed, reasons: [] });
      expect(r.reliable).toBe(true);
      expect(r.problem.maps?.every((a) => a.warp !== undefined)).toBe(true);
    }
  });

  test('without the maps (powerMap none) VEGAS on x1^(-0.9) misses mass at the face and says so', async () => {
    for (const seed of [1, 2, 3]) {
      const r = await run({ expression: 'x1^(-0.9)', dim: 1, method: 'vegas', samples: 20000, seed, baseline: false, powerMap: 'none' });
      expect(r.reliable).toBe(false);
      expect(codes(r)).toContain('boundary-mass');
      expect(r.problem.maps).toBeUndefined();
    }
  });
});

describe('plain Monte Carlo samples the user domain', () => {
  test('the uniform baseline and --method uniform give the same numbers with and without the maps', async () => {
    const common = { expression: 'x1^(-0.9)', dim: 1, samples: 20000, seed: 5 };
    const [bent, flat] = await Promise.all([run({ ...common, method: 'vegas' }), run({ ...common, method: 'vegas', powerMap: 'none' })]);
    expect(bent.problem.maps?.[0].warp?.at).toBe('lower');
    expect(bent.baseline).not.toBeNull();
    expect(bent.baseline!.integral).toEqual(flat.baseline!.integral);
    expect(bent.baseline).toEqual(flat.baseline);
    // and the main estimates differ: VEGAS samples through the map
    expect(bent.estimate.integral.mean).not.toBe(flat.estimate.integral.mean);

    const [u, v] = await Promise.all([run({ ...common, method: 'uniform' }), run({ ...common, method: 'uniform', powerMap: 'none' })]);
    expect(u.estimate).toEqual(v.estimate);
    expect(u.iterations).toEqual(v.iterations);
    // the uniform run's verdict sees its own heavy tail
    expect(u.reliable).toBe(false);
    expect(u.estimate.verdict.reasons.map((x) => x.code)).toContain('pareto-k');
    // and it neither probes for power maps nor reports any
    expect(u.problem.maps).toBeUndefined();
    expect(u.problem.pilotCalls).toBeUndefined();
    expect(renderText(u)).not.toMatch(/power maps/);
  });
});

describe('the slab below the next float at a non-zero bound', () => {
  test('(x1 - 1)^(-0.9) on [1, 2]: the slab between 1 and 1 + 2^-52 holds ~2.7% of the integral, and the estimate is unreliable', async () => {
    const r = await run({ expression: '(x1-1)^(-0.9)', dim: 1, bounds: '1:2', method: 'vegas', samples: 20000, seed: 1, baseline: false });
    expect(r.problem.maps).toEqual([{ kind: 'linear', origin: 1, scale: 1, warp: { at: 'lower', power: 10 } }]);
    expect(r.reliable).toBe(false);
    expect(codes(r)).toEqual(['boundary-mass']);
    const message = r.estimate.verdict.reasons[0].message;
    expect(message).toMatch(/toward x1 = 1 /);
    // h f(1 + h) = h^0.1 with h = 2^-52
    expect(message).toMatch(/slab of 2\.2e-16 of the axis there holds about 0\.027/);
    // the same integrand at 0, where the floats reach down to 2^-1074, is fine
    const atZero = await run({ expression: 'x1^(-0.9)', dim: 1, method: 'vegas', samples: 20000, seed: 1, baseline: false });
    expect(atZero.reliable).toBe(true);
  });
});

describe('the maps in the result and the text report', () => {
  test('x1^(-0.9): problem.maps carries the warp and pilotCalls the probe; the text report names it', async () => {
    const r = await run({ expression: 'x1^(-0.9)', dim: 1, method: 'vegas', samples: 5000, seed: 2 });
    expect(r.problem.maps).toEqual([{ kind: 'linear', origin: 0, scale: 1, warp: { at: 'lower', power: 10 } }]);
    expect(r.problem.pilotCalls).toBe(96);
    const text = renderText(r);
    const lines = text.split('\n').filter((l) => l.startsWith('power maps at integrable singularities'));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain('x1 at 0 (p = 10)');
  });

  test('a bent axis over [-1, 3] at both ends and a plain one: the report names the bounds of the bent axis only', async () => {
    const r = await run({ expression: '((x1+1)*(3-x1))^(-0.7) * x2', dim: 2, bounds: '-1:3,0:1', method: 'vegas', samples: 5000, seed: 2 });
    expect(r.problem.maps?.[0].warp?.at).toBe('both');
    expect(r.problem.maps?.[1]).toEqual({ kind: 'linear', origin: 0, scale: 1 });
    const line = renderText(r)
      .split('\n')
      .find((l) => l.startsWith('power maps at integrable singularities'));
    expect(line).toMatch(/: x1 at -1 and 3 \(p = 3\.5\)$/);
  });

  test('a smooth integrand on a finite box: no maps in the result and no such line', async () => {
    const r = await run({ expression: 'exp(-sum((x-0.5).^2)/0.04)', dim: 2, method: 'vegas', samples: 5000, seed: 2 });
    expect(r.problem.maps).toBeUndefined();
    expect(r.problem.pilotCalls).toBeUndefined();
    expect(renderText(r)).not.toMatch(/power maps/);
  });
});
