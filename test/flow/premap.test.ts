/**
 * The VEGAS map under the flow: a new (identity) flow on top of a map samples exactly like the
 * map, log q(u) = log q_T(y) - log|dV/dy|, and saved models carry the map.
 */
import fs from 'fs';
import os from 'os';
import path from 'path';
import { initBackend } from '../../src/backend';
import { mapThroughFlow } from '../../src/estimate/importance';
import { defaultFlowConfig, Flow } from '../../src/flow/flow';
import { flowDigest, instantiateFlow, readModel, saveModel } from '../../src/model';
import { Rng } from '../../src/rng';
import { adaptVegas, AdaptiveMap } from '../../src/vegas';

let map: AdaptiveMap;

beforeAll(async () => {
  await initBackend('cpu');
  // a map adapted to a peak at (0.3, 0.7): far from the identity
  const g = (u: Float64Array, n: number, out: Float64Array) => {
    for (let i = 0; i < n; i++) out[i] = Math.exp(-((u[2 * i] - 0.3) ** 2 + (u[2 * i + 1] - 0.7) ** 2) / 0.01);
  };
  map = (await adaptVegas(g, 2, new Rng(1, 8), { callsPerIteration: 4000, iterations: 5 })).map;
});

test('an identity flow on a map samples as the map: u = V(z), log q = -log|dV/dz|', () => {
  const flow = Flow.create(defaultFlowConfig({ dim: 2, bins: 8, hidden: [8] }), 3);
  flow.premap = map;
  const n = 256;
  const z = new Float32Array(n * 2);
  new Rng(2, 1).fill(z);
  const { x, logQ } = mapThroughFlow(flow, z, n);
  const u = new Float64Array(n * 2);
  const logJ = new Float64Array(n);
  map.forward(Float64Array.from(z), n, u, logJ);
  for (let i = 0; i < n; i++) {
    // the identity coupling chain returns z up to float32 rounding
    expect(Math.abs(logQ[i] + logJ[i])).toBeLessThan(1e-3);
    for (let k = 0; k < 2; k++) expect(Math.abs(x[2 * i + k] - u[2 * i + k])).toBeLessThan(1e-5);
  }
  // the map is far from the identity: these are not the z themselves
  expect(Math.max(...Array.from(logJ, Math.abs))).toBeGreaterThan(1);
  flow.dispose();
});

test('q integrates to 1 with the map under a trained-looking flow (d = 2, midpoint rule on the flow side)', () => {
  const flow = Flow.create(defaultFlowConfig({ dim: 2, bins: 8, hidden: [8] }), 3);
  const rng = new Rng(5, 11);
  flow.setWeights(flow.serialize().weights.map((w) => ({ ...w, values: w.values.map(() => 0.4 * (rng.next() - 0.5)) })));
  flow.premap = map;
  // E_q[1/q] over the cube = volume 1: an importance-sampling check of the density
  const n = 20000;
  const z = new Float32Array(n * 2);
  new Rng(7, 1).fill(z);
  const { logQ } = mapThroughFlow(flow, z, n);
  let s = 0;
  let s2 = 0;
  for (let i = 0; i < n; i++) {
    const w = Math.exp(-logQ[i]);
    s += w;
    s2 += w * w;
  }
  const mean = s / n;
  const se = Math.sqrt((s2 / n - mean * mean) / n);
  expect(Math.abs(mean - 1)).toBeLessThan(4 * se);
  flow.dispose();
});

test('a saved model carries its map; the digest covers the map', () => {
  const dir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'iflow-premap-')), 'model');
  const flow = Flow.create(defaultFlowConfig({ dim: 2, bins: 4, hidden: [4] }), 3);
  const bare = flowDigest(flow);
  flow.premap = map;
  expect(flowDigest(flow)).not.toBe(bare);
  saveModel(dir, flow, {
    problem: {
      expression: 'x1',
      dim: 2,
      bounds: [
        [0, 1],
        [0, 1],
      ],
      params: {},
    },
    seed: 1,
    training: null,
  });
  const loaded = readModel(dir);
  expect(loaded.digest).toBe(flowDigest(flow));
  const again = instantiateFlow(loaded);
  expect(again.premap).not.toBeNull();
  expect(Array.from(again.premap!.toJSON().edges[1])).toEqual(Array.from(map.toJSON().edges[1]));
  const z = new Float32Array([0.1, 0.2, 0.8, 0.9]);
  expect(Array.from(mapThroughFlow(again, z, 2).logQ)).toEqual(Array.from(mapThroughFlow(flow, z, 2).logQ));
  flow.dispose();
  again.dispose();
});
