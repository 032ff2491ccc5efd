/**
 * Float64 sufficient statistics of the further integrands and the observable histograms,
 * carried beside the Moments of F (Moments.observables) and merged by adding them.
 *
 * On each sample point x_i ~ q the weights are v_i = (f/q, g_1/q, ..., g_m/q)(x_i) (times the
 * Jacobian of the domain map). With S_a = sum v_a and P_ab = sum v_a v_b:
 *
 *   G_a = S_a / n,   Cov(G_a, G_b) = (P_ab - S_a S_b / n) / (n (n - 1))       (iid points)
 *
 * For a stratified sampler (VEGAS+: points drawn hypercube by hypercube, each hypercube's
 * weights already carrying N V_h / n_h) the covariance of the sums is
 *
 *   Cov(sum v_a, sum v_b) = sum_h n_h/(n_h - 1) (P_ab,h - S_a,h S_b,h / n_h),
 *
 * the bilinear form of the stratified variance of Var(sum w) (src/vegas/stratify.ts, with its
 * round-off floor on the diagonal). The points of a hypercube arrive together, so the
 * per-hypercube sums are kept for the open hypercube only (memory O(m^2), not O(H m^2)).
 * Parts without strata join stratified ones with their iid covariance of the sums, as Var(sum
 * w) does in src/estimate/stats.ts.
 *
 * A histogram of h(x) keeps, per cell, sum w and sum w^2 of w = f/q over the points with h(x)
 * in the cell: [underflow, bins..., overflow, undefined (h not a number)].
 *
 * All weight sums are in units of `scale`, a power of two (exact rescaling), so that integrands
 * near 1e300 or 1e-300 neither overflow nor underflow.
 */
import { keepLargest, mergeLargest, TAIL_KEEP } from '../estimate/tail';

/** Per further integrand g_k: the diagnostics of its weights g_k/q. */
export interface IntegrandWeights {
  /** sum |g/q| and max |g/q| (units of scale). */
  sumAbs: number;
  maxAbs: number;
  /** The largest |g/q| in decreasing order (user units), at most TAIL_KEEP (Pareto k-hat). */
  top: number[];
  /** Points where g was zero. */
  zeros: number;
  /** Points where g/q was not finite and was counted as zero (--nan zero). */
  nonFinite: number;
  /** Points where g was non-zero and f was zero: g's support reaches outside f's. */
  outside: number;
}

/** Per histogram: sums over the cells [underflow, bin 1..bins, overflow, undefined]. */
export interface HistogramSums {
  /** sum w per cell (units of scale). */
  s1: number[];
  /** sum w^2 per cell (units of scale^2). */
  s2: number[];
}

/**
 * The sufficient statistics of the further integrands and observable histograms on one set of
 * points (m further integrands, K = m + 1 weights per point with f/q first); every field adds
 * under merge (`mergeObservableMoments`).
 */
export interface ObservableMoments {
  /** Points (equal to the Moments' n). */
  n: number;
  /** Unit of the weight sums (power of two): s1-like sums in scale, products in scale^2. */
  scale: number;
  /** S_a for a = 0 (f/q), 1..m (g_k/q). */
  sums: number[];
  /** P_ab = sum v_a v_b for a <= b, packed row by row: index(a, b) = a K - a(a-1)/2 + (b - a), K = m + 1. */
  products: number[];
  /** Cov(sum v_a, sum v_b) of a stratified sampler (packed as `products`, units scale^2). */
  strataCov?: number[];
  integrands: IntegrandWeights[];
  histograms: HistogramSums[];
}

/** Cells of a histogram of `bins` bins: underflow, the bins, overflow, undefined. */
export const histogramCells = (bins: number) => bins + 3;

/** Index of (a, b), a <= b, in a packed symmetric K x K matrix. */
export function packedIndex(a: number, b: number, K: number): number {
  if (a > b) [a, b] = [b, a];
  return a * K - (a * (a - 1)) / 2 + (b - a);
}

const packedSize = (K: number) => (K * (K + 1)) / 2;

/** Relative round-off floor of a hypercube's variance (as src/vegas/stratify.ts). */
const ROUNDOFF = 10 * Number.EPSILON;
/** Largest ratio of a chunk's max |v| to the unit before the sums are rescaled. */
const RESCALE_LIMIT = Math.pow(2, 300);

function powerOfTwoNear(x: number): number {
  const e = Math.round(Math.log2(x));
  return Math.pow(2, Math.min(1023, Math.max(-1022, e)));
}

