/**
 * Dimensions up to 128 (the i-flow paper's polynomial runs at d = 18, 54 and 96): J_min masks
 * condition every pair, and a d = 96 flow run estimates sum(x - x.^2) = d/6.
 */
import { buildMasks, minLayers } from '../../src/flow/masks';
import { gradientChunk } from '../../src/train/trainer';
import { resultSchema } from '../../src/report/schema';
import { run } from '../cli/helpers';

describe('dimensions up to 128', () => {
  test.each([96, 128])('J_min masks at d = %i condition every dimension on every other', (d) => {
    const masks = buildMasks(d);
    expect(masks).toHaveLength(minLayers(d));
    expect(minLayers(d)).toBe(14);
    for (let i = 0; i < d; i++) {
      for (let j = 0; j < d; j++) {
        if (i !== j) expect(masks.some((m) => m[i] && !m[j])).toBe(true);
      }
    }
  });

  test('gradient chunks shrink with the dimension (one pass stays within the wasm heap)', () => {
    expect(gradientChunk(64)).toBe(1024);
    expect(gradientChunk(128)).toBe(512);
    // about 2.3 MB per point at d = 128 (14 couplings): a chunk under 2 GiB
    expect(gradientChunk(128) * 2.3e6).toBeLessThan(2 ** 31);
  });

  test('--dim 128 is accepted, 129 is refused with the range', () => {
    const ok = run(['integrate', 'sum(x - x.^2)', '--dim', '128', '--method', 'uniform', '-n', '4000', '--json', '-q']);
    expect(ok.code).toBe(0);
    const doc = resultSchema.parse(JSON.parse(ok.stdout));
    expect(Math.abs(doc.estimate.integral.mean - 128 / 6)).toBeLessThan(4 * doc.estimate.integral.sdev);
    const bad = run(['integrate', 'x1', '--dim', '129']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--dim: must be at most 128 \(whole numbers from 1 to 128\)/);
  });

  test('a d = 96 flow estimates the paper polynomial sum(x - x.^2) = 16', () => {
    const r = run(
      [
        'integrate',
        'sum(x - x.^2)',
        '--dim',
        '96',
        '--method',
        'flow',
        '--epochs',
        '1',
        '--batch',
        '100',
        '-n',
        '1000',
        '--no-baseline',
        '--json',
        '-q',
      ],
      undefined,
      240000,
    );
    expect(r.code).toBe(0);
    const doc = resultSchema.parse(JSON.parse(r.stdout));
    expect(doc.flow?.layers).toBe(14);
    expect(doc.estimate.integral.sdev).toBeGreaterThan(0);
    expect(Math.abs(doc.estimate.integral.mean - 16)).toBeLessThan(4 * doc.estimate.integral.sdev);
  }, 240000);
});
