/**
 * Small dense ReLU network that maps the kept coordinates of a coupling to spline parameters.
 *
 * Hidden layers use He-uniform weights (limit sqrt(6 / fanIn)) drawn from the seeded float64
 * `Rng`, so the weights depend only on the seed, never on the backend. Biases start at zero and
 * the output layer's weights and bias are exactly zero: the network outputs all-zero parameters,
 * which makes every spline, and so the flow, the identity at initialisation.
 *
 * Optional one-blob input encoding (Müller et al., arXiv:1808.03856): each input u in [0,1]
 * becomes `blob` features exp(-((u - c_k) / sigma)^2 / 2) with centres c_k = (k + 1/2) / blob
 * and sigma = 1 / blob.
 */
import * as tf from '@tensorflow/tfjs';
import type { Rng } from '../rng';
import { columnSums, dense, transposeProduct, type ColumnSelection } from './ops';

/** Shape of a coupling's network: inputs, outputs, hidden widths and one-blob encoding. */
export interface MlpOptions {
  /** Number of inputs (before encoding). */
  inputs: number;
  /** Number of outputs. */
  outputs: number;
  /** Hidden widths, e.g. [32, 32, 32]. */
  hidden: readonly number[];
  /** One-blob bins per input; 0 feeds the inputs as they are. */
  blob: number;
}

/** A named trainable variable and the name used for it in serialized weights. */
export interface NamedVariable {
  name: string;
  variable: tf.Variable;
}

/** x [n, m] in [0,1] -> one-blob features [n, m * blob] (feature index i * blob + k). */
export function oneBlob(x: tf.Tensor2D, blob: number): tf.Tensor2D {
  return tf.tidy(() => {
    const [n, m] = x.shape;
    const centres = tf.tensor3d(
      Float32Array.from({ length: blob }, (_, k) => (k + 0.5) / blob),
      [1, 1, blob],
    );
    const u = tf.mul(tf.sub(tf.reshape(x, [n, m, 1]), centres), blob);
    return tf.reshape(tf.exp(tf.mul(tf.square(u), -0.5)), [n, m * blob]);
  });
}

/**
 * Dense ReLU network with He-uniform hidden weights from the seeded `Rng` and a zero output layer
 * (so its outputs start at zero); inputs `[n, inputs]`, outputs `[n, outputs]`, float32.
 */
export class Mlp {
  readonly options: MlpOptions;
  /** Weights and biases in layer order: w0, b0, w1, b1, ... */
  readonly params: NamedVariable[];

  private readonly weights: tf.Variable[] = [];
  private readonly biases: tf.Variable[] = [];

  /**
   * Builds the layers. With `rng` the hidden weights are He-uniform draws from it; without, all
   * weights are zero (for loading serialized values). `prefix` names the variables.
   */
  constructor(options: MlpOptions, rng: Rng | undefined, prefix: string) {
    checkOptions(options);
    this.options = { ...options, hidden: options.hidden.slice() };
    const first = options.blob > 0 ? options.inputs * options.blob : options.inputs;
    const sizes = [first, ...options.hidden, options.outputs];
    this.params = [];
    for (let l = 0; l + 1 < sizes.length; l++) {
      const [fanIn, fanOut] = [sizes[l], sizes[l + 1]];
      const values = new Float32Array(fanIn * fanOut);
      const last = l + 2 === sizes.length;
      if (rng && !last) {
        const limit = Math.sqrt(6 / fanIn);
        for (let i = 0; i < values.length; i++) values[i] = (2 * rng.next() - 1) * limit;
      }
      const w = makeVariable(tf.tensor2d(values, [fanIn, fanOut]));
      const b = makeVariable(tf.zeros([fanOut]));
      this.weights.push(w);
      this.biases.push(b);
      this.params.push({ name: `${prefix}.w${l}`, variable: w }, { name: `${prefix}.b${l}`, variable: b });
    }
  }

  /** x [n, inputs] -> [n, outputs]. */
  apply(x: tf.Tensor2D): tf.Tensor2D {
    return tf.tidy(() => {
      const last = this.weights.length - 1;
      return dense(this.hidden(x), this.weights[last] as tf.Tensor2D, this.biases[last] as tf.Tensor1D, false);
    });
  }

  /**
   * Output heads: for each selection of output columns, x [n, inputs] -> those columns
   * [n, selection.cols.length], equal to picking them from `apply(x)`. The hidden layers run
   * once; each head multiplies by the selected columns of the last layer's weights (a small
   * product on the weights rather than a column extraction on the [n, outputs] result).
   */
  applyHeads(x: tf.Tensor2D, heads: readonly ColumnSelection[]): tf.Tensor2D[] {
    return tf.tidy(() => this.applyLast(this.hidden(x), heads));
  }

