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

/** The map of one axis: see the module comment. All numbers finite, scale > 0. */
export interface AxisMap {
  kind: AxisMapKind;
  /** lo for linear and upper, hi for lower, the centre c for tan. */
  origin: number;
  /** hi - lo for linear, s otherwise. */
  scale: number;
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

/** tan(pi (u - 1/2)) without the cancellation of pi u near pi/2 (1 - u is exact for u >= 1/2). */
function tanCentred(u: number): number {
  return u < 0.5 ? -1 / Math.tan(Math.PI * u) : 1 / Math.tan(Math.PI * (1 - u));
}

/** x and dx/du of one axis at u (clamped to [U_EDGE, 1 - U_EDGE] for the infinite maps). */
export function mapAxis(a: AxisMap, u: number): { x: number; jac: number } {
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
  const t = tanCentred(v);
  return { x: a.origin + a.scale * t, jac: Math.PI * a.scale * (1 + t * t) };
}

/** The inverse of `mapAxis`: u in [0, 1] for x in the axis's interval. */
export function unmapAxis(a: AxisMap, x: number): number {
  const t = (x - a.origin) / a.scale;
  if (a.kind === 'linear') return t;
  if (a.kind === 'upper') return t / (1 + t);
  if (a.kind === 'lower') return 1 / (1 - t);
  return 0.5 + Math.atan(t) / Math.PI;
}

/**
 * The map of the whole domain: phi(u) per axis and the product of the axes' Jacobians.
 * For a box with finite bounds, x = lo + (hi - lo) u and the Jacobian is the constant volume
 * (the product of the widths in axis order).
 */
export class DomainMap {
  /** Product of the widths of the linear axes (the Jacobian when every axis is finite). */
  readonly volume: number;
  /** True when every axis is finite (the Jacobian is the constant `volume`). */
  readonly finite: boolean;
  private readonly infinite: number[];

  /** `pilotCalls`: integrand calls spent choosing the maps (0 when they were given). */
  constructor(
    readonly axes: readonly AxisMap[],
    readonly pilotCalls = 0,
  ) {
    let volume = 1;
    this.infinite = [];
    axes.forEach((a, k) => {
      if (a.kind === 'linear') volume *= a.scale;
      else this.infinite.push(k);
    });
    this.volume = volume;
    this.finite = this.infinite.length === 0;
  }

  get dim(): number {
    return this.axes.length;
  }

  /**
   * x = phi(u) for n points (row-major [n, d]) and jac[i] = |det dphi/du| at point i.
   * u may be float32 or float64; points at u = 0 or 1 of an infinite axis are clamped.
   */
  toDomain(u: ArrayLike<number>, n: number, x: Float64Array, jac: Float64Array): void {
    const d = this.axes.length;
    for (let k = 0; k < d; k++) {
      const a = this.axes[k];
      if (a.kind !== 'linear') continue;
      const lo = a.origin;
      const width = a.scale;
      for (let i = 0, o = k; i < n; i++, o += d) x[o] = lo + width * u[o];
    }
    jac.fill(this.volume, 0, n);
    for (const k of this.infinite) {
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
  let axes = bounds.map(([lo, hi]) => defaultAxisMap(lo, hi));
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