/** Empty statistics for m further integrands and histograms of the given bin counts. */
export function emptyObservableMoments(m: number, bins: number[]): ObservableMoments {
  const K = m + 1;
  return {
    n: 0,
    scale: 1,
    sums: new Array(K).fill(0),
    products: new Array(packedSize(K)).fill(0),
    integrands: Array.from({ length: m }, () => ({ sumAbs: 0, maxAbs: 0, top: [], zeros: 0, nonFinite: 0, outside: 0 })),
    histograms: bins.map((b) => ({ s1: new Array(histogramCells(b)).fill(0), s2: new Array(histogramCells(b)).fill(0) })),
  };
}

/** The hypercube whose points are arriving: its id, count, sums and products (units of scale). */
interface OpenStratum {
  id: number;
  n: number;
  s: Float64Array;
  p: Float64Array;
}

/** Open hypercubes of stratified statistics still being filled (not part of the data). */
const openStrata = new WeakMap<ObservableMoments, OpenStratum>();

function isEmpty(om: ObservableMoments): boolean {
  return om.sums.every((s) => s === 0) && om.products.every((p) => p === 0) && om.integrands.every((g) => g.maxAbs === 0);
}

/** Express the sums in the unit `scale` (in place). */
function setScale(om: ObservableMoments, scale: number): void {
  if (scale === om.scale) return;
  if (isEmpty(om)) {
    om.scale = scale;
    return;
  }
  const f = om.scale / scale;
  const f2 = f * f;
  for (let a = 0; a < om.sums.length; a++) om.sums[a] *= f;
  for (let i = 0; i < om.products.length; i++) om.products[i] *= f2;
  if (om.strataCov) for (let i = 0; i < om.strataCov.length; i++) om.strataCov[i] *= f2;
  for (const g of om.integrands) {
    g.sumAbs *= f;
    g.maxAbs *= f;
  }
  for (const h of om.histograms) {
    for (let c = 0; c < h.s1.length; c++) {
      h.s1[c] *= f;
      h.s2[c] *= f2;
    }
  }
  const open = openStrata.get(om);
  if (open) {
    for (let a = 0; a < open.s.length; a++) open.s[a] *= f;
    for (let i = 0; i < open.p.length; i++) open.p[i] *= f2;
  }
  om.scale = scale;
}

/** Add the open hypercube's contribution to strataCov and forget it. */
function flushStratum(om: ObservableMoments, open: OpenStratum): void {
  const K = om.sums.length;
  const cov = (om.strataCov ??= new Array(packedSize(K)).fill(0));
  const n = open.n;
  if (n >= 2) {
    for (let a = 0; a < K; a++) {
      for (let b = a; b < K; b++) {
        const i = packedIndex(a, b, K);
        const t = (n * open.p[i] - open.s[a] * open.s[b]) / (n - 1);
        if (a === b) {
          const floor = ROUNDOFF * open.p[i];
          cov[i] += t > floor ? t : floor;
        } else {
          cov[i] += t;
        }
      }
    }
  }
  open.n = 0;
  open.s.fill(0);
  open.p.fill(0);
}

/**
 * Close the open hypercube of stratified statistics (end of an iteration): its contribution
 * goes into strataCov. Idempotent; a no-op for iid statistics.
 */
export function closeStrata(om: ObservableMoments): void {
  const open = openStrata.get(om);
  if (!open) return;
  flushStratum(om, open);
  openStrata.delete(om);
}

/** The inputs of one chunk of n points. */
export interface ObservableChunk {
  n: number;
  /** f at the points (the zero test of the support check). */
  f: ArrayLike<number>;
  /** w = f/q (non-finite values already resolved). */
  w: ArrayLike<number>;
  /** g_k/q per further integrand (non-finite values already resolved to 0). */
  wg: ArrayLike<number>[];
  /** g_k at the points (the zero and support counts). */
  g: ArrayLike<number>[];
  /** h(x) per histogram. */
  h: ArrayLike<number>[];
  /** Hypercube of each point for a stratified sampler (points of a hypercube consecutive), else null. */
  groups: ArrayLike<number> | null;
}

/**
 * Add a chunk (in place). `lo`, `hi`, `bins` per histogram give its cells; `nonFinite[k]`
 * counts the points of g_k set to zero by --nan zero in this chunk.
 */
