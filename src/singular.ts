/**
 * Power maps at integrable singularities of the faces, edges and corners of the unit cube.
 *
 * An integrand that grows like t^e (-n < e < 0) as its point approaches a face (n = 1), an
 * edge (n = 2) or a corner (n = d) of the cube at distance t, e.g. x1^(-0.9) in d = 1, or
 * 1/|x|^2 at the origin in d = 3, gives importance weights with a Pareto tail of shape k = -e/n
 * under any sampling density that stays bounded there: uniform sampling, the VEGAS map (constant
 * in each bin), a flow of splines (finite slopes at the ends), and mixtures of them. For k >= 1/2
 * the variance of the weights is infinite and the estimate comes out low with an error that
 * cannot be trusted, whatever the sampler learns (x1^(-0.9): pulls down to -10). No adaptive
 * density of this project can fix that; a change of variables can. Bending each axis of the set
 * toward the singular end with a power map v = u^p (src/domain.ts AxisWarp) turns the integrand
 * into ~ s^(p (n + e) - n) in the new distance s, bounded for p >= n / (n + e): the weights of
 * every sampler that works on u are then bounded near that end (P. J. Davis and P. Rabinowitz,
 * Methods of Numerical Integration, 2nd ed., sec. 2.12, on such transformations for endpoint
 * singularities).
 *
 * The probe measures e from g(u) = |f(x(u))| |dx/du| on points at distances 2^-10, 2^-17 and
 * 2^-24 from each face (the other coordinates uniform), each edge (two coordinates near the
 * ends, the others uniform) and, for d <= MAX_CORNER_DIM, each corner (all coordinates near the
 * ends), the same points scaled at each depth (not deeper: 1 - cos x, as in Watson's integral,
 * is all rounding error below x ~ 1e-8). A power law gives the same slope of log g over
 * both steps; any other shape (a narrow peak at a face, a logarithm) gives two slopes that
 * differ, or a slope near 0, and no map. Faces are probed first, edges under the faces' maps,
 * corners under both, so a face singularity does not also bend every axis at the corners it
 * touches. An end with k > MIN_SHAPE gets the power p = n / (n + e) rounded up to a quarter, at
 * most MAX_POWER; an axis bent at both ends takes the larger power for both (AxisWarp 'both').
 *
 * The probe draws from a fixed stream, so the maps depend on the problem only (runs with
 * different seeds share them and their partial results merge). It costs
 * 3 PROBE_POINTS (2 d + 4 C(d, 2) + 2^d) integrand calls, the edges only for d <= 16 and the
 * corners only for d <= 10: 96 for d = 1, 18 thousand for d = 8, 25 thousand for d = 16 and
 * 12 thousand (faces only) for d = 128.
 */
import { DomainMap, type AxisMap, type AxisWarp } from './domain';
import type { CompiledExpression } from './integrand';
import { Rng, Stream } from './rng';

/** Depths of the probes: distances 2^-m from the end. */
const PROBE_DEPTHS = [10, 17, 24];
/** Points per probed set of ends. */
const PROBE_POINTS = 16;
/** Largest dimension whose 2^d corners are probed. */
const MAX_CORNER_DIM = 10;
/** Largest dimension whose 4 C(d, 2) edges are probed (d = 128 would take 1.6 million calls). */
const MAX_EDGE_DIM = 16;
/** Tail shape k = -e/n above which an end is bent (weights with k > 1/2 have no variance). */
const MIN_SHAPE = 0.25;
/** Largest difference of the slopes over the two decades of a power law. */
const SLOPE_AGREEMENT = 0.1;
/** Largest power of a map: u^16 keeps x above 2^-848 of the axis at the float64 sampler's u >= 2^-53. */
export const MAX_POWER = 16;
/**
 * Rounding allowed in n / (n + e) before the power goes up a quarter: the slope of an exact
 * power law carries rounding (x1^-0.9: 4 n / (n + e) = 40.00000000000006, (1 - x1)^-0.8:
 * 20.000000002), which would otherwise give p = 10.25 for 10, and powers that change with the
 * points of the other axes (a pilot's map of an infinite axis).
 */
const POWER_SLACK = 1e-6;
/** Seed of the probe's stream (fixed: the maps are a function of the problem). */
const PROBE_SEED = 0;

/** One probed set: axes and the end of each (0: u = 0, 1: u = 1). */
interface EndSet {
  axes: number[];
  ends: (0 | 1)[];
}

/** A power map the probe chose, for reports: the ends it bends, their exponent e and the power. */
export interface SingularEnd {
  /** 0-based axes of the set and the end of each. */
  axes: number[];
  ends: (0 | 1)[];
  /** Measured exponent e of g ~ t^e at the set. */
  exponent: number;
  /** Power p of the maps put on its axes. */
  power: number;
}

