/**
 * The map from the unit cube to the user's domain, axis by axis, with its Jacobian.
 *
 * Every sampler draws u in (0,1)^d (uniformly or from a flow) and weighs the point
 * x = phi(u) by f(x) |det dphi/du| / q(u). Each axis has its own map:
 *
 *   [lo, hi]      linear  x = lo + (hi - lo) u                  dx/du = hi - lo
 *   [lo, +inf)    upper   x = lo + s u / (1 - u)                dx/du = s / (1 - u)^2
 *   (-inf, hi]    lower   x = hi - s (1 - u) / u                dx/du = s / u^2
 *   (-inf, +inf)  tan     x = c + s tan(pi (u - 1/2))           dx/du = pi s (1 + ((x - c)/s)^2)
 *
 * The infinite maps are the rational substitutions of the quadrature texts (e.g. Press et al.,
 * Numerical Recipes, 3rd ed., sec. 4.5; the tan map is the inverse CDF of a Cauchy distribution
 * of centre c and scale s). A uniform u becomes a density 1/(dx/du) in x with tails ~ s/x^2,
 * heavier than those of almost every integrable f, so the weight f dx/du stays bounded for any
 * f = O(1/x^2) and has a finite variance for f = o(|x|^(-3/2)); maps with exponential tails
 * (x = log(u/(1-u))) turn power-law integrands into singular weights. Integrands with tails
 * between |x|^-1 and |x|^-3/2 still give an integrable singularity at the cube's edge and
 * heavy-tailed weights, which the estimate's weight diagnostics report.
 *
 * The centre c and scale s of the infinite maps are given (`--scale`, centre 0 or the finite
 * end) or chosen from a pilot run of the integrand (`pilotAxisMaps`): the median of |f| along
 * the axis and half its interquartile range, the centre and scale of the Cauchy with the same
 * quartiles; for a half-line the median distance from the finite end, where the map puts
 * u = 1/2.
 *
 * u exactly 0 or 1 (a flow's float32 output can round there) would put x at infinity, so u is
 * first clamped to [2^-53, 1 - 2^-53], the range of the float64 random numbers: x and the
 * Jacobian stay finite and the move is below the resolution of any sampler.
 */
import type { CompiledExpression } from './integrand';
import { Rng, Stream } from './rng';

/**
 * Kind of an axis map: finite interval, half-lines [lo, inf) and (-inf, hi], or the real line (see the module comment).
 */
export type AxisMapKind = 'linear' | 'upper' | 'lower' | 'tan';

/**
 * Where a power map bends an axis of the unit cube (src/singular.ts): toward u = 0 ('lower'),
 * u = 1 ('upper') or both ends, with the exponent p >= 1.
 *
 *   lower  v = u^p                          dv/du = p u^(p-1)
 *   upper  v = 1 - (1 - u)^p                dv/du = p (1 - u)^(p-1)
 *   both   v = u^p / (u^p + (1 - u)^p)      dv/du = p u^(p-1) (1 - u)^(p-1) / (u^p + (1 - u)^p)^2
 *
 * A uniform u then puts a density ~ t^(1/p - 1) on the distance t of v from the bent end: an
 * integrand ~ t^e there (e > -1) becomes ~ s^(p (1 + e) - 1) in the distance s of u, bounded
 * for p >= 1/(1 + e) (the variable transformations that remove endpoint singularities in
 * quadrature; P. J. Davis and P. Rabinowitz, Methods of Numerical Integration, 2nd ed., sec.
 * 2.12; A. Sidi, Practical Extrapolation Methods, ch. 25).
 */
export interface AxisWarp {
  at: 'lower' | 'upper' | 'both';
  power: number;
}

/** The map of one axis: see the module comment. All numbers finite, scale > 0. */
export interface AxisMap {
  kind: AxisMapKind;
  /** lo for linear and upper, hi for lower, the centre c for tan. */
  origin: number;
  /** hi - lo for linear, s otherwise. */
  scale: number;
  /** A power map applied to u before the axis map (an integrable singularity at an end); absent: none. */
  warp?: AxisWarp;
}

/** Smallest distance of u from 0 and 1 after clamping (the float64 RNG's range). */
export const U_EDGE = 2 ** -53;
/** Points of each pilot round; each round starts from the maps the previous one chose. */
const PILOT_POINTS = 2500;
/** Pilot rounds that choose the centres and scales of infinite axes. */
const PILOT_ROUNDS = 4;
/** Effective sample size of a pilot round below which its quartiles do not set a scale. */
const PILOT_MIN_ESS = 50;

/** The kind of map an interval [lo, hi] (either end may be infinite) needs. */
export function axisKind(lo: number, hi: number): AxisMapKind {
  if (Number.isFinite(lo)) return Number.isFinite(hi) ? 'linear' : 'upper';
  return Number.isFinite(hi) ? 'lower' : 'tan';
}

