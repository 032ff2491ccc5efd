import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { OptionError, UsageError } from '../../src/errors';
import { compileIntegrand, erf } from '../../src/integrand';
import {
  IntegrandLibrary,
  integrandsDir,
  isIntegrandRef,
  listIntegrands,
  loadIntegrandDir,
  resolveIntegrand,
  formatDims,
  expandIntegrandRef,
  type ProblemOptionsLike,
} from '../../src/integrands';
import { Rng } from '../../src/rng';
import { buildProblem } from '../../src/problem';
import { runUniform } from '../../src/estimate/evaluate';
import { emptyMoments, integralEstimate } from '../../src/estimate/stats';
import anchors from '../../src/bench/anchors.json';

/** Mean and standard error of plain uniform Monte Carlo with n points. */
function uniformMc(expr: string, dim: number, params: Record<string, number>, n: number, seed: number) {
  const f = compileIntegrand(expr, { dim, params });
  const rng = new Rng(seed, 7);
  const chunk = 65536;
  const pts = new Float64Array(chunk * dim);
  const out = new Float64Array(chunk);
  let s = 0;
  let s2 = 0;
  for (let done = 0; done < n; done += chunk) {
    const m = Math.min(chunk, n - done);
    for (let i = 0; i < m * dim; i++) pts[i] = rng.next();
    f.evaluate(pts, m, out);
    for (let i = 0; i < m; i++) {
      s += out[i];
      s2 += out[i] * out[i];
    }
  }
  const mean = s / n;
  const variance = Math.max(0, s2 / n - mean * mean);
  return { mean, se: Math.sqrt(variance / (n - 1)) };
}

/** Midpoint rule on a k^d grid (d = 1 or 2). */
function midpointGrid(expr: string, dim: number, params: Record<string, number>, k: number): number {
  const f = compileIntegrand(expr, { dim, params });
  const h = 1 / k;
  if (dim === 1) {
    const pts = Float64Array.from({ length: k }, (_, i) => (i + 0.5) * h);
    const out = new Float64Array(k);
    f.evaluate(pts, k, out);
    return out.reduce((a, b) => a + b, 0) * h;
  }
  const pts = new Float64Array(2 * k);
  const out = new Float64Array(k);
  let s = 0;
  for (let i = 0; i < k; i++) {
    for (let j = 0; j < k; j++) {
      pts[2 * j] = (i + 0.5) * h;
      pts[2 * j + 1] = (j + 0.5) * h;
    }
    f.evaluate(pts, k, out);
    for (let j = 0; j < k; j++) s += out[j];
  }
  return s * h * h;
}

/** Gauss-Legendre nodes and weights on [-1, 1] by Newton iteration on P_n. */
function gaussLegendre(n: number): { x: number[]; w: number[] } {
  const x: number[] = [];
  const w: number[] = [];
  for (let i = 1; i <= n; i++) {
    let t = Math.cos((Math.PI * (i - 0.25)) / (n + 0.5));
    let dp = 1;
    for (let it = 0; it < 100; it++) {
      let p0 = 1;
      let p1 = t;
      for (let k = 2; k <= n; k++) [p0, p1] = [p1, ((2 * k - 1) * t * p1 - (k - 1) * p0) / k];
      dp = (n * (t * p1 - p0)) / (t * t - 1);
      const dt = p1 / dp;
      t -= dt;
      if (Math.abs(dt) < 1e-16) break;
    }
    x.push(t);
    w.push(2 / ((1 - t * t) * dp * dp));
  }
  return { x, w };
}