/**
 * The slope e of log2 g against log2 t at the set (t = 2^-m at the depths), or null when the
 * two decades disagree by more than SLOPE_AGREEMENT, or some depth has no finite positive g.
 * `base` holds PROBE_POINTS uniform points (rows of d); `scale` their offsets in [1/2, 1) at the set's axes.
 */
function exponentAt(domain: DomainMap, integrand: CompiledExpression, set: EndSet, base: Float64Array, scale: Float64Array): number | null {
  const d = domain.dim;
  const n = PROBE_POINTS;
  const u = new Float64Array(n * d);
  const x = new Float64Array(n * d);
  const jac = new Float64Array(n);
  const f = new Float64Array(n);
  const logs: number[] = [];
  for (const m of PROBE_DEPTHS) {
    u.set(base);
    const t = 2 ** -m;
    for (let i = 0; i < n; i++) {
      set.axes.forEach((k, j) => {
        const off = t * scale[i * d + k];
        u[i * d + k] = set.ends[j] === 0 ? off : 1 - off;
      });
    }
    domain.toDomain(u, n, x, jac);
    integrand.evaluate(x, n, f);
    let sum = 0;
    for (let i = 0; i < n; i++) {
      const g = Math.abs(f[i]) * jac[i];
      if (Number.isFinite(g)) sum += g;
    }
    if (!(sum > 0) || !Number.isFinite(sum)) return null;
    logs.push(Math.log2(sum));
  }
  const slopes = logs.slice(1).map((l, i) => -(l - logs[i]) / (PROBE_DEPTHS[i + 1] - PROBE_DEPTHS[i]));
  if (Math.abs(slopes[1] - slopes[0]) > SLOPE_AGREEMENT) return null;
  return slopes[1];
}

/** The sets of one size: faces (1), edges (2) or corners (d), each with every choice of ends. */
function endSets(d: number, size: number): EndSet[] {
  const axesSets: number[][] = [];
  if (size === 1) for (let k = 0; k < d; k++) axesSets.push([k]);
  else if (size === 2) for (let a = 0; a < d; a++) for (let b = a + 1; b < d; b++) axesSets.push([a, b]);
  else axesSets.push(Array.from({ length: d }, (_, k) => k));
  const out: EndSet[] = [];
  for (const axes of axesSets) {
    for (let bits = 0; bits < 2 ** axes.length; bits++) {
      out.push({ axes, ends: axes.map((_, j) => ((bits >> j) & 1) as 0 | 1) });
    }
  }
  return out;
}

/** `warp` bent further toward `end` with at least `power` (an axis bent at both ends takes the larger power). */
function bend(warp: AxisWarp | undefined, end: 0 | 1, power: number): AxisWarp {
  const at = end === 0 ? 'lower' : 'upper';
  if (!warp) return { at, power };
  return { at: warp.at === at ? at : 'both', power: Math.max(warp.power, power) };
}

/**
 * The domain map with power maps at the integrable singularities the probe finds (see the
 * module comment), and the ends it bent. Axes keep their maps (linear or infinite) after the
 * power map; `domain.pilotCalls` grows by the probe's calls. A domain with no singular end
 * comes back unchanged in its maps.
 */
export function singularityMaps(domain: DomainMap, integrand: CompiledExpression): { domain: DomainMap; ends: SingularEnd[] } {
  const d = domain.dim;
  const rng = new Rng(PROBE_SEED, Stream.domain);
  const base = new Float64Array(PROBE_POINTS * d);
  const scale = new Float64Array(PROBE_POINTS * d);
  rng.fill(base);
  rng.fill(scale);
  for (let i = 0; i < scale.length; i++) scale[i] = 0.5 + 0.5 * scale[i];
  let axes: AxisMap[] = domain.axes.map((a) => ({ ...a }));
  let calls = 0;
  const ends: SingularEnd[] = [];
  const sizes = [1, ...(d >= 2 && d <= MAX_EDGE_DIM ? [2] : []), ...(d >= 3 && d <= MAX_CORNER_DIM ? [d] : [])];
  for (const size of sizes) {
    const current = new DomainMap(axes);
    const next = axes.map((a) => ({ ...a }));
    for (const set of endSets(d, size)) {
      const e = exponentAt(current, integrand, set, base, scale);
      calls += PROBE_DEPTHS.length * PROBE_POINTS;
      const n = set.axes.length;
      if (e === null || !(-e / n > MIN_SHAPE)) continue;
      const power = n + e > n / MAX_POWER ? Math.min(MAX_POWER, Math.ceil((4 * n) / (n + e) - POWER_SLACK) / 4) : MAX_POWER;
      set.axes.forEach((k, j) => (next[k] = { ...next[k], warp: bend(next[k].warp, set.ends[j], power) }));
      ends.push({ axes: set.axes, ends: set.ends, exponent: e, power });
    }
    axes = next;
  }
  return { domain: new DomainMap(axes, domain.pilotCalls + calls), ends };
}
