import fs from 'fs';
import path from 'path';

const SRC = path.resolve(__dirname, '..', 'src');
const CLI = path.join(SRC, 'cli');
const PRINTING = /console\.(log|error|warn)|process\.(stdout|stderr)\.write/;

/** Every .ts file under dir, recursively. */
function sources(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return sources(p);
    return e.name.endsWith('.ts') ? [p] : [];
  });
}

describe('layout of src', () => {
  test('only src/cli prints: no console.log/error/warn or process.stdout/stderr.write elsewhere', () => {
    const printing = sources(SRC)
      .filter((f) => !f.startsWith(CLI + path.sep))
      .filter((f) => PRINTING.test(fs.readFileSync(f, 'utf8')))
      .map((f) => path.relative(SRC, f));
    expect(printing).toEqual([]);
  });
});