export function accumulateObservables(
  om: ObservableMoments,
  chunk: ObservableChunk,
  histograms: { lo: number; hi: number; bins: number }[],
  nonFinite: number[] = [],
): void {
  const { n, f, w, wg, g, h, groups } = chunk;
  const m = wg.length;
  const K = m + 1;
  let chunkMax = 0;
  for (let i = 0; i < n; i++) {
    const a = Math.abs(w[i]);
    if (a > chunkMax) chunkMax = a;
  }
  for (let k = 0; k < m; k++) {
    const v = wg[k];
    for (let i = 0; i < n; i++) {
      const a = Math.abs(v[i]);
      if (a > chunkMax) chunkMax = a;
    }
  }
  if (chunkMax > 0 && Number.isFinite(chunkMax)) {
    if (isEmpty(om)) setScale(om, powerOfTwoNear(chunkMax));
    else if (chunkMax / om.scale > RESCALE_LIMIT) setScale(om, powerOfTwoNear(chunkMax));
  }
  const inv = 1 / om.scale;
  const s = new Float64Array(K);
  const p = new Float64Array(packedSize(K));
  const v = new Float64Array(K);
  let open: OpenStratum | undefined;
  if (groups) {
    open = openStrata.get(om);
    if (!open) {
      open = { id: -1, n: 0, s: new Float64Array(K), p: new Float64Array(packedSize(K)) };
      openStrata.set(om, open);
      om.strataCov ??= new Array(packedSize(K)).fill(0);
    }
  }
  for (let i = 0; i < n; i++) {
    v[0] = w[i] * inv;
    for (let k = 0; k < m; k++) v[k + 1] = wg[k][i] * inv;
    for (let a = 0, idx = 0; a < K; a++) {
      const va = v[a];
      s[a] += va;
      for (let b = a; b < K; b++, idx++) p[idx] += va * v[b];
    }
    if (open && groups) {
      const id = groups[i];
      if (id !== open.id) {
        if (open.n > 0) flushStratum(om, open);
        open.id = id;
      }
      open.n++;
      for (let a = 0, idx = 0; a < K; a++) {
        const va = v[a];
        open.s[a] += va;
        for (let b = a; b < K; b++, idx++) open.p[idx] += va * v[b];
      }
    }
  }
  for (let a = 0; a < K; a++) om.sums[a] += s[a];
  for (let i = 0; i < p.length; i++) om.products[i] += p[i];
  for (let k = 0; k < m; k++) {
    const gk = om.integrands[k];
    const vk = wg[k];
    const raw = g[k];
    let sumAbs = 0;
    let maxAbs = gk.maxAbs;
    let zeros = 0;
    let outside = 0;
    for (let i = 0; i < n; i++) {
      const a = Math.abs(vk[i] * inv);
      sumAbs += a;
      if (a > maxAbs) maxAbs = a;
      if (raw[i] === 0) zeros++;
      else if (f[i] === 0) outside++;
    }
    gk.sumAbs += sumAbs;
    gk.maxAbs = maxAbs;
    gk.zeros += zeros;
    gk.outside += outside;
    gk.nonFinite += nonFinite[k] ?? 0;
    gk.top = keepLargest(gk.top, vk, n);
  }
  for (let j = 0; j < histograms.length; j++) {
    const { lo, hi, bins } = histograms[j];
    const hs = om.histograms[j];
    const hv = h[j];
    const width = (hi - lo) / bins;
    const over = bins + 1;
    const undef = bins + 2;
    for (let i = 0; i < n; i++) {
      const wi = w[i] * inv;
      if (wi === 0) continue;
      const x = hv[i];
      let c: number;
      if (Number.isNaN(x)) c = undef;
      else if (x < lo) c = 0;
      else if (x >= hi) c = over;
      else {
        c = 1 + Math.floor((x - lo) / width);
        if (c > bins) c = bins; // x just below hi rounding up
      }
      hs.s1[c] += wi;
      hs.s2[c] += wi * wi;
    }
  }
  om.n += n;
}

/** A copy of the statistics with the open hypercube (if any) closed: what a merge or a summary reads. */
export function settled(om: ObservableMoments): ObservableMoments {
  const copy: ObservableMoments = {
    n: om.n,
    scale: om.scale,
    sums: [...om.sums],
    products: [...om.products],
    ...(om.strataCov ? { strataCov: [...om.strataCov] } : {}),
    integrands: om.integrands.map((g) => ({ ...g, top: [...g.top] })),
    histograms: om.histograms.map((h) => ({ s1: [...h.s1], s2: [...h.s2] })),
  };
  const open = openStrata.get(om);
  if (open && open.n > 0) {
    flushStratum(copy, { id: open.id, n: open.n, s: Float64Array.from(open.s), p: Float64Array.from(open.p) });
  }
  return copy;
}

