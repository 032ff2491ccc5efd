/**
 * Seeded pseudo-random numbers in float64, independent of the tfjs backend.
 *
 * Generator: xoshiro128** (Blackman & Vigna), 32-bit state words, seeded through
 * splitmix32 from (seed, stream). Two 32-bit outputs make one double with 53
 * random bits in (0, 1). Streams give independent sequences for the same seed
 * (training, evaluation, baseline, ...).
 */

/** Named streams so that each stage of a run draws from its own sequence. */
export const Stream = {
  init: 1,
  train: 2,
  evaluate: 3,
  baseline: 4,
  sample: 5,
  /** Pilot run of `sample --unweighted` that sets the maximum weight. */
  pilot: 6,
  /** Accept-reject decisions of `sample --unweighted`. */
  accept: 7,
  /** Adaptation of the VEGAS map and strata. */
  adapt: 8,
  /** Timing samples of a new flow under --method auto. */
  probe: 9,
  /** Pilot run that chooses the centres and scales of infinite axes (src/domain.ts). */
  domain: 10,
  /** Probe of the faces of the cube for mass beyond the samplers' resolution. */
  boundary: 11,
} as const;

function splitmix32(state: { s: number }): number {
  state.s = (state.s + 0x9e3779b9) | 0;
  let z = state.s;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}

/**
 * Seeded xoshiro128** generator (Blackman & Vigna) with splitmix32 seeding from (seed, stream):
 * the same seed and stream give the same sequence on every platform and backend. Doubles are
 * uniform in (0, 1) with 53 random bits.
 */
export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(seed: number, stream = 0) {
    const st = { s: (Math.floor(seed) ^ Math.imul(stream + 1, 0x632be5ab)) | 0 };
    // Mix in the high bits of large seeds.
    st.s = (st.s + Math.floor(seed / 4294967296)) | 0;
    this.a = splitmix32(st);
    this.b = splitmix32(st);
    this.c = splitmix32(st);
    this.d = splitmix32(st);
    if ((this.a | this.b | this.c | this.d) === 0) this.a = 1;
  }

  /** Next unsigned 32-bit integer. */
  nextUint32(): number {
    const result = Math.imul(rotl(Math.imul(this.b, 5), 7), 9) >>> 0;
    const t = this.b << 9;
    this.c ^= this.a;
    this.d ^= this.b;
    this.b ^= this.c;
    this.a ^= this.d;
    this.c ^= t;
    this.d = rotl(this.d, 11);
    return result;
  }

  /** Uniform double in the open interval (0, 1). */
  next(): number {
    const hi = this.nextUint32() >>> 5; // 27 bits
    const lo = this.nextUint32() >>> 6; // 26 bits
    return (hi * 67108864 + lo + 0.5) / 9007199254740992;
  }

  /** Fill `out` with uniform doubles in (0, 1). */
  fill(out: Float64Array | Float32Array): typeof out {
    for (let i = 0; i < out.length; i++) out[i] = this.next();
    return out;
  }

  /** A seed for a sub-generator (e.g. weight initialisation of layer k). */
  int31(): number {
    return this.nextUint32() >>> 1;
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}
