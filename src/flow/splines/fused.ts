/**
 * Fused spline kernels: each spline family's per-row work (bin search, knots, the spline and
 * its log-derivative) as one tfjs kernel, and its gradient as a second one, instead of about a
 * hundred small ops. On the cpu and wasm backends every tfjs op costs 10-30 us of engine work
 * whatever its size, and a training step of the composite splines ran thousands of them.
 *
 * The kernels are plain loops (kernels/*.ts) registered with tf.registerKernel for 'cpu' and
 * 'wasm', reading and writing the backends' float32 buffers in place, with tf.registerGradient
 * linking each to its gradient kernel. Softmax stays a tfjs op (SIMD on wasm). Other backends
 * (the native 'tensorflow' one, a GPU) keep the composite ops, which run there as a few large
 * device kernels. `setFusedSplines(false)` forces the composite path (tests compare the two).
 */
import * as tf from '@tensorflow/tfjs';
import { linearBackward, linearForward } from './kernels/linear';
import { quadraticBackward, quadraticForward } from './kernels/quadratic';
import { rqsBackward, rqsForward } from './kernels/rqs';

interface FusedAttrs {
  bins: number;
  inverse: boolean;
  /**
   * Gradient kernel only: return the gradients of the softmaxed blocks with respect to their
   * logits (the softmax's reverse pass done in the same loop) instead of the softmax outputs.
   */
  logits?: boolean;
}

/** In place, per row of width w: g <- (g - sum(g s)) s, the reverse pass of s = softmax(raw). */
function softmaxBackwardRows(g: Float32Array, s: Float32Array, width: number): void {
  for (let o = 0; o < g.length; o += width) {
    let dot = 0;
    for (let k = 0; k < width; k++) dot += g[o + k] * s[o + k];
    for (let k = 0; k < width; k++) g[o + k] = (g[o + k] - dot) * s[o + k];
  }
}

interface FusedSpec {
  kernel: string;
  /** Input names: v [N] first, then the per-row parameter blocks [N, size]. */
  inputs: readonly string[];
  /** Per block: true when the kernel takes the block's softmax rather than the block itself. */
  softmax: readonly boolean[];
  forward(n: number, a: FusedAttrs, ins: Float32Array[], out: Float32Array, ld: Float32Array): void;
  /** Writes one gradient per input, in the order of `inputs`. */
  backward(n: number, a: FusedAttrs, ins: Float32Array[], gOut: Float32Array, gLd: Float32Array, grads: Float32Array[]): void;
}

const specs: Record<'rqs' | 'pwlinear' | 'pwquad', FusedSpec> = {
  rqs: {
    kernel: 'IflowRationalQuadraticSpline',
    inputs: ['v', 'pw', 'ph', 'r'],
    softmax: [true, true, false],
    forward: (n, a, [v, pw, ph, r], out, ld) => rqsForward(n, a.bins, a.inverse, v, pw, ph, r, out, ld),
    backward: (n, a, [v, pw, ph, r], gOut, gLd, [gV, gPw, gPh, gR]) =>
      rqsBackward(n, a.bins, a.inverse, v, pw, ph, r, gOut, gLd, gV, gPw, gPh, gR),
  },
  pwlinear: {
    kernel: 'IflowLinearSpline',
    inputs: ['v', 'ph'],
    softmax: [true],
    forward: (n, a, [v, ph], out, ld) => linearForward(n, a.bins, a.inverse, v, ph, out, ld),
    backward: (n, a, [v, ph], gOut, gLd, [gV, gPh]) => linearBackward(n, a.bins, a.inverse, v, ph, gOut, gLd, gV, gPh),
  },
  pwquad: {
    kernel: 'IflowQuadraticSpline',
    inputs: ['v', 'pw', 'e'],
    softmax: [true, true],
    forward: (n, a, [v, pw, e], out, ld) => quadraticForward(n, a.bins, a.inverse, v, pw, e, out, ld),
    backward: (n, a, [v, pw, e], gOut, gLd, [gV, gPw, gE]) => quadraticBackward(n, a.bins, a.inverse, v, pw, e, gOut, gLd, gV, gPw, gE),
  },
};

/** Spline families with fused cpu/wasm kernels: 'rqs', 'pwlinear' and 'pwquad'. */
export type FusedKind = keyof typeof specs;

/** True when `kind` has fused kernels (the spline families; the logit couplings do not). */
export function hasFusedKernels(kind: string): kind is FusedKind {
  return Object.prototype.hasOwnProperty.call(specs, kind);
}

