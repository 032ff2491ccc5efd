/** Scalar helpers shared by the fused spline kernels. */

/** x clipped to [0, 1]. */
export function clip01(x: number): number {
  return x < 0 ? 0 : x > 1 ? 1 : x;
}

/** 1 where clip01 passes the gradient (0 <= x <= 1, as tf.clipByValue's gradient), else 0. */
export function passes(x: number): number {
  return x >= 0 && x <= 1 ? 1 : 0;
}
