/**
 * The spline families by kind. Each maps every coordinate of z [n, m] through its own
 * monotone spline of [0, 1] given raw [n, m, paramCount(bins)], in either direction.
 *
 *   pwlinear  P = K        piecewise linear (equal-width bins)
 *   pwquad    P = 2K + 1   piecewise quadratic (learned widths)
 *   rqs       P = 3K + 1   rational quadratic (learned widths, heights, K + 1 derivatives)
 *   additive  P = 1        NICE shift in logit coordinates (no bins)
 *   affine    P = 2        RealNVP scale and shift in logit coordinates (no bins)
 */
import type { SplineFamily, SplineKind } from '../types';
import { linearSpline } from './linear';
import { quadraticSpline } from './quadratic';
import { rationalQuadraticSpline } from './rationalQuadratic';
import { additiveCoupling, affineCoupling } from './logit';

export { MAX_BINS, MIN_BIN_HEIGHT, MIN_BIN_WIDTH, MIN_DERIVATIVE } from './constants';
/** Every coupling transform by its kind (see the table above). */
export const splineFamilies: Record<SplineKind, SplineFamily> = {
  pwlinear: linearSpline,
  pwquad: quadraticSpline,
  rqs: rationalQuadraticSpline,
  additive: additiveCoupling,
  affine: affineCoupling,
};

/** The spline family of `kind`; throws a RangeError for an unknown kind. */
export function getSplineFamily(kind: SplineKind): SplineFamily {
  if (!Object.prototype.hasOwnProperty.call(splineFamilies, kind)) {
    throw new RangeError(`unknown spline kind '${String(kind)}'`);
  }
  return splineFamilies[kind];
}