/** Float32 buffers of a backend, read and written in place. */
interface BufferAccess {
  /** Allocates the outputs first (allocation may move the wasm heap), then views every buffer. */
  run(inputs: tf.TensorInfo[], outShapes: number[][], body: (ins: Float32Array[], outs: Float32Array[]) => void): tf.TensorInfo[];
}

interface CpuLike {
  data: { get(id: object): { values?: unknown } };
  makeTensorInfo(shape: number[], dtype: 'float32', values: Float32Array): tf.TensorInfo;
}

interface WasmLike {
  makeOutput(shape: number[], dtype: 'float32'): tf.TensorInfo;
  typedArrayFromHeap(info: tf.TensorInfo): Float32Array;
}

function float32(values: unknown, what: string): Float32Array {
  if (!(values instanceof Float32Array)) throw new Error(`fused spline: ${what} is not a float32 buffer`);
  return values;
}

const size = (shape: number[]) => shape.reduce((a, b) => a * b, 1);

const access: Record<'cpu' | 'wasm', (backend: unknown) => BufferAccess> = {
  cpu: (backend) => ({
    run(inputs, outShapes, body) {
      const b = backend as CpuLike;
      const ins = inputs.map((t, i) => float32(b.data.get(t.dataId).values, `input ${i}`));
      const outs = outShapes.map((s) => new Float32Array(size(s)));
      body(ins, outs);
      return outs.map((values, i) => b.makeTensorInfo(outShapes[i], 'float32', values));
    },
  }),
  wasm: (backend) => ({
    run(inputs, outShapes, body) {
      const b = backend as WasmLike;
      const infos = outShapes.map((s) => b.makeOutput(s, 'float32'));
      const ins = inputs.map((t, i) => float32(b.typedArrayFromHeap(t), `input ${i}`));
      const outs = infos.map((info) => b.typedArrayFromHeap(info));
      body(ins, outs);
      return infos;
    },
  }),
};

/** The kernel's inputs in order (with gOut and gLd for the gradient kernel), checked. */
function checkInputs(spec: FusedSpec, inputs: tf.NamedTensorInfoMap, gradient: boolean): tf.TensorInfo[] {
  const names = gradient ? [...spec.inputs, 'gOut', 'gLd'] : spec.inputs;
  const all = names.map((name) => inputs[name]);
  const n = all[0]?.shape[0];
  for (const [i, t] of all.entries()) {
    if (!t || t.dtype !== 'float32' || t.shape[0] !== n) {
      throw new Error(`${spec.kernel}: input ${i} must be float32 with ${n} rows`);
    }
  }
  return all as tf.TensorInfo[];
}

let registered = false;

function register(): void {
  if (registered) return;
  registered = true;
  for (const spec of Object.values(specs)) {
    for (const backendName of ['cpu', 'wasm'] as const) {
      tf.registerKernel({
        kernelName: spec.kernel,
        backendName,
        kernelFunc: ({ inputs, backend, attrs }) => {
          const ins = checkInputs(spec, inputs, false);
          const n = ins[0].shape[0];
          const a = attrs as unknown as FusedAttrs;
          return access[backendName](backend).run(ins, [[n], [n]], (arrays, [out, ld]) => spec.forward(n, a, arrays, out, ld));
        },
      });
      tf.registerKernel({
        kernelName: `${spec.kernel}Grad`,
        backendName,
        kernelFunc: ({ inputs, backend, attrs }) => {
          const ins = checkInputs(spec, inputs, true);
          const n = ins[0].shape[0];
          const a = attrs as unknown as FusedAttrs;
          const shapes = ins.slice(0, spec.inputs.length).map((t) => t.shape.slice());
          return access[backendName](backend).run(ins, shapes, (arrays, grads) => {
            const k = spec.inputs.length;
            spec.backward(n, a, arrays.slice(0, k), arrays[k], arrays[k + 1], grads);
            if (a.logits) {
              spec.softmax.forEach((soft, i) => {
                if (soft) softmaxBackwardRows(grads[i + 1], arrays[i + 1], shapes[i + 1][1]);
              });
            }
          });
        },
      });
    }
    tf.registerGradient({
      kernelName: spec.kernel,
      inputsToSave: [...spec.inputs],
      gradFunc: (dy, saved, attrs) => {
        // dy holds null for an output that does not reach the loss. The gradient kernel runs
        // here, once: the engine calls each input's closure inside its own tidy, which would
        // dispose the other inputs' gradients.
        const n = saved[0].shape[0];
        const [gOut, gLd] = (dy as (tf.Tensor | null)[]).map((g) => g ?? tf.zeros([n]));
        const inputs: tf.NamedTensorMap = { gOut, gLd };
        spec.inputs.forEach((name, i) => (inputs[name] = saved[i]));
        const grads = tf.engine().runKernel(`${spec.kernel}Grad`, inputs, attrs as unknown as tf.NamedAttrMap) as tf.Tensor[];
        return Object.fromEntries(spec.inputs.map((name, i) => [name, () => grads[i]]));
      },
    });
  }
}