/** The map of [lo, hi] with scale s (ignored for a finite interval) and centre 0 for the real line. */
export function defaultAxisMap(lo: number, hi: number, s = 1): AxisMap {
  const kind = axisKind(lo, hi);
  if (kind === 'linear') return { kind, origin: lo, scale: hi - lo };
  if (kind === 'upper') return { kind, origin: lo, scale: s };
  if (kind === 'lower') return { kind, origin: hi, scale: s };
  return { kind, origin: 0, scale: s };
}

/** The map of each [lo, hi] with scale 1 (centre 0 on the real line): a run's maps without a pilot, given scales or saved maps. */
export function defaultAxisMaps(bounds: readonly [number, number][]): AxisMap[] {
  return bounds.map(([lo, hi]) => defaultAxisMap(lo, hi));
}

/** tan(pi (v - 1/2)) from v and vc = 1 - v (each exact near its own end), without the cancellation of pi v near pi/2. */
function tanCentred(v: number, vc: number): number {
  return v < 0.5 ? -1 / Math.tan(Math.PI * v) : 1 / Math.tan(Math.PI * vc);
}

/**
 * The power map of `w` at u: v, vc = 1 - v (computed without cancellation at the bent ends) and
 * dv/du (see AxisWarp). u is clamped to [U_EDGE, 1 - U_EDGE] first.
 */
export function warpAxis(w: AxisWarp, u: number): { v: number; vc: number; dv: number } {
  const t = u < U_EDGE ? U_EDGE : u > 1 - U_EDGE ? 1 - U_EDGE : u;
  const s = 1 - t;
  const p = w.power;
  if (w.at === 'lower') {
    const v = Math.pow(t, p);
    return { v, vc: 1 - v, dv: (p * v) / t };
  }
  if (w.at === 'upper') {
    const vc = Math.pow(s, p);
    return { v: 1 - vc, vc, dv: (p * vc) / s };
  }
  const a = Math.pow(t, p);
  const b = Math.pow(s, p);
  const sum = a + b;
  return { v: a / sum, vc: b / sum, dv: (p * a * b) / (t * s * sum * sum) };
}

/** The inverse of `warpAxis`: u from v in [0, 1]. */
export function unwarpAxis(w: AxisWarp, v: number): number {
  const q = 1 / w.power;
  if (w.at === 'lower') return Math.pow(v, q);
  if (w.at === 'upper') return 1 - Math.pow(1 - v, q);
  const a = Math.pow(v, q);
  const b = Math.pow(1 - v, q);
  return a / (a + b);
}

/**
 * x and dx/du of one axis at u (clamped to [U_EDGE, 1 - U_EDGE] for the infinite maps and the
 * power maps). A power map's end stays off the bound it bends toward: an x that would round onto
 * it moves to the next float inside, where an integrand singular at the bound is finite.
 */
export function mapAxis(a: AxisMap, u: number): { x: number; jac: number } {
  if (a.warp) {
    const { v, vc, dv } = warpAxis(a.warp, u);
    return a.kind === 'linear' ? mapBentLinear(a, v, vc, dv) : mapBentInfinite(a, v, vc, dv);
  }
  if (a.kind === 'linear') return { x: a.origin + a.scale * u, jac: a.scale };
  const v = u < U_EDGE ? U_EDGE : u > 1 - U_EDGE ? 1 - U_EDGE : u;
  if (a.kind === 'upper') {
    const r = 1 / (1 - v);
    return { x: a.origin + a.scale * v * r, jac: a.scale * r * r };
  }
  if (a.kind === 'lower') {
    const r = 1 / v;
    return { x: a.origin - a.scale * (1 - v) * r, jac: a.scale * r * r };
  }
  const t = tanCentred(v, 1 - v);
  return { x: a.origin + a.scale * t, jac: Math.PI * a.scale * (1 + t * t) };
}

/**
 * A finite axis behind a power map: x from whichever end v is nearer (v and vc = 1 - v are each
 * accurate near their own end), kept off the bounds (see `mapAxis`).
 */
function mapBentLinear(a: AxisMap, v: number, vc: number, dv: number): { x: number; jac: number } {
  const lo = a.origin;
  const hi = a.origin + a.scale;
  let x = v <= 0.5 ? lo + a.scale * v : hi - a.scale * vc;
  if (x <= lo) x = lo + (lo === 0 ? Number.MIN_VALUE : Math.abs(lo) * Number.EPSILON);
  else if (x >= hi) x = hi - (hi === 0 ? Number.MIN_VALUE : Math.abs(hi) * Number.EPSILON);
  return { x, jac: a.scale * dv };
}

