/**
 * Mass at the faces of the unit cube beyond the resolution of the samplers.
 *
 * Every sampler here draws from float64 (VEGAS: 32-bit within a stratum) uniform numbers pushed
 * through smooth maps, so none puts points much closer to a face of the cube than about 2^-40
 * of its width. An integrable singularity on a face (x1^(-0.9) on [0,1] holds 6% of its
 * integral below 2^-40), or a heavy tail that the domain map of an infinite axis folds onto a
 * face, can keep mass there that no sample ever sees: the estimate then comes out low with a
 * confident error, and its weights show nothing (they are bounded on what was sampled).
 *
 * The probe evaluates g(u) = f(x(u)) |dx/du| on the slab of width delta = 2^-40 at each face,
 * at `points` uniform positions of the other coordinates, and estimates the slab's mass as
 * delta * mean(g). For g that decreases away from the face this is a lower bound of the mass in
 * [0, delta]. A power map (src/singular.ts) takes the samplers much closer to a face, but not
 * closer than the floats next to the bound: on [1, 2], x - 1 is never below 2^-52, and
 * x1^(-0.9) shifted there keeps 2.7% of its integral out of reach. So the probe also weighs the
 * slab between a finite non-zero bound and the next float, h f(bound + h) times the other axes'
 * Jacobians (again a lower bound for f decreasing away from the face), and reports the larger
 * of the two. The check costs 2 d `points` integrand calls (4 d with such bounds). Not a proof
 * of anything: a probe that misses a singular region (e.g. a point singularity) finds nothing.
 */
import type { Problem } from '../problem';
import type { Rng } from '../rng';
import { mapAxis } from '../domain';
import { mapToDomain } from '../sampling';

/** Width of the probed slab at each face, as a fraction of the axis. */
export const BOUNDARY_DELTA = 2 ** -40;
/** Probe points per face. */
const BOUNDARY_POINTS = 64;

/** The probed mass at one face of the unit cube (`largestBoundaryMass`). */
export interface BoundaryMass {
  /** 0-based axis and face (0: u_k = 0, i.e. the lower bound; 1: the upper one). */
  axis: number;
  face: 0 | 1;
  /** Estimated integral over the slab at that face (signed). */
  mass: number;
  /** Width of the slab as a fraction of the axis: BOUNDARY_DELTA, or the float spacing at the bound when that holds more. */
  width: number;
}

/**
 * The face whose slab holds the most mass (by absolute value), or null when every probe value
 * was zero or non-finite.
 */
export function largestBoundaryMass(problem: Problem, rng: Rng, points = BOUNDARY_POINTS): BoundaryMass | null {
  const d = problem.dim;
  const u = new Float64Array(points * d);
  const x = new Float64Array(points * d);
  const jac = new Float64Array(points);
  const f = new Float64Array(points);
  const base = new Float64Array(points * d);
  rng.fill(base);
  let best: BoundaryMass | null = null;
  for (let k = 0; k < d; k++) {
    for (const face of [0, 1] as const) {
      u.set(base);
      const at = face === 0 ? BOUNDARY_DELTA / 2 : 1 - BOUNDARY_DELTA / 2;
      for (let i = 0; i < points; i++) u[i * d + k] = at;
      mapToDomain(problem, u, points, x, jac);
      problem.integrand.evaluate(x, points, f);
      const slab = slabMass(f, jac, points, BOUNDARY_DELTA);
      if (slab !== null && slab !== 0 && (best === null || Math.abs(slab) > Math.abs(best.mass)))
        best = { axis: k, face, mass: slab, width: BOUNDARY_DELTA };
      const axis = problem.domain.axes[k];
      const bound = problem.bounds[k][face];
      if (axis.kind !== 'linear' || bound === 0) continue;
      // the slab between the bound and the next float inside, which no sampler reaches
      const h = Math.abs(bound) * Number.EPSILON;
      const own = mapAxis(axis, at).jac;
      for (let i = 0; i < points; i++) {
        x[i * d + k] = face === 0 ? bound + h : bound - h;
        jac[i] = (jac[i] / own) * h;
      }
      problem.integrand.evaluate(x, points, f);
      const edge = slabMass(f, jac, points, 1);
      if (edge !== null && edge !== 0 && (best === null || Math.abs(edge) > Math.abs(best.mass))) {
        best = { axis: k, face, mass: edge, width: h / axis.scale };
      }
    }
  }
  return best;
}

/** width * mean of f_i jac_i over the points where it is finite (f = 0 counts 0), or null when none is. */
function slabMass(f: Float64Array, jac: Float64Array, points: number, width: number): number | null {
  let sum = 0;
  let used = 0;
  for (let i = 0; i < points; i++) {
    const g = f[i] === 0 ? 0 : f[i] * jac[i];
    if (!Number.isFinite(g)) continue;
    sum += g;
    used++;
  }
  return used === 0 ? null : (width * sum) / used;
}