let enabled = true;

/** Turns the fused kernels on or off (on by default); returns the previous setting. */
export function setFusedSplines(on: boolean): boolean {
  const before = enabled;
  enabled = on;
  return before;
}

/** True when the active backend runs the fused kernels. */
export function useFused(): boolean {
  const name = tf.getBackend();
  return enabled && (name === 'cpu' || name === 'wasm');
}

/**
 * Runs the fused kernel of `kind`: v [N] and the blocks (softmax outputs where the family
 * normalises them, raw derivatives for rqs) -> out [N] and ld [N] = log |d out / d v|.
 */
export function runFused(
  kind: FusedKind,
  v: tf.Tensor1D,
  blocks: tf.Tensor2D[],
  bins: number,
  inverse: boolean,
): [tf.Tensor1D, tf.Tensor1D] {
  register();
  const spec = specs[kind];
  const inputs: tf.NamedTensorMap = {};
  [v, ...blocks].forEach((t, i) => (inputs[spec.inputs[i]] = t));
  const attrs: FusedAttrs = { bins, inverse };
  return tf.engine().runKernel(spec.kernel, inputs, attrs as unknown as tf.NamedAttrMap) as [tf.Tensor1D, tf.Tensor1D];
}

/** The kernel inputs of the parameter blocks [N, size]: softmax where the family normalises. */
function fusedInputs(kind: FusedKind, blocks: tf.Tensor2D[]): tf.Tensor2D[] {
  return blocks.map((b, i) => (specs[kind].softmax[i] ? (tf.softmax(b) as tf.Tensor2D) : b));
}

/**
 * The gradient kernel alone: gradients of sum(gOut * out + gLd * ld) with respect to v and
 * each parameter block, at v [N] with the kernel inputs of a `fusedPass`. The gradients of the
 * softmaxed blocks are with respect to their logits (the raw blocks), the others with respect
 * to the blocks themselves.
 */
export function runFusedGrad(
  kind: FusedKind,
  v: tf.Tensor1D,
  inputs: tf.Tensor2D[],
  gOut: tf.Tensor1D,
  gLd: tf.Tensor1D,
  bins: number,
  inverse: boolean,
): [tf.Tensor1D, tf.Tensor2D[]] {
  register();
  const spec = specs[kind];
  const named: tf.NamedTensorMap = { gOut, gLd };
  [v, ...inputs].forEach((t, i) => (named[spec.inputs[i]] = t));
  const attrs: FusedAttrs = { bins, inverse, logits: true };
  const out = tf.engine().runKernel(`${spec.kernel}Grad`, named, attrs as unknown as tf.NamedAttrMap) as tf.Tensor[];
  return [out[0] as tf.Tensor1D, out.slice(1) as tf.Tensor2D[]];
}

/** One fused spline pass, with what the cached gradient keeps of it. */
export interface FusedPass {
  y: tf.Tensor2D;
  /** Summed over the m coordinates: [n]. */
  logAbsDet: tf.Tensor1D;
  /** The kernel inputs made from the blocks (see fusedInputs). */
  inputs: tf.Tensor2D[];
  /** y flattened: [n * m]. */
  out: tf.Tensor1D;
}

/** The fused spline of z [n, m] with raw blocks [n*m, size]. */
export function fusedPass(kind: FusedKind, z: tf.Tensor2D, blocks: tf.Tensor2D[], bins: number, inverse: boolean): FusedPass {
  const [n, m] = z.shape;
  const inputs = fusedInputs(kind, blocks);
  const [out, ld] = runFused(kind, tf.reshape(z, [n * m]) as tf.Tensor1D, inputs, bins, inverse);
  const logAbsDet = m === 1 ? ld : (tf.sum(tf.reshape(ld, [n, m]), 1) as tf.Tensor1D);
  return { y: tf.reshape(out, [n, m]), logAbsDet, inputs, out };
}

/** The fused spline of z [n, m] with raw blocks [n*m, size]: y [n, m] and the summed log-det [n]. */
export function applyFused(
  kind: FusedKind,
  z: tf.Tensor2D,
  blocks: tf.Tensor2D[],
  bins: number,
  inverse: boolean,
): { y: tf.Tensor2D; logAbsDet: tf.Tensor1D } {
  const { y, logAbsDet } = fusedPass(kind, z, blocks, bins, inverse);
  return { y, logAbsDet };
}