/** Composite 20-point Gauss-Legendre on [0, 1] with panels graded geometrically toward both ends. */
function gradedRule(levels: number): { x: number[]; w: number[] } {
  const cuts = new Set<number>([0, 0.5, 1]);
  for (let k = 1; k <= levels; k++) {
    cuts.add(0.5 ** (k + 1));
    cuts.add(1 - 0.5 ** (k + 1));
  }
  const edges = [...cuts].sort((a, b) => a - b);
  const gl = gaussLegendre(20);
  const x: number[] = [];
  const w: number[] = [];
  for (let p = 0; p + 1 < edges.length; p++) {
    const [a, b] = [edges[p], edges[p + 1]];
    gl.x.forEach((t, i) => {
      x.push(a + ((b - a) * (t + 1)) / 2);
      w.push((gl.w[i] * (b - a)) / 2);
    });
  }
  return { x, w };
}

describe('integrand library files', () => {
  const entries = loadIntegrandDir(integrandsDir());

  test('every file in integrands/ loads and validates', () => {
    const files = fs.readdirSync(integrandsDir()).filter((f) => f.endsWith('.json'));
    expect(entries.map((e) => `${e.name}.json`).sort()).toEqual(files.sort());
    for (const name of ['gauss', 'camel', 'circles', 'annulus', 'narrow_gauss', 'poly', 'triangle']) {
      expect(entries.map((e) => e.name)).toContain(name);
    }
    for (const e of entries) {
      expect(e.source.length).toBeGreaterThan(10);
      expect(e.exact).toBeDefined();
    }
  });

  test('listIntegrands is cached and sorted by name', () => {
    const a = listIntegrands();
    expect(a.map((e) => e.name)).toEqual([...a.map((e) => e.name)].sort());
    expect(listIntegrands()[0]).toBe(a[0]);
  });

  test('exact values of the anchor suite cases match suite.json to 1e-12', () => {
    const cases = Object.entries(anchors.cases);
    expect(cases.length).toBe(11);
    for (const [id, c] of cases) {
      const name = id.startsWith('narrow_gauss') ? 'narrow_gauss' : c.family;
      const r = resolveIntegrand(`@${name}`, c.d, c.params as Record<string, number>);
      expect(r.exact).toBeDefined();
      expect(Math.abs((r.exact as number) - c.exact)).toBeLessThanOrEqual(1e-12 * Math.max(1, Math.abs(c.exact)));
      expect(r.exactUncertainty).toBe(c.exactUncertainty);
    }
  });

  // [name, dim, method, arg]: "grid": midpoint rule on 1000^2 points (1e5 in 1-d), arg = relative tolerance;
  // "mc": plain uniform Monte Carlo with a fixed seed, arg = points, within 4 standard errors
  const checks: [string, number, 'grid' | 'mc', number][] = [
    ['gauss', 1, 'grid', 1e-9],
    ['gauss', 2, 'grid', 1e-6],
    ['gauss', 4, 'mc', 1e5],
    ['gauss', 8, 'mc', 1e5],
    ['narrow_gauss', 2, 'grid', 1e-8],
    ['narrow_gauss', 3, 'mc', 1e5],
    ['camel', 2, 'grid', 2e-6],
    ['camel', 4, 'mc', 1e5],
    ['camel', 8, 'mc', 1e5],
    ['poly', 1, 'grid', 1e-9],
    ['poly', 3, 'mc', 5e4],
    ['poly', 16, 'mc', 2e4],
    ['circles', 2, 'grid', 1e-4],
    ['annulus', 2, 'grid', 5e-4],
    ['triangle', 2, 'grid', 1e-4],
  ];
  test.each(checks)('@%s at d = %d agrees with its exact value (%s)', (name, dim, method, arg) => {
    const r = resolveIntegrand(`@${name}`, dim);
    const exact = r.exact as number;
    if (method === 'grid') {
      const v = midpointGrid(r.expression, dim, r.defaults, dim === 1 ? 100000 : 1000);
      expect(Math.abs(v - exact)).toBeLessThanOrEqual(arg * Math.abs(exact));
    } else {
      const { mean, se } = uniformMc(r.expression, dim, r.defaults, arg, 12345);
      expect(se).toBeGreaterThan(0);
      expect(Math.abs(mean - exact)).toBeLessThanOrEqual(4 * se);
    }
  });

  // integrands with their own (infinite) domain: plain Monte Carlo through the domain maps
  const domainChecks: [string, number, Record<string, number>][] = [
    ['normal', 1, {}],
    ['normal', 3, { mu: 20, sigma: 2 }],
    ['cauchy', 1, {}],
    ['cauchy', 2, { c: -5, gamma: 3 }],
    ['exp_decay', 1, {}],
    ['exp_decay', 2, { tau: 2.5 }],
  ];
  test.each(domainChecks)('@%s at d = %d %j over its own domain agrees with its exact value', async (name, dim, params) => {
    const e = expandIntegrandRef<ProblemOptionsLike>({
      expression: `@${name}`,
      dim,
      param: Object.entries(params).map(([k, v]) => `${k}=${v}`),
    });
    expect(e.options.bounds?.length).toBe(dim);
    expect(e.options.bounds?.some(([lo, hi]) => !Number.isFinite(lo) || !Number.isFinite(hi))).toBe(true);
    const exact = e.integrand?.exact as number;
    expect(exact).toBeDefined();
    const problem = buildProblem({ expression: e.options.expression, dim, bounds: e.options.bounds, defaults: e.defaults, seed: 4 });
    const m = await runUniform(problem, 40000, new Rng(4, 3), emptyMoments(dim, 0), 'error');
    const est = integralEstimate(m);
    expect(Math.abs(est.mean - exact)).toBeLessThanOrEqual(4 * est.sdev);
    // the domain is the integrand's: giving it again keeps the exact value, another drops it
    const same = expandIntegrandRef<ProblemOptionsLike>({ expression: `@${name}`, dim, param: [], bounds: [e.options.bounds![0]] });
    expect(same.integrand?.exact).toBeDefined();
    const other = expandIntegrandRef<ProblemOptionsLike>({ expression: `@${name}`, dim, param: [], bounds: [[0, 1]] });
    expect(other.integrand?.exact).toBeUndefined();
  });

  test('every integrand is covered by a check above', () => {
    const checked = new Set([...checks.map((c) => c[0]), ...domainChecks.map((c) => c[0])]);
    for (const e of entries) expect(checked.has(e.name)).toBe(true);
  });

  test('triangle: the closed form agrees with a graded Gauss-Legendre quadrature', () => {
    const { x, w } = gradedRule(30);
    for (const [m, Q2] of [
      [1, 100],
      [1, 10],
      [0.5, 3],
    ]) {
      let s = 0;
      for (let i = 0; i < x.length; i++) {
        let inner = 0;
        for (let j = 0; j < x.length; j++) inner += w[j] / (m * m + Q2 * x[i] * (1 - x[i]) * x[j]);
        s += w[i] * (1 - x[i]) * inner;
      }
      const r = resolveIntegrand('@triangle', 2, { m, Q2 });
      expect(Math.abs(s - (r.exact as number))).toBeLessThanOrEqual(1e-11 * s);
    }
  });
});

