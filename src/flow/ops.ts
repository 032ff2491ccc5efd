/**
 * Tensor helpers shared by the flow layers, chosen for speed on the wasm backend.
 *
 * - `matMulT`: a matMul whose gradient multiplies by explicitly transposed operands. The
 *   built-in gradient calls BatchMatMul with transpose flags, which is several times slower on
 *   wasm than a transpose followed by a plain product.
 * - `dense`: relu(a w + b) (or a w + b) as one fused op with the same hand-written gradient;
 *   it saves fewer intermediate tensors for back-propagation than matMul + add + relu (on wasm
 *   every saved tensor is a copy).
 * - `ColumnSelection`: picks a subset of columns of an [n, d] tensor, or puts [n, m] columns back
 *   into place, by a product with a constant 0/1 matrix (exact in float32). Faster than
 *   split/concat or gather on wasm, and gather has no gradient there.
 */
import * as tf from '@tensorflow/tfjs';

const matMulCustom = tf.customGrad<tf.Tensor2D>((...args) => {
  const [a, b, save] = args as [tf.Tensor2D, tf.Tensor2D, tf.GradSaveFunc];
  save([a, b]);
  return {
    value: tf.matMul(a, b),
    gradFunc: (dy, saved) => {
      const [sa, sb] = saved as tf.Tensor2D[];
      return [tf.matMul(dy, tf.transpose(sb)), transposeProduct(sa, dy)];
    },
  };
});

/** a [n, k] x b [k, m] -> [n, m], with gradients dA = dy b^T and dB = a^T dy. */
export function matMulT(a: tf.Tensor2D, b: tf.Tensor2D): tf.Tensor2D {
  return matMulCustom(a, b);
}

/**
 * a^T g for a [n, k] and g [n, m] (the weight gradient of a dense layer), as an explicit
 * transpose of a followed by a plain product: on wasm that beats both the transpose flag
 * (about 10x slower) and transposing the usually wider g (measured at n = 5000, k = 32:
 * 4.2 against 5.1 ms for m = 196, 1.2 against 1.6 ms for m = 64).
 */
export function transposeProduct(a: tf.Tensor2D, g: tf.Tensor2D): tf.Tensor2D {
  return tf.matMul(tf.transpose(a), g);
}

/**
 * Column sums of g [n, m] -> [m] (the bias gradient of a dense layer), as the product
 * ones [1, n] x g: on wasm about 10x faster than tf.sum(g, 0), which transposes g first.
 */
export function columnSums(g: tf.Tensor2D): tf.Tensor1D {
  const [n, m] = g.shape;
  return tf.reshape(tf.matMul(tf.ones([1, n]), g), [m]);
}

const denseCustom = [false, true].map((relu) =>
  tf.customGrad<tf.Tensor2D>((...args) => {
    const [a, w, b, save] = args as [tf.Tensor2D, tf.Tensor2D, tf.Tensor1D, tf.GradSaveFunc];
    const activation = relu ? 'relu' : 'linear';
    const y = tf.tidy(() => tf.fused.matMul({ a, b: w, bias: b, activation }) as tf.Tensor2D);
    save(relu ? [a, w, y] : [a, w]);
    return {
      value: y,
      gradFunc: (dy, saved) => {
        const [sa, sw, sy] = saved as tf.Tensor2D[];
        const g: tf.Tensor2D = relu ? tf.mul(dy, tf.step(sy)) : dy;
        return [tf.matMul(g, tf.transpose(sw)), transposeProduct(sa, g), columnSums(g)];
      },
    };
  }),
);

/**
 * Dense layer a [n, k] x w [k, m] + b [m] -> [n, m], followed by ReLU when `relu` is set.
 * Gradients: with g = dy (masked by y > 0 for ReLU), dA = g w^T, dW = a^T g, dB = sum_n g.
 */
export function dense(a: tf.Tensor2D, w: tf.Tensor2D, b: tf.Tensor1D, relu: boolean): tf.Tensor2D {
  return denseCustom[relu ? 1 : 0](a, w, b);
}

/**
 * a -> a c for a constant matrix c (no gradient with respect to c), given c and its transpose:
 * dA = dy c^T.
 */
function constantProduct(c: tf.Tensor2D, cT: tf.Tensor2D): (a: tf.Tensor2D) => tf.Tensor2D {
  return tf.customGrad<tf.Tensor2D>((...args) => {
    const a = args[0] as tf.Tensor2D;
    return { value: tf.matMul(a, c), gradFunc: (dy) => tf.matMul(dy, cT) };
  });
}

/** The [d, m] 0/1 matrix S with S[cols[c], c] = 1, as plain numbers (row-major). */
export function selectionValues(d: number, cols: readonly number[]): Float32Array {
  const m = cols.length;
  const values = new Float32Array(d * m);
  cols.forEach((i, c) => {
    if (!Number.isInteger(i) || i < 0 || i >= d) throw new RangeError(`column ${i} not in [0, ${d})`);
    values[i * m + c] = 1;
  });
  return values;
}

/**
 * Constant selection of the columns `cols` out of d. `pick(x [n, d]) -> [n, m]` returns the
 * columns in the order of `cols`; `place(y [n, m]) -> [n, d]` writes them back to their
 * positions with zeros elsewhere. Both are differentiable with respect to their input. Holds two
 * kept tensors; call `dispose()` when done.
 */
export class ColumnSelection {
  readonly dim: number;
  readonly cols: readonly number[];
  private readonly s: tf.Tensor2D;
  private readonly sT: tf.Tensor2D;
  private readonly pickFn: (x: tf.Tensor2D) => tf.Tensor2D;
  private readonly placeFn: (y: tf.Tensor2D) => tf.Tensor2D;

  constructor(dim: number, cols: readonly number[]) {
    if (cols.length === 0) throw new RangeError('a column selection needs at least one column');
    this.dim = dim;
    this.cols = cols.slice();
    const m = cols.length;
    const values = selectionValues(dim, cols);
    const transposed = new Float32Array(dim * m);
    for (let i = 0; i < dim; i++) for (let c = 0; c < m; c++) transposed[c * dim + i] = values[i * m + c];
    this.s = tf.keep(tf.tensor2d(values, [dim, m]));
    this.sT = tf.keep(tf.tensor2d(transposed, [m, dim]));
    this.pickFn = constantProduct(this.s, this.sT);
    this.placeFn = constantProduct(this.sT, this.s);
  }

  /** x [n, d] -> x[:, cols] as [n, m]. */
  pick(x: tf.Tensor2D): tf.Tensor2D {
    return this.pickFn(x);
  }

  /** y [n, m] -> [n, d] with y[:, c] in column cols[c] and zeros elsewhere. */
  place(y: tf.Tensor2D): tf.Tensor2D {
    return this.placeFn(y);
  }

  dispose(): void {
    this.s.dispose();
    this.sT.dispose();
  }
}

/** A kept constant [1, d] row with 1 in the columns where `mask[i] === value`, else 0. */
export function maskRow(mask: readonly boolean[], value: boolean): tf.Tensor2D {
  const row = Float32Array.from(mask, (t) => (t === value ? 1 : 0));
  return tf.keep(tf.tensor2d(row, [1, mask.length]));
}
