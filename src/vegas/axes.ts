/**
 * Principal axes under the VEGAS map: a rotation of the unit cube that aligns the axes of the
 * separable map with those of p = |f|/F.
 *
 * The VEGAS map is a product of one-dimensional densities, so it cannot follow a ridge that
 * does not lie along an axis: a Gaussian with correlations 0.9 in d = 4 leaves its weights with
 * an infinite variance (src/estimate/correlation.ts), and for the two peaks of the camel on the
 * diagonal of the cube a product density has 2^d peaks, all but two of them where f is small. In the frame of the
 * eigenvectors of p's covariance, a Gaussian is a product of its marginals and the camel a
 * product of a bimodal density along the diagonal and Gaussians across it: separable, so that
 * the map reaches near-zero variance. A separable map's weakness on peaks off the axes is the
 * one Lepage names (J. Comput. Phys. 27 (1978) 192; arXiv:2009.05112 adds the stratification
 * that softens it); a linear change of variables to p's principal axes, estimated from the
 * weighted points of a first adaptation, is the remedy of principal component analysis
 * (I. T. Jolliffe, Principal Component Analysis, 2nd ed., 2002).
 *
 * The map samples s in [0,1]^d and puts the point at
 *
 *   u = c + R (lo + w * s)          (R orthogonal: its columns the eigenvectors; c p's mean)
 *
 * where [lo, lo + w] is the bounding box of the rotated cube R^T ([0,1]^d - c), so that every
 * point of the cube is reached: q(u) = q_V(s) / prod w_k > 0 on the whole cube, and the
 * estimate stays unbiased whatever the rotation. A point that falls outside the cube carries a
 * zero weight: its log q is +Infinity, it is moved just inside (so that every later stage sees a
 * point of the domain), and the weighing never uses f there (src/sampling.ts weighPoints,
 * src/vegas/sampler.ts UnitIntegrand), so the weights are those of the integrand times the
 * indicator of the cube.
 */

import { AdaptiveMap, edgesAtQuantiles } from './map';

/** Distance from 0 and 1 at which a point outside the cube is put (the float64 RNG's range, as src/domain.ts clamps). */
const INSIDE = 2 ** -53;
/** The starting map's normal density has this many times p's spread along the axis (room for a bimodal or skewed p). */
const START_SPREAD = 1.5;
/** Share of the starting map's density that is uniform over the axis (covers what the spread misses). */
const START_UNIFORM = 0.2;
/** Points per increment of the tabulated CDF behind the starting map. */
const START_TABLE = 8;

/** The rotation of the unit cube in front of the VEGAS map (see the module comment). All arrays float64. */
export class PrincipalAxes {
  /** -log of prod w_k: what the rotation adds to log q of every point inside the cube. */
  readonly logDensity: number;

  /**
   * `centre` (dim) the point c; `rotation` (dim x dim, row-major) the orthogonal R whose column
   * k (rotation[j * dim + k]) is axis k; `lo` and `width` (dim) the bounding box of the rotated
   * cube in the axes' coordinates; `spread` (dim) p's standard deviation along each axis (the
   * square roots of the covariance's eigenvalues), which only shapes `startingMap`.
   * @throws RangeError when the shapes do not match or a width is not positive and finite.
   */
  constructor(
    readonly centre: Float64Array,
    readonly rotation: Float64Array,
    readonly lo: Float64Array,
    readonly width: Float64Array,
    readonly spread: Float64Array,
  ) {
    const d = centre.length;
    if (rotation.length !== d * d || lo.length !== d || width.length !== d || spread.length !== d) {
      throw new RangeError('PrincipalAxes: shapes do not match');
    }
    if (!width.every((w) => w > 0 && Number.isFinite(w))) throw new RangeError('PrincipalAxes: widths must be positive and finite');
    this.logDensity = -width.reduce((s, w) => s + Math.log(w), 0);
  }

  get dim(): number {
    return this.centre.length;
  }