describe('resolveIntegrand', () => {
  test('before the library is listed, @name reads only its own file; an unknown name reads them all', () => {
    const expected = resolveIntegrand('@camel', 4);
    jest.isolateModules(() => {
      // the fs module itself (the namespace import above is a frozen copy of its bindings)
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const spy = jest.spyOn(require('fs') as typeof fs, 'readFileSync');
      try {
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        const lib = require('../../src/integrands/library') as typeof import('../../src/integrands/library');
        const dir = lib.integrandsDir();
        const readFromLibrary = () => spy.mock.calls.map((c) => String(c[0])).filter((f) => f.startsWith(dir));
        expect(lib.resolveIntegrand('@camel', 4)).toEqual(expected);
        expect(readFromLibrary()).toEqual([path.join(dir, 'camel.json')]);
        let hint: string | undefined;
        try {
          lib.resolveIntegrand('@camle');
        } catch (err) {
          hint = (err as UsageError).hint;
        }
        expect(hint).toMatch(/did you mean @camel/);
        expect(readFromLibrary().length).toBe(1 + fs.readdirSync(dir).filter((f) => f.endsWith('.json')).length);
      } finally {
        spy.mockRestore();
      }
    });
  });

  test('defaults include dim and the overrides; exact follows the parameters', () => {
    const r = resolveIntegrand('@gauss', 8, { alpha: 0.1 });
    expect(r.dim).toBe(8);
    expect(r.defaults).toEqual({ alpha: 0.1, dim: 8 });
    // erf(5)^8 = 1 - 8 erfc(5) + O(erfc^2), erfc(5) = 1.5374597944e-12
    expect(r.exact).toBeCloseTo(1 - 8 * 1.5374597944e-12, 14);
    const d = resolveIntegrand('@camel');
    expect(d.dim).toBe(4);
    expect(d.defaults).toEqual({ alpha: 0.2, dim: 4 });
    expect(resolveIntegrand('poly', 3, { c: 1 }).exact).toBeCloseTo(3 / 12 + 2.5 ** 2, 14);
  });

  test('a numeric exact value holds only at the default parameters', () => {
    expect(resolveIntegrand('@circles', 2, { w: 250 }).exact).toBe(0.013684776724938);
    const r = resolveIntegrand('@circles', 2, { w: 200 });
    expect(r.exact).toBeUndefined();
    expect(r.exactMissing).toMatch(/default parameters/);
  });

  test('exactRequires drops the exact value outside its range', () => {
    const r = resolveIntegrand('@annulus', 2, { r_outer: 0.6 });
    expect(r.exact).toBeUndefined();
    expect(r.exactMissing).toMatch(/r_outer <= 0.5/);
  });

  test('unknown names list the known ones', () => {
    expect(() => resolveIntegrand('@nope')).toThrow(UsageError);
    try {
      resolveIntegrand('@nope');
    } catch (e) {
      expect((e as UsageError).message).toBe('unknown integrand "@nope"');
      expect((e as UsageError).hint).toMatch(/@camel/);
      expect((e as UsageError).hint).toMatch(/@triangle/);
    }
  });

  test('a dimension that is not allowed, an unknown parameter, or dim as a parameter', () => {
    expect(() => resolveIntegrand('@circles', 3)).toThrow(/not defined for dim 3/);
    expect(() => resolveIntegrand('@gauss', 65)).toThrow(/not defined for dim 65/);
    expect(() => resolveIntegrand('@gauss', 4, { alhpa: 1 })).toThrow(/no parameter "alhpa"/);
    expect(() => resolveIntegrand('@gauss', 4, { dim: 4 })).toThrow(/set by dim, not by param/);
    // the core names the options; a front end spells them as its flags
    try {
      resolveIntegrand('@gauss', 4, { dim: 4 });
    } catch (e) {
      expect(e).toBeInstanceOf(OptionError);
      expect((e as OptionError).format((name) => `--${name}`)).toEqual({
        message: '@gauss: "dim" is set by --dim, not by --param',
        hint: 'use --dim 4',
      });
    }
  });

  test('isIntegrandRef and formatDims', () => {
    expect(isIntegrandRef('@camel')).toBe(true);
    expect(isIntegrandRef(' @narrow_gauss ')).toBe(true);
    expect(isIntegrandRef('camel')).toBe(false);
    expect(isIntegrandRef('@x1 + 1')).toBe(false);
    expect(formatDims([2])).toBe('2');
    expect(formatDims({ min: 1, max: 64 })).toBe('1-64');
  });
});