/**
 * Smallest distance of v from 0 and 1 on an infinite axis under a power map: u^p reaches far
 * below U_EDGE, and clamping it there would cut off the tail beyond 1/(pi 2^-53) ~ 3e15 that the
 * power map exists to reach ((1 + x^2)^-0.6 keeps 0.07% of its integral there).
 */
const V_EDGE = 2 ** -900;

/**
 * An infinite axis behind a power map: v and vc = 1 - v (each accurate near its own end) may be
 * far below U_EDGE, so the Jacobians are written without v^2 or t^2, which would overflow:
 * s dv / vc^2 as (s dv / vc) / vc, and pi s (1 + t^2) dv for t = tan(pi (v - 1/2)) as
 * (pi s dv / sin(pi m)) / sin(pi m) with m = min(v, vc).
 */
function mapBentInfinite(a: AxisMap, v: number, vc: number, dv: number): { x: number; jac: number } {
  const lo = v < V_EDGE ? V_EDGE : v;
  const hi = vc < V_EDGE ? V_EDGE : vc;
  if (a.kind === 'upper') return { x: a.origin + a.scale * (lo / hi), jac: (a.scale * (dv / hi)) / hi };
  if (a.kind === 'lower') return { x: a.origin - a.scale * (hi / lo), jac: (a.scale * (dv / lo)) / lo };
  const sn = Math.sin(Math.PI * Math.min(lo, hi));
  return { x: a.origin + a.scale * tanCentred(lo, hi), jac: (Math.PI * a.scale * (dv / sn)) / sn };
}

/** The inverse of `mapAxis`: u in [0, 1] for x in the axis's interval. */
export function unmapAxis(a: AxisMap, x: number): number {
  const t = (x - a.origin) / a.scale;
  const v = a.kind === 'linear' ? t : a.kind === 'upper' ? t / (1 + t) : a.kind === 'lower' ? 1 / (1 - t) : 0.5 + Math.atan(t) / Math.PI;
  return a.warp ? unwarpAxis(a.warp, v) : v;
}

/**
 * The map of the whole domain: phi(u) per axis and the product of the axes' Jacobians.
 * For a box with finite bounds, x = lo + (hi - lo) u and the Jacobian is the constant volume
 * (the product of the widths in axis order).
 */
export class DomainMap {
  /** Product of the widths of the linear axes without a power map (the Jacobian when every axis is such). */
  readonly volume: number;
  /** True when every axis is finite (the Jacobian is the constant `volume` unless an axis has a power map). */
  readonly finite: boolean;
  /** True when some axis has a power map (src/singular.ts). */
  readonly warped: boolean;
  /** Axes mapped point by point (infinite, or with a power map). */
  private readonly curved: number[];

  /** `pilotCalls`: integrand calls spent choosing the maps (0 when they were given). */
  constructor(
    readonly axes: readonly AxisMap[],
    readonly pilotCalls = 0,
  ) {
    let volume = 1;
    this.curved = [];
    axes.forEach((a, k) => {
      if (a.kind === 'linear' && !a.warp) volume *= a.scale;
      else this.curved.push(k);
    });
    this.volume = volume;
    this.finite = axes.every((a) => a.kind === 'linear');
    this.warped = axes.some((a) => a.warp !== undefined);
  }

  get dim(): number {
    return this.axes.length;
  }

  /** True when the maps are the plain linear ones of a finite box (nothing to record beside the bounds). */
  get plain(): boolean {
    return this.finite && !this.warped;
  }

  /** The same map without its power maps (plain Monte Carlo samples the user's domain, not the bent one). */
  withoutWarps(): DomainMap {
    if (!this.warped) return this;
    return new DomainMap(
      this.axes.map(({ kind, origin, scale }) => ({ kind, origin, scale })),
      this.pilotCalls,
    );
  }

  /**
   * x = phi(u) for n points (row-major [n, d]) and jac[i] = |det dphi/du| at point i.
   * u may be float32 or float64; points at u = 0 or 1 of an infinite or bent axis are clamped.
   */
  toDomain(u: ArrayLike<number>, n: number, x: Float64Array, jac: Float64Array): void {
    const d = this.axes.length;
    for (let k = 0; k < d; k++) {
      const a = this.axes[k];
      if (a.kind !== 'linear' || a.warp) continue;
      const lo = a.origin;
      const width = a.scale;
      for (let i = 0, o = k; i < n; i++, o += d) x[o] = lo + width * u[o];
    }
    jac.fill(this.volume, 0, n);
    for (const k of this.curved) {
      const a = this.axes[k];
      for (let i = 0, o = k; i < n; i++, o += d) {
        const r = mapAxis(a, u[o]);
        x[o] = r.x;
        jac[i] *= r.jac;
      }
    }
  }
}