  /**
   * `applyHeads` without a gradient tape, also returning the activations that
   * `backwardHeads` needs: [x, h_1, ..., h_L] (the input and each hidden layer's output).
   * Only without one-blob encoding.
   */
  forwardHeads(x: tf.Tensor2D, heads: readonly ColumnSelection[]): { outputs: tf.Tensor2D[]; acts: tf.Tensor2D[] } {
    if (this.options.blob > 0) throw new Error('forwardHeads does not support one-blob encoding');
    return tf.tidy(() => {
      const acts = [x];
      for (let l = 0; l + 1 < this.weights.length; l++) {
        const h = tf.fused.matMul({ a: acts[l], b: this.weights[l], bias: this.biases[l], activation: 'relu' }) as tf.Tensor2D;
        acts.push(h);
      }
      return { outputs: this.applyLast(acts[acts.length - 1], heads), acts };
    });
  }

  /**
   * Reverse pass of `forwardHeads` by hand: from the gradients with respect to each head's
   * output, the gradients of every weight (in the order of `params`) and of the input x.
   * For a layer h' = relu(h W + b) and g = dh' * [h' > 0]: dW = h^T g, db = sum_rows g,
   * dh = g W^T; the last layer's heads use the selected columns W S of its weights, so
   * dW = sum over heads of (h^T g) S^T.
   */
  backwardHeads(
    acts: readonly tf.Tensor2D[],
    heads: readonly ColumnSelection[],
    dOutputs: readonly tf.Tensor2D[],
  ): { grads: tf.Tensor[]; dInput: tf.Tensor2D } {
    return tf.tidy(() => {
      const last = this.weights.length - 1;
      const w = this.weights[last] as tf.Tensor2D;
      const hLast = acts[last];
      const outputs = this.options.outputs;
      const dWs: tf.Tensor2D[] = [];
      const dBs: tf.Tensor2D[] = [];
      const dhs: tf.Tensor2D[] = [];
      const hLastT = tf.transpose(hLast); // shared by the heads' weight gradients
      heads.forEach((head, i) => {
        const g = dOutputs[i];
        dWs.push(head.place(tf.matMul(hLastT, g)));
        dBs.push(head.place(tf.reshape(columnSums(g), [1, head.cols.length]) as tf.Tensor2D));
        dhs.push(tf.matMul(g, tf.transpose(head.pick(w))));
      });
      const grads: tf.Tensor[] = new Array(2 * (last + 1));
      grads[2 * last] = tf.addN(dWs);
      grads[2 * last + 1] = tf.reshape(tf.addN(dBs), [outputs]);
      let d = tf.addN(dhs) as tf.Tensor2D;
      for (let l = last - 1; l >= 0; l--) {
        const g = tf.mul(d, tf.step(acts[l + 1])) as tf.Tensor2D;
        grads[2 * l] = transposeProduct(acts[l], g);
        grads[2 * l + 1] = columnSums(g);
        d = tf.matMul(g, tf.transpose(this.weights[l] as tf.Tensor2D));
      }
      return { grads, dInput: d };
    });
  }

  dispose(): void {
    for (const { variable } of this.params) variable.dispose();
  }

  /** Every head of the last layer on the last hidden activations h. */
  private applyLast(h: tf.Tensor2D, heads: readonly ColumnSelection[]): tf.Tensor2D[] {
    const last = this.weights.length - 1;
    const w = this.weights[last] as tf.Tensor2D;
    const b = tf.reshape(this.biases[last], [1, this.options.outputs]) as tf.Tensor2D;
    return heads.map((head) => {
      // The wasm fused matMul checks the rank of the bias buffer as it was allocated, and a
      // reshape keeps the [1, 1, c] buffer of the product: add 0 to get a rank-1 buffer.
      const bias = tf.add<tf.Tensor1D>(tf.reshape(head.pick(b), [head.cols.length]), 0);
      return dense(h, head.pick(w), bias, false);
    });
  }

  /** The input encoding and every layer but the last (ReLU). */
  private hidden(x: tf.Tensor2D): tf.Tensor2D {
    let h = this.options.blob > 0 ? oneBlob(x, this.options.blob) : x;
    for (let l = 0; l + 1 < this.weights.length; l++) {
      h = dense(h, this.weights[l] as tf.Tensor2D, this.biases[l] as tf.Tensor1D, true);
    }
    return h;
  }
}

/** A trainable variable initialised from `t`; `t` itself is disposed. */
export function makeVariable(t: tf.Tensor): tf.Variable {
  const v = tf.variable(t, true);
  t.dispose();
  return v;
}

function checkOptions(o: MlpOptions): void {
  const positive = (v: number) => Number.isInteger(v) && v >= 1;
  if (!positive(o.inputs) || !positive(o.outputs)) {
    throw new RangeError(`MLP needs positive integer sizes, got ${o.inputs} -> ${o.outputs}`);
  }
  if (!o.hidden.every(positive)) throw new RangeError(`bad hidden widths [${o.hidden.join(', ')}]`);
  if (!Number.isInteger(o.blob) || o.blob < 0) throw new RangeError(`bad one-blob bins ${o.blob}`);
}