/** Cov(sum v_a, sum v_b) of iid points, packed, in units of scale^2 (Infinity for one point). */
function iidCovariance(om: ObservableMoments): number[] {
  const K = om.sums.length;
  const n = om.n;
  const out = new Array(packedSize(K)).fill(0);
  if (n === 0) return out;
  for (let a = 0; a < K; a++) {
    for (let b = a; b < K; b++) {
      const i = packedIndex(a, b, K);
      if (n < 2) out[i] = a === b ? Infinity : 0;
      else {
        const c = (om.products[i] - (om.sums[a] * om.sums[b]) / n) * (n / (n - 1));
        out[i] = a === b ? Math.max(0, c) : c;
      }
    }
  }
  return out;
}

/** Cov(sum v_a, sum v_b) (packed, units of scale^2): the stratified one when present, else iid. */
export function sumCovariance(om: ObservableMoments): number[] {
  const s = settled(om);
  return s.strataCov ?? iidCovariance(s);
}

/** True when two sets of statistics describe the same integrands and histogram cells. */
function sameShape(a: ObservableMoments, b: ObservableMoments): boolean {
  return (
    a.sums.length === b.sums.length &&
    a.histograms.length === b.histograms.length &&
    a.histograms.every((h, j) => h.s1.length === b.histograms[j].s1.length)
  );
}

/**
 * The statistics of the pooled points of a and b (new object; the inputs are not changed).
 * An undefined side contributes nothing (it must then hold no points: `nA`/`nB` are the
 * point counts of the Moments that carry the statistics).
 * @throws Error when the shapes differ, or a side with points lacks the statistics.
 */
export function mergeObservableMoments(
  a: ObservableMoments | undefined,
  b: ObservableMoments | undefined,
  nA: number,
  nB: number,
): ObservableMoments {
  if (!a || !b) {
    const only = (a ?? b) as ObservableMoments;
    if ((!a && nA > 0) || (!b && nB > 0)) throw new Error('cannot merge moments with and without observables');
    return settled(only);
  }
  if (!sameShape(a, b)) throw new Error('cannot merge observables of different shapes');
  const x = settled(a);
  const y = settled(b);
  if (x.scale !== y.scale) {
    const scale = isEmpty(x) ? y.scale : isEmpty(y) ? x.scale : Math.max(x.scale, y.scale);
    setScale(x, scale);
    setScale(y, scale);
  }
  const add = (p: number[], q: number[]) => p.map((v, i) => v + q[i]);
  const stratified = x.strataCov !== undefined || y.strataCov !== undefined;
  return {
    n: x.n + y.n,
    scale: x.scale,
    sums: add(x.sums, y.sums),
    products: add(x.products, y.products),
    ...(stratified ? { strataCov: add(x.strataCov ?? iidCovariance(x), y.strataCov ?? iidCovariance(y)) } : {}),
    integrands: x.integrands.map((g, k) => {
      const h = y.integrands[k];
      return {
        sumAbs: g.sumAbs + h.sumAbs,
        maxAbs: Math.max(g.maxAbs, h.maxAbs),
        top: mergeLargest(g.top, h.top),
        zeros: g.zeros + h.zeros,
        nonFinite: g.nonFinite + h.nonFinite,
        outside: g.outside + h.outside,
      };
    }),
    histograms: x.histograms.map((h, j) => ({ s1: add(h.s1, y.histograms[j].s1), s2: add(h.s2, y.histograms[j].s2) })),
  };
}

/**
 * The statistics of several iterations with each integrand's `top` cut to the values that can
 * be among the TAIL_KEEP largest of all of them pooled (what a file needs for the pooled tail).
 */
export function trimObservableTails(list: ObservableMoments[]): ObservableMoments[] {
  if (list.length === 0) return list;
  const m = list[0].integrands.length;
  const floors: number[] = [];
  for (let k = 0; k < m; k++) {
    const pooled = list.reduce<number[]>((t, om) => mergeLargest(t, om.integrands[k]?.top ?? []), []);
    floors.push(pooled.length < TAIL_KEEP ? 0 : pooled[TAIL_KEEP - 1]);
  }
  return list.map((om) => ({
    ...om,
    integrands: om.integrands.map((g, k) => (floors[k] > 0 ? { ...g, top: g.top.filter((v) => v >= floors[k]) } : g)),
  }));
}
