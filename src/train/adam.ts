/**
 * Adam (Kingma & Ba, arXiv:1412.6980) on one flat float64 parameter vector. The gradients
 * arrive flat from the slices (steps.ts), so the update is one loop here instead of about
 * ten tfjs ops per weight tensor, and the moments are kept in float64.
 *
 *   m = b1 m + (1 - b1) g,  v = b2 v + (1 - b2) g^2,
 *   theta -= lr (m / (1 - b1^t)) / (sqrt(v / (1 - b2^t)) + eps)
 *
 * The defaults are those of tf.train.adam (eps 1e-7).
 */
export class Adam {
  readonly m: Float64Array;
  readonly v: Float64Array;
  private t = 0;

  constructor(
    size: number,
    private readonly beta1 = 0.9,
    private readonly beta2 = 0.999,
    private readonly epsilon = 1e-7,
  ) {
    this.m = new Float64Array(size);
    this.v = new Float64Array(size);
  }

  /** Number of steps taken. */
  get steps(): number {
    return this.t;
  }

  /** One step on `params` in place with gradient `grad` times `scale` (e.g. a clipping factor). */
  step(params: Float64Array, grad: Float64Array, lr: number, scale = 1): void {
    const { m, v, beta1, beta2, epsilon } = this;
    if (params.length !== m.length || grad.length !== m.length) {
      throw new RangeError(`Adam: expected ${m.length} parameters and gradients, got ${params.length} and ${grad.length}`);
    }
    this.t++;
    const c1 = 1 - Math.pow(beta1, this.t);
    const c2 = 1 - Math.pow(beta2, this.t);
    for (let i = 0; i < params.length; i++) {
      const g = grad[i] * scale;
      m[i] = beta1 * m[i] + (1 - beta1) * g;
      v[i] = beta2 * v[i] + (1 - beta2) * g * g;
      params[i] -= (lr * (m[i] / c1)) / (Math.sqrt(v[i] / c2) + epsilon);
    }
  }
}