describe('expandIntegrandRef', () => {
  test('replaces @name by the expression, the dimension and the parameters', () => {
    const e = expandIntegrandRef({ expression: '@camel', dim: 8, param: ['alpha=0.1'], seed: 3 });
    expect(e.options).toEqual({ expression: resolveIntegrand('@camel').expression, dim: 8, param: [], seed: 3 });
    expect(e.defaults).toEqual({ alpha: 0.1, dim: 8 });
    expect(e.integrand?.exact).toBeCloseTo((0.5 * (erf(1 / 0.3) + erf(2 / 0.3))) ** 8, 10);
    const d = expandIntegrandRef<ProblemOptionsLike>({ expression: '@circles', param: [] });
    expect(d.options.dim).toBe(2);
    expect(d.integrand?.exact).toBe(0.013684776724938);
  });

  test('plain expressions pass through; --bounds drops the exact value', () => {
    const o = { expression: 'x1 + @', dim: 2, param: ['a=1'] };
    expect(expandIntegrandRef(o)).toEqual({ options: o });
    const b = expandIntegrandRef({ expression: '@gauss', dim: 2, param: [], bounds: [[-1, 1]] });
    expect(b.integrand?.exact).toBeUndefined();
    expect(b.integrand?.exactMissing).toMatch(/--bounds/);
  });

  test('bad --param text and unknown parameters are usage errors', () => {
    expect(() => expandIntegrandRef({ expression: '@gauss', param: ['alpha'] })).toThrow(UsageError);
    expect(() => expandIntegrandRef({ expression: '@gauss', param: ['beta=1'] })).toThrow(/no parameter "beta"/);
  });
});

