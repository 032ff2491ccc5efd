/**
 * Gradient plumbing for the splines.
 *
 * - `registerSplineGradients()` gives 'SearchSorted' a zero gradient (tfjs-core has none, and
 *   any op without one throws once it lies on a differentiated path). Registered once.
 * - `detach(t)` is a stop-gradient: a new tensor handle on the same data with no tape record,
 *   so that bin indices and masks are constants for back-propagation and no work is spent on
 *   their (zero) gradients.
 */
import * as tf from '@tensorflow/tfjs';

let registered = false;

/** Registers the zero gradient of 'SearchSorted' unless some gradient is registered already. */
export function registerSplineGradients(): void {
  if (registered) return;
  registered = true;
  if (tf.getGradient('SearchSorted') != null) return;
  tf.registerGradient({
    kernelName: 'SearchSorted',
    inputsToSave: ['sortedSequence', 'values'],
    gradFunc: (_dy, saved) => ({
      sortedSequence: () => tf.zerosLike(saved[0]),
      values: () => tf.zerosLike(saved[1]),
    }),
  });
}

/**
 * A handle on the data of `t` that the gradient tape does not connect to `t`. It shares the
 * buffer (the backend's reference count is raised, so disposing either handle is safe). When
 * the active backend does not hold the buffer, `t` itself is returned; every op applied to the
 * result in this package has a (zero) gradient, so that is still correct, only slower.
 */
export function detach<T extends tf.Tensor>(t: T): T {
  const engine = tf.engine();
  const backend = engine.backend;
  try {
    if (backend.refCount(t.dataId) <= 0) return t;
    backend.incRef(t.dataId);
  } catch {
    return t; // a backend without reference counting
  }
  return engine.makeTensorFromDataId(t.dataId, t.shape, t.dtype) as T;
}