  /**
   * The axes of a covariance matrix about a centre: R from its eigenvectors (`eigenvectors`,
   * dim x dim row-major, orthonormal columns; `eigenvalues` the variances along them) and the
   * bounding box of the cube in their frame.
   */
  static fromEigen(centre: Float64Array, eigenvectors: Float64Array, eigenvalues: Float64Array): PrincipalAxes {
    const d = centre.length;
    const lo = new Float64Array(d);
    const width = new Float64Array(d);
    for (let k = 0; k < d; k++) {
      // y_k = sum_j R_jk (u_j - c_j) over u_j in [0, 1]: each term's extremes at u_j = 0 or 1
      let min = 0;
      let max = 0;
      for (let j = 0; j < d; j++) {
        const r = eigenvectors[j * d + k];
        const a = -r * centre[j];
        const b = r * (1 - centre[j]);
        min += Math.min(a, b);
        max += Math.max(a, b);
      }
      lo[k] = min;
      width[k] = max - min;
    }
    const spread = eigenvalues.map((v) => Math.sqrt(Math.max(v, 0)));
    return new PrincipalAxes(Float64Array.from(centre), Float64Array.from(eigenvectors), lo, width, spread);
  }

  /**
   * A VEGAS map to start adapting from on these axes, `ninc` increments per axis: on each axis
   * the density START_UNIFORM + (1 - START_UNIFORM) N(centre, (START_SPREAD spread)^2) (the
   * normal part truncated to the box), so that the adaptation starts near p instead of spread
   * over the whole bounding box, which can be many times p's width (camel in d = 8: a box of
   * width 1.4-2.8 around peaks of width 0.07, 20 iterations from a uniform start and still
   * falling; from this start it levels off within 10).
   */
  startingMap(ninc: number): AdaptiveMap {
    const d = this.dim;
    const points = START_TABLE * ninc;
    const cdf = new Float64Array(points + 1);
    const table = Float64Array.from({ length: points + 1 }, (_, i) => i / points);
    const edges: Float64Array[] = [];
    for (let k = 0; k < d; k++) {
      const mid = -this.lo[k] / this.width[k];
      const sd = (START_SPREAD * this.spread[k]) / this.width[k];
      // the density at the table's points, normalised, and its CDF by the trapezoid rule
      let normal = 0;
      const dens = new Float64Array(points + 1);
      for (let i = 0; i <= points; i++) {
        const z = sd > 0 ? (i / points - mid) / sd : 0;
        dens[i] = Math.exp(-0.5 * z * z);
        normal += i === 0 || i === points ? dens[i] / 2 : dens[i];
      }
      normal /= points;
      for (let i = 0; i <= points; i++)
        dens[i] = START_UNIFORM + (normal > 0 ? ((1 - START_UNIFORM) * dens[i]) / normal : 1 - START_UNIFORM);
      cdf[0] = 0;
      for (let i = 1; i <= points; i++) cdf[i] = cdf[i - 1] + (dens[i - 1] + dens[i]) / (2 * points);
      const total = cdf[points];
      edges.push(edgesAtQuantiles(table, cdf, ninc, total));
    }
    return new AdaptiveMap(d, ninc, edges);
  }

  /**
   * Move m points s (row-major m x dim, the VEGAS map's output) into u (same shape) and add the
   * rotation's log density to logQ (m); a point outside the cube gets logQ = +Infinity and is
   * moved just inside (see the module comment).
   */
  apply(s: ArrayLike<number>, u: Float64Array, logQ: Float64Array, m: number): void {
    const d = this.dim;
    const { centre, rotation, lo, width, logDensity } = this;
    const y = new Float64Array(d);
    for (let i = 0, o = 0; i < m; i++, o += d) {
      for (let k = 0; k < d; k++) y[k] = lo[k] + width[k] * s[o + k];
      let inside = true;
      for (let j = 0; j < d; j++) {
        let v = centre[j];
        const row = j * d;
        for (let k = 0; k < d; k++) v += rotation[row + k] * y[k];
        if (!(v >= 0 && v <= 1)) {
          inside = false;
          v = v < 0.5 ? INSIDE : 1 - INSIDE;
        }
        u[o + j] = v;
      }
      logQ[i] = inside ? logQ[i] + logDensity : Infinity;
    }
  }

  /** The coordinates y = R^T (u - c) along the axes of the point u[offset .. offset + dim), into out[at .. at + dim). */
  pointToAxes(u: ArrayLike<number>, offset: number, out: Float64Array, at = 0): void {
    const d = this.dim;
    const { centre, rotation } = this;
    for (let k = 0; k < d; k++) {
      let y = 0;
      for (let j = 0; j < d; j++) y += rotation[j * d + k] * (u[offset + j] - centre[j]);
      out[at + k] = y;
    }
  }
}
