/**
 * Coupling masks of the flow on [0,1]^d (i-flow, Gao/Isaacson/Krause arXiv:2001.05486, sec. 3).
 *
 * masks[j][i] = true when coupling layer j transforms dimension i; the other dimensions of that
 * layer are kept and condition the transform.
 *
 * - d <= 5: layer j transforms dimension j alone, conditioned on all the others (d layers).
 *   For d = 1 the single layer has nothing to condition on.
 * - d > 5: for each bit b < ceil(log2 d) one mask transforms the dimensions whose index has bit b
 *   set, and the next layer transforms its complement: 2*ceil(log2 d) layers. Any two distinct
 *   indices differ in some bit, so every dimension is conditioned on every other one somewhere.
 */
import { OptionError } from '../errors';

/**
 * Refuse a coupling count below J_min unless forced (a flow in which some dimensions are never
 * conditioned on each other). Returns J_min.
 * @throws OptionError naming the options layers and forceLayers.
 */
export function checkLayers(dim: number, layers: number | undefined, force: boolean): number {
  const jmin = minLayers(dim);
  if (layers !== undefined && layers < jmin && !force) {
    throw new OptionError(
      `{layers} ${layers} is below J_min = ${jmin} for {dim} ${dim}`,
      'use {forceLayers} to accept a flow in which not every dimension is conditioned on every other',
    );
  }
  return jmin;
}

/** Minimum number of couplings J_min for dimension d: d for d <= 5, else 2*ceil(log2 d). */
export function minLayers(d: number): number {
  checkDim(d);
  return d <= 5 ? d : 2 * ceilLog2(d);
}

/** The minimal set of masks (exactly J_min layers). */
function baseMasks(d: number): boolean[][] {
  checkDim(d);
  if (d <= 5) {
    return Array.from({ length: d }, (_, j) => Array.from({ length: d }, (_, i) => i === j));
  }
  const masks: boolean[][] = [];
  for (let b = 0; b < ceilLog2(d); b++) {
    const mask = Array.from({ length: d }, (_, i) => ((i >> b) & 1) === 1);
    masks.push(
      mask,
      mask.map((t) => !t),
    );
  }
  return masks;
}

/**
 * Masks for `layers` couplings in dimension d (default J_min).
 *
 * More layers than J_min repeat the minimal pattern cyclically; when `layers` is not a multiple
 * of J_min the first layers of the pattern occur once more, so some dimensions are transformed
 * more often than others. Fewer layers than J_min leave some pairs of dimensions without
 * conditioning on each other and throw unless `force` is set (the caller should then warn).
 */
export function buildMasks(d: number, layers?: number, force = false): boolean[][] {
  const base = baseMasks(d);
  const count = layers ?? base.length;
  if (!Number.isInteger(count) || count < 1) {
    throw new RangeError(`number of coupling layers must be a positive integer, got ${count}`);
  }
  if (count < base.length && !force) {
    throw new RangeError(`${count} coupling layers are fewer than the minimum ${base.length} for dimension ${d}`);
  }
  return Array.from({ length: count }, (_, j) => base[j % base.length].slice());
}

/** Indices i with mask[i] === value. */
export function maskIndices(mask: readonly boolean[], value = true): number[] {
  const out: number[] = [];
  mask.forEach((t, i) => {
    if (t === value) out.push(i);
  });
  return out;
}

function ceilLog2(d: number): number {
  let b = 0;
  while (1 << b < d) b++;
  return b;
}

function checkDim(d: number): void {
  if (!Number.isInteger(d) || d < 1) {
    throw new RangeError(`dimension must be a positive integer, got ${d}`);
  }
}
