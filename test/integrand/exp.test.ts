/**
 * The inlinable exp used by kernels: agreement with Math.exp and its constants.
 */
import { EXP_REDUCTION, exp } from '../../src/integrand/special';
import { Rng } from '../../src/rng';

const ULP1 = 2 ** -52;

function relErr(a: number, b: number): number {
  return a === b ? 0 : Math.abs(a - b) / Math.abs(b);
}

/** ln2 * 2^bits as a BigInt, from ln2 = sum_{k>=1} 1 / (k 2^k). */
function ln2Scaled(bits: bigint): bigint {
  const one = 1n << bits;
  let s = 0n;
  for (let k = 1n; k < bits + 40n; k++) s += one / (k << k);
  return s;
}

describe('exp', () => {
  it('agrees with Math.exp to 2 ulp on random arguments over its whole range', () => {
    const rng = new Rng(99);
    let worst = 0;
    for (let i = 0; i < 150000; i++) {
      const x = -760 + 1480 * rng.next();
      worst = Math.max(worst, relErr(exp(x), Math.exp(x)));
    }
    for (let i = 0; i < 150000; i++) {
      const x = -40 * rng.next(); // the range of Gaussian integrands
      worst = Math.max(worst, relErr(exp(x), Math.exp(x)));
    }
    expect(worst).toBeLessThanOrEqual(2 * ULP1);
  });

  it('is accurate for tiny arguments and near table boundaries', () => {
    for (const x of [1e-300, -1e-300, 1e-17, 1e-9, -1e-9, Math.LN2 / 128, -Math.LN2 / 128, Math.LN2 / 64, Math.LN2, 1, -1]) {
      expect(relErr(exp(x), Math.exp(x))).toBeLessThanOrEqual(2 * ULP1);
    }
    for (let k = -2000; k <= 2000; k++) {
      const x = (k * Math.LN2) / 128;
      expect(relErr(exp(x), Math.exp(x))).toBeLessThanOrEqual(2 * ULP1);
    }
  });

  it('handles special values like Math.exp', () => {
    expect(exp(0)).toBe(1);
    expect(exp(-0)).toBe(1);
    expect(exp(Infinity)).toBe(Infinity);
    expect(exp(-Infinity)).toBe(0);
    expect(exp(NaN)).toBeNaN();
    expect(exp(710)).toBe(Infinity);
    expect(exp(-746)).toBe(0);
    expect(exp(-740)).toBe(Math.exp(-740)); // subnormal results come from Math.exp
    expect(relErr(exp(708.9), Math.exp(708.9))).toBeLessThanOrEqual(2 * ULP1);
    expect(relErr(exp(-707.9), Math.exp(-707.9))).toBeLessThanOrEqual(2 * ULP1);
  });

  it('splits ln2/64 exactly', () => {
    const { hi, lo, n } = EXP_REDUCTION;
    expect(n).toBe(64);
    // hi has at most 36 significant bits: k * hi is exact for |k| < 2^17.
    expect(Number.isInteger(hi * 2 ** 42)).toBe(true);
    expect(hi * 2 ** 42).toBeLessThan(2 ** 36);
    // hi + lo equals ln2/64 to far better than double precision.
    const bits = 200n;
    const target = ln2Scaled(bits) / 64n;
    const hiScaled = BigInt(hi * 2 ** 42) << (bits - 42n);
    const remainder = Number(target - hiScaled) / 2 ** Number(bits);
    expect(Math.abs(remainder - lo)).toBeLessThanOrEqual(Math.abs(lo) * ULP1);
  });
});