describe('malformed library files', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'iflow-integrands-'));
  });
  afterEach(() => {
    fs.rmSync(dir, { recursive: true, force: true });
  });
  const good = {
    name: 'ok',
    description: 'test',
    expression: 'sum(x)',
    dims: { min: 1, max: 4 },
    defaultDim: 2,
    params: {},
    exact: 'dim/2',
    source: 'elementary',
  };
  const write = (file: string, content: unknown) =>
    fs.writeFileSync(path.join(dir, file), typeof content === 'string' ? content : JSON.stringify(content));
  const expectFileError = (file: string, pattern: RegExp) => {
    let err: unknown;
    try {
      loadIntegrandDir(dir);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(UsageError);
    expect((err as Error).message).toContain(path.join(dir, file));
    expect((err as Error).message).toMatch(pattern);
  };

  test('a valid file loads and resolves', () => {
    write('ok.json', good);
    const lib = new IntegrandLibrary(loadIntegrandDir(dir));
    expect(lib.resolve('@ok', 3).exact).toBe(1.5);
  });
  test('invalid JSON', () => {
    write('bad.json', '{ "name": ');
    expectFileError('bad.json', /not valid JSON/);
  });
  test('schema violations', () => {
    write('ok.json', { ...good, defaultDim: 'two' });
    expectFileError('ok.json', /defaultDim/);
  });
  test('unknown keys', () => {
    write('ok.json', { ...good, exakt: 1 });
    expectFileError('ok.json', /exakt/);
  });
  test('name differs from the file name', () => {
    write('other.json', good);
    expectFileError('other.json', /differs from the file name/);
  });
  test('defaultDim outside dims', () => {
    write('ok.json', { ...good, defaultDim: 5 });
    expectFileError('ok.json', /defaultDim 5/);
  });
  test('reserved parameter names', () => {
    write('ok.json', { ...good, params: { dim: { default: 1 } } });
    expectFileError('ok.json', /"dim" cannot be a parameter/);
    write('ok.json', { ...good, params: { pi: { default: 1 } } });
    expectFileError('ok.json', /built-in constant/);
  });
  test('syntax errors and exact values that do not evaluate', () => {
    write('ok.json', { ...good, expression: 'sum(x' });
    expectFileError('ok.json', /expression: syntax error/);
    write('ok.json', { ...good, exact: 'beta * 2' });
    expectFileError('ok.json', /exact: cannot be evaluated/);
  });
  test('a missing folder', () => {
    expect(() => loadIntegrandDir(path.join(dir, 'missing'))).toThrow(/cannot be read/);
  });
});
