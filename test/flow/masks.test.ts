import { buildMasks, maskIndices, minLayers } from '../../src/flow/masks';

describe('minLayers', () => {
  it('is d up to 5 and 2*ceil(log2 d) above', () => {
    const expected: Record<number, number> = {
      1: 1,
      2: 2,
      3: 3,
      4: 4,
      5: 5,
      6: 6,
      8: 6,
      9: 8,
      16: 8,
      17: 10,
      32: 10,
      33: 12,
      64: 12,
    };
    for (const [d, j] of Object.entries(expected)) expect(minLayers(Number(d))).toBe(j);
  });

  it('rejects non-positive or fractional dimensions', () => {
    expect(() => minLayers(0)).toThrow(RangeError);
    expect(() => minLayers(2.5)).toThrow(RangeError);
    expect(() => buildMasks(0)).toThrow(RangeError);
  });
});

describe('buildMasks', () => {
  for (let d = 1; d <= 64; d++) {
    it(`d=${d}: J_min layers with balanced, fully connecting masks`, () => {
      const masks = buildMasks(d);
      expect(masks).toHaveLength(minLayers(d));
      const counts = new Array<number>(d).fill(0);
      const seen = Array.from({ length: d }, () => new Array<boolean>(d).fill(false));
      for (const mask of masks) {
        expect(mask).toHaveLength(d);
        const transformed = maskIndices(mask, true);
        const kept = maskIndices(mask, false);
        expect(transformed.length).toBeGreaterThan(0);
        if (d > 1) expect(kept.length).toBeGreaterThan(0);
        for (const k of transformed) {
          counts[k]++;
          for (const i of kept) seen[i][k] = true;
        }
      }
      expect(new Set(counts).size).toBe(1);
      const missing: string[] = [];
      for (let i = 0; i < d; i++) {
        for (let k = 0; k < d; k++) if (i !== k && !seen[i][k]) missing.push(`${i}->${k}`);
      }
      expect(missing).toEqual([]);
    });
  }

  it('d <= 5 transforms one dimension per layer', () => {
    expect(buildMasks(3)).toEqual([
      [true, false, false],
      [false, true, false],
      [false, false, true],
    ]);
    expect(buildMasks(1)).toEqual([[true]]);
  });

  it('d > 5 uses bit masks followed by their complements', () => {
    const masks = buildMasks(6);
    expect(masks[0]).toEqual([false, true, false, true, false, true]);
    expect(masks[1]).toEqual([true, false, true, false, true, false]);
    expect(masks[2]).toEqual([false, false, true, true, false, false]);
    expect(masks[5]).toEqual([true, true, true, true, false, false]);
  });

  it('repeats the pattern cyclically for more layers', () => {
    const base = buildMasks(4);
    const more = buildMasks(4, 6);
    expect(more).toHaveLength(6);
    for (let j = 0; j < 6; j++) expect(more[j]).toEqual(base[j % 4]);
    // Copies, not shared rows.
    more[0][0] = false;
    expect(buildMasks(4, 6)[0][0]).toBe(true);
  });

  it('refuses fewer than J_min layers unless forced', () => {
    expect(() => buildMasks(8, 4)).toThrow(/minimum 6/);
    expect(buildMasks(8, 4, true)).toEqual(buildMasks(8).slice(0, 4));
    expect(() => buildMasks(3, 0, true)).toThrow(RangeError);
  });
});
