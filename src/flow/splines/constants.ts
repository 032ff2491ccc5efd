/**
 * Lower bounds that keep every spline well conditioned in float32.
 *
 * - MIN_BIN_WIDTH: smallest bin width on the input axis (rational-quadratic, piecewise-quadratic).
 * - MIN_BIN_HEIGHT: smallest bin height on the output axis, i.e. the smallest probability mass
 *   of a bin (piecewise-linear, rational-quadratic).
 * - MIN_DERIVATIVE: smallest slope dy/dz at a knot (rational-quadratic knot derivatives,
 *   piecewise-quadratic vertex densities).
 *
 * With K bins the widths (heights) are `MIN + (1 - K MIN) softmax(raw)`, so K MIN must stay
 * below 1; MAX_BINS keeps at least half of the unit interval free for the learned part.
 */
export const MIN_BIN_WIDTH = 1e-3;
/** Smallest bin height (probability mass of a bin) of the piecewise-linear and rational-quadratic splines. */
export const MIN_BIN_HEIGHT = 1e-3;
/** Smallest slope dy/dz at a knot (rational-quadratic derivatives, piecewise-quadratic vertex densities). */
export const MIN_DERIVATIVE = 1e-3;

/** Largest supported number of bins: K * max(MIN_BIN_WIDTH, MIN_BIN_HEIGHT) <= 1/2. */
export const MAX_BINS = Math.floor(0.5 / Math.max(MIN_BIN_WIDTH, MIN_BIN_HEIGHT));

/**
 * Floor of the discriminant of the quadratic solves before the square root: float32 rounding
 * can push it below 0, and a floor at exactly 0 would leave sqrt an infinite gradient there.
 * Real discriminants are at least of order (MIN_BIN_HEIGHT MIN_DERIVATIVE)^2.
 */
export const MIN_DISCRIMINANT = 1e-30;