/** The weighted quantiles qs (ascending, in [0, 1]) of values v with non-negative weights w. */
function weightedQuantiles(v: Float64Array, w: Float64Array, qs: number[]): number[] {
  const order = Array.from(v.keys()).sort((i, j) => v[i] - v[j]);
  let total = 0;
  for (const i of order) total += w[i];
  const out: number[] = [];
  let acc = 0;
  let q = 0;
  for (const i of order) {
    acc += w[i];
    while (q < qs.length && acc >= qs[q] * total) {
      out.push(v[i]);
      q++;
    }
    if (q === qs.length) break;
  }
  while (out.length < qs.length) out.push(v[order[order.length - 1]]);
  return out;
}

/**
 * The axis maps of `bounds` with centres and scales chosen from a pilot run of |f|: PILOT_ROUNDS
 * rounds of PILOT_POINTS uniform points, the first with the default maps (scale 1), each next
 * one with the previous one's choice, so that a peak far from the origin is approached step by
 * step. Each infinite axis takes the weighted median and quartiles of its coordinate under
 * |f| dx/du (see the module comment); a round whose weights have an effective sample size
 * below PILOT_MIN_ESS (a few points dominate) or whose quartiles coincide moves the centres and
 * keeps the scales, and a round in which f is zero or non-finite everywhere keeps the
 * previous maps. The pilot draws
 * from its own random stream (Stream.domain) and changes nothing else in a run.
 */
export function pilotAxisMaps(bounds: readonly [number, number][], integrand: CompiledExpression, seed: number): DomainMap {
  const d = bounds.length;
  let axes = defaultAxisMaps(bounds);
  const infinite = axes.flatMap((a, k) => (a.kind === 'linear' ? [] : [k]));
  if (infinite.length === 0) return new DomainMap(axes);
  const rng = new Rng(seed, Stream.domain);
  const n = PILOT_POINTS;
  const u = new Float64Array(n * d);
  const x = new Float64Array(n * d);
  const jac = new Float64Array(n);
  const f = new Float64Array(n);
  const w = new Float64Array(n);
  const col = new Float64Array(n);
  for (let round = 0; round < PILOT_ROUNDS; round++) {
    rng.fill(u);
    new DomainMap(axes).toDomain(u, n, x, jac);
    integrand.evaluate(x, n, f);
    let sum = 0;
    let sum2 = 0;
    for (let i = 0; i < n; i++) {
      const wi = Math.abs(f[i]) * jac[i];
      w[i] = Number.isFinite(wi) ? wi : 0;
      sum += w[i];
      sum2 += w[i] * w[i];
    }
    if (!(sum > 0) || !Number.isFinite(sum2)) continue;
    const settled = (sum * sum) / sum2 >= PILOT_MIN_ESS;
    const next = axes.slice();
    for (const k of infinite) {
      const a = axes[k];
      for (let i = 0; i < n; i++) col[i] = x[i * d + k];
      if (a.kind === 'tan') {
        const [q1, median, q3] = weightedQuantiles(col, w, [0.25, 0.5, 0.75]);
        const s = (q3 - q1) / 2;
        if (Number.isFinite(median)) next[k] = { kind: 'tan', origin: median, scale: settled && s > 0 && Number.isFinite(s) ? s : a.scale };
      } else {
        for (let i = 0; i < n; i++) col[i] = Math.abs(col[i] - a.origin);
        const [s] = weightedQuantiles(col, w, [0.5]);
        if (s > 0 && Number.isFinite(s)) next[k] = { kind: a.kind, origin: a.origin, scale: s };
      }
    }
    axes = next;
  }
  return new DomainMap(axes, PILOT_ROUNDS * n);
}

/** How a bound is written in JSON documents, which have no Infinity. */
export type JsonBound = number | 'inf' | '-inf';

/** ±Infinity as "inf" / "-inf"; finite numbers unchanged. */
function encodeBound(v: number): JsonBound {
  return v === Infinity ? 'inf' : v === -Infinity ? '-inf' : v;
}

/** "inf" / "-inf" as ±Infinity; numbers unchanged. */
export function decodeBound(v: JsonBound): number {
  return v === 'inf' ? Infinity : v === '-inf' ? -Infinity : v;
}

/** Per-dimension [lo, hi] bounds with ±Infinity written as "inf" / "-inf" (see `encodeBound`). */
export function encodeBounds(b: readonly [number, number][]): [JsonBound, JsonBound][] {
  return b.map(([lo, hi]) => [encodeBound(lo), encodeBound(hi)]);
}

/** Per-dimension bounds from their JSON form: "inf" / "-inf" back to ±Infinity (see `decodeBound`). */
export function decodeBounds(b: readonly [JsonBound, JsonBound][]): [number, number][] {
  return b.map(([lo, hi]) => [decodeBound(lo), decodeBound(hi)]);
}
