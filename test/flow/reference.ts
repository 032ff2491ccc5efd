/**
 * Float64 JS reference of a whole flow, computed from its serialized weights with the float64
 * spline references, plus a finite-difference Jacobian and helpers to perturb a flow's weights.
 */
import type { Flow, SerializedFlow } from '../../src/flow/flow';
import { maskIndices } from '../../src/flow/masks';
import { referenceParamCount, referenceSplines } from './splines/reference';
import { Rng } from '../../src/rng';

interface Dense {
  w: number[];
  b: number[];
  fanIn: number;
  fanOut: number;
}

interface RefCoupling {
  kept: number[];
  transformed: number[];
  layers: Dense[];
  bias?: number[];
}

/** The flow of `data` as float64 functions of one point at a time. */
export class ReferenceFlow {
  private readonly couplings: RefCoupling[];

  constructor(private readonly data: SerializedFlow) {
    const byName = new Map(data.weights.map((w) => [w.name, w]));
    this.couplings = data.config.masks.map((mask, j) => {
      const kept = maskIndices(mask, false);
      const transformed = maskIndices(mask, true);
      if (kept.length === 0) {
        return { kept, transformed, layers: [], bias: byName.get(`coupling${j}.bias`)!.values };
      }
      const layers: Dense[] = [];
      for (let l = 0; byName.has(`coupling${j}.w${l}`); l++) {
        const w = byName.get(`coupling${j}.w${l}`)!;
        layers.push({ w: w.values, b: byName.get(`coupling${j}.b${l}`)!.values, fanIn: w.shape[0], fanOut: w.shape[1] });
      }
      return { kept, transformed, layers };
    });
  }

  /** Forward (z -> x) or inverse (x -> z) map of one point and the log|det| of that direction. */
  apply(point: readonly number[], inverse: boolean): { y: number[]; logAbsDet: number } {
    const { spline, bins } = this.data.config;
    const p = referenceParamCount(spline, bins);
    const f = referenceSplines[spline];
    let y = point.slice();
    let logAbsDet = 0;
    const order = inverse ? this.couplings.slice().reverse() : this.couplings;
    for (const c of order) {
      const raw =
        c.bias ??
        this.mlp(
          c,
          c.kept.map((i) => y[i]),
        );
      const next = y.slice();
      c.transformed.forEach((i, k) => {
        const r = f(y[i], raw.slice(k * p, (k + 1) * p), bins, inverse);
        next[i] = r.y;
        logAbsDet += r.logAbsDet;
      });
      y = next;
    }
    return { y, logAbsDet };
  }

  private mlp(c: RefCoupling, input: number[]): number[] {
    const blob = this.data.config.blob;
    let h = input;
    if (blob > 0) {
      h = input.flatMap((u) => Array.from({ length: blob }, (_, k) => Math.exp(-0.5 * ((u - (k + 0.5) / blob) * blob) ** 2)));
    }
    c.layers.forEach((layer, l) => {
      const out = layer.b.slice();
      for (let i = 0; i < layer.fanIn; i++) {
        for (let o = 0; o < layer.fanOut; o++) out[o] += h[i] * layer.w[i * layer.fanOut + o];
      }
      h = l + 1 < c.layers.length ? out.map((v) => Math.max(v, 0)) : out;
    });
    return h;
  }
}

/** log |det| of the Jacobian of `map` at `point` by central differences with step h. */
export function numericalLogAbsDet(map: (p: number[]) => number[], point: readonly number[], h: number): number {
  const d = point.length;
  const jac = Array.from({ length: d }, () => new Array<number>(d).fill(0));
  for (let b = 0; b < d; b++) {
    const plus = point.slice();
    const minus = point.slice();
    plus[b] += h;
    minus[b] -= h;
    const yp = map(plus);
    const ym = map(minus);
    for (let a = 0; a < d; a++) jac[a][b] = (yp[a] - ym[a]) / (2 * h);
  }
  return logAbsDeterminant(jac);
}

/** log |det A| by Gaussian elimination with partial pivoting (A is overwritten). */
function logAbsDeterminant(a: number[][]): number {
  const d = a.length;
  let sum = 0;
  for (let c = 0; c < d; c++) {
    let pivot = c;
    for (let r = c + 1; r < d; r++) if (Math.abs(a[r][c]) > Math.abs(a[pivot][c])) pivot = r;
    [a[c], a[pivot]] = [a[pivot], a[c]];
    const v = a[c][c];
    sum += Math.log(Math.abs(v));
    for (let r = c + 1; r < d; r++) {
      const factor = a[r][c] / v;
      for (let k = c; k < d; k++) a[r][k] -= factor * a[c][k];
    }
  }
  return sum;
}

/**
 * Adds seeded uniform noise in [-scale, scale] to the output layer (weights and bias) of every
 * coupling, and to the bias of couplings without kept dimensions, so the flow is no longer the
 * identity.
 */
export function perturbOutputLayers(flow: Flow, seed: number, scale: number): void {
  const data = flow.serialize();
  const last = `.w${data.config.hidden.length}`;
  const lastBias = `.b${data.config.hidden.length}`;
  const rng = new Rng(seed, 7);
  const weights = data.weights.map((w) => {
    const touched = w.name.endsWith(last) || w.name.endsWith(lastBias) || w.name.endsWith('.bias');
    return touched ? { ...w, values: w.values.map((v) => v + scale * (2 * rng.next() - 1)) } : w;
  });
  flow.setWeights(weights);
}
