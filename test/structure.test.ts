/**
 * The module graph of README's design notes, checked against the imports of src/: data flows
 * from the CLI through the core options, the problem, the samplers and the estimators to the
 * result and its reports, and no module reaches back up.
 */
import fs from 'fs';
import path from 'path';

const SRC = path.resolve(__dirname, '../src');

/** Every .ts file under src/, relative to src/. */
function sources(dir = SRC): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return sources(p);
    return e.name.endsWith('.ts') ? [path.relative(SRC, p)] : [];
  });
}

/** The part of src/ a file belongs to: its folder, or its own name for a top-level file. */
function partOf(file: string): string {
  const [first, ...rest] = file.split(path.sep);
  return rest.length > 0 ? first : first.replace(/\.ts$/, '');
}

/** The parts of src/ that `file` imports (static imports, re-exports and dynamic imports). */
function importedParts(file: string): Set<string> {
  const text = fs.readFileSync(path.join(SRC, file), 'utf8');
  const out = new Set<string>();
  for (const m of text.matchAll(/(?:from\s+|import\s*\(?\s*)'(\.{1,2}\/[^']+)'/g)) {
    const target = path.relative(SRC, path.resolve(path.dirname(path.join(SRC, file)), m[1]));
    if (target.startsWith('..')) continue;
    out.add(partOf(target.endsWith('.ts') ? target : `${target}.ts`));
  }
  out.delete(partOf(file));
  return out;
}

const FILES = sources();
const GRAPH = new Map<string, Set<string>>();
for (const f of FILES) {
  const part = partOf(f);
  const set = GRAPH.get(part) ?? new Set<string>();
  for (const p of importedParts(f)) set.add(p);
  GRAPH.set(part, set);
}

/** The parts each part may import (beyond itself); parts not listed here may import anything but cli. */
const ALLOWED: Record<string, string[]> = {
  errors: [],
  version: [],
  rng: [],
  jsonFile: ['errors'],
  numbers: [],
  integrand: ['errors', 'numbers'],
  flow: ['errors', 'rng'],
  domain: ['integrand', 'rng'],
  singular: ['domain', 'integrand', 'rng'],
  problem: ['domain', 'errors', 'integrand', 'observables', 'singular'],
  sampling: ['errors', 'problem'],
  vegas: ['errors', 'estimate', 'observables', 'problem', 'rng', 'sampling'],
  train: ['flow', 'options', 'problem', 'report', 'rng', 'sampling', 'workers'],
  estimate: ['domain', 'errors', 'flow', 'integrand', 'observables', 'problem', 'report', 'rng', 'sampling'],
  report: ['estimate', 'jsonFile'],
};

describe('module graph', () => {
  test('the parse finds the graph (a guard against a test that checks nothing)', () => {
    expect(FILES.length).toBeGreaterThan(80);
    expect(GRAPH.get('cli')?.has('integrate')).toBe(true);
    expect(GRAPH.get('integrate')?.has('stages')).toBe(true);
  });

  test('nothing outside src/cli imports src/cli', () => {
    const offenders = [...GRAPH].filter(([part, deps]) => part !== 'cli' && deps.has('cli')).map(([part]) => part);
    expect(offenders).toEqual([]);
  });

  test('the core never imports the benchmarks (only cli and bench itself do)', () => {
    const offenders = [...GRAPH].filter(([part, deps]) => part !== 'cli' && deps.has('bench')).map(([part]) => part);
    expect(offenders).toEqual([]);
  });

  test('only src/cli prints: no console.log/error/warn or process.stdout/stderr.write elsewhere', () => {
    const printing = FILES.filter((f) => partOf(f) !== 'cli').filter((f) =>
      /console\.(log|error|warn)|process\.(stdout|stderr)\.write/.test(fs.readFileSync(path.join(SRC, f), 'utf8')),
    );
    expect(printing).toEqual([]);
  });

  test('train and estimate do not import each other', () => {
    expect(GRAPH.get('train')?.has('estimate')).toBe(false);
    expect(GRAPH.get('estimate')?.has('train')).toBe(false);
  });

  test.each(Object.entries(ALLOWED))('%s imports only %j', (part, allowed) => {
    const deps = [...(GRAPH.get(part) ?? [])].filter((d) => !allowed.includes(d)).sort();
    expect(deps).toEqual([]);
  });
});
