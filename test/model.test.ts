import fs from 'fs';
import os from 'os';
import path from 'path';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../src/backend';
import { UsageError } from '../src/errors';
import { defaultFlowConfig, Flow } from '../src/flow/flow';
import { flowDigest, instantiateFlow, readModel, saveModel, type SaveInfo } from '../src/model';
import { Rng } from '../src/rng';

/** A small flow whose weights are all non-zero (not the identity). */
function randomFlow(seed: number): Flow {
  const flow = Flow.create(defaultFlowConfig({ dim: 3, spline: 'rqs', bins: 4, hidden: [8] }), seed);
  const rng = new Rng(seed, 11);
  const data = flow.serialize();
  flow.setWeights(data.weights.map((w) => ({ ...w, values: w.values.map(() => 0.3 * (rng.next() - 0.5)) })));
  return flow;
}

const info: SaveInfo = {
  problem: {
    expression: 'x1*x2*x3',
    dim: 3,
    bounds: [
      [0, 1],
      [0, 2],
      [-1, 1],
    ],
    params: { a: 1.5 },
  },
  seed: 4,
  training: null,
};

let tmp: string;
beforeAll(async () => {
  await initBackend('cpu');
});
beforeEach(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'iflow-model-'));
});
afterEach(() => {
  fs.rmSync(tmp, { recursive: true, force: true });
});

function forward(flow: Flow, z: Float32Array): { x: Float32Array; logQ: Float32Array } {
  const zt = tf.tensor2d(z, [z.length / 3, 3]);
  const out = flow.forward(zt);
  const r = { x: out.x.dataSync() as Float32Array, logQ: out.logQ.dataSync() as Float32Array };
  tf.dispose([zt, out.x, out.logQ]);
  return r;
}

describe('saved models', () => {
  test('save then load restores every weight bit for bit and the same samples', () => {
    const flow = randomFlow(1);
    const dir = path.join(tmp, 'nested', 'model');
    const doc = saveModel(dir, flow, info);
    expect(fs.readdirSync(dir).sort()).toEqual(['model.json', 'weights.bin']);
    expect(fs.readdirSync(path.dirname(dir))).toEqual(['model']); // no temporary left behind
    const model = readModel(dir);
    expect(model.doc).toEqual(doc);
    expect(model.doc.problem).toEqual(info.problem);
    expect(model.doc.weights.byteLength).toBe(4 * flow.parameterCount);
    expect(model.digest).toBe(flowDigest(flow));
    const loaded = instantiateFlow(model);
    expect(loaded.serialize()).toEqual(flow.serialize());
    const z = new Rng(3, 2).fill(new Float32Array(64 * 3)) as Float32Array;
    const a = forward(flow, z);
    const b = forward(loaded, z);
    expect(Array.from(b.x)).toEqual(Array.from(a.x));
    expect(Array.from(b.logQ)).toEqual(Array.from(a.logQ));
    flow.dispose();
    loaded.dispose();
  });

  test('weights.bin is float32 little-endian in table order', () => {
    const flow = randomFlow(2);
    saveModel(tmp, flow, info); // an existing (empty) directory is written in place
    const model = readModel(tmp);
    const bytes = fs.readFileSync(path.join(tmp, 'weights.bin'));
    const first = flow.serialize().weights[1];
    const entry = model.doc.weights.tensors[1];
    expect(entry.name).toBe(first.name);
    expect(entry.shape).toEqual(first.shape);
    expect(bytes.readFloatLE(entry.offset)).toBe(first.values[0]);
    flow.dispose();
  });

  test('saving again replaces the model; a mixed pair of files is detected', () => {
    const a = randomFlow(3);
    const b = randomFlow(4);
    saveModel(tmp, a, info);
    const oldJson = fs.readFileSync(path.join(tmp, 'model.json'));
    saveModel(tmp, b, info);
    expect(readModel(tmp).digest).toBe(flowDigest(b));
    expect(fs.readdirSync(tmp).sort()).toEqual(['model.json', 'weights.bin']);
    fs.writeFileSync(path.join(tmp, 'model.json'), oldJson); // old table, new weights
    expect(() => readModel(tmp)).toThrow(/weights\.bin does not match the checksum/);
    a.dispose();
    b.dispose();
  });

  test('a file in the way is a UsageError', () => {
    const flow = randomFlow(5);
    const file = path.join(tmp, 'f');
    fs.writeFileSync(file, 'x');
    expect(() => saveModel(file, flow, info)).toThrow(UsageError);
    expect(() => saveModel(file, flow, info)).toThrow(/exists and is not a directory/);
    flow.dispose();
  });

  test.each<[string, (dir: string) => void, RegExp]>([
    ['missing directory', (dir) => fs.rmSync(dir, { recursive: true }), /cannot read the model file .*model\.json \(no such file\)/],
    ['not JSON', (dir) => fs.writeFileSync(path.join(dir, 'model.json'), '{"format": "iflow-model",'), /model\.json is not valid JSON/],
    ['not a model', (dir) => fs.writeFileSync(path.join(dir, 'model.json'), '{"a": 1}'), /model\.json is not a valid iflow model: format/],
    [
      'newer format version',
      (dir) => {
        const f = path.join(dir, 'model.json');
        fs.writeFileSync(f, JSON.stringify({ ...JSON.parse(fs.readFileSync(f, 'utf8')), version: 99 }));
      },
      /format version 99/,
    ],
    [
      'schema violation',
      (dir) => {
        const f = path.join(dir, 'model.json');
        const doc = JSON.parse(fs.readFileSync(f, 'utf8'));
        doc.config.dim = 5;
        fs.writeFileSync(f, JSON.stringify(doc));
      },
      /not a valid iflow model: config\.dim/,
    ],
    ['missing weights', (dir) => fs.rmSync(path.join(dir, 'weights.bin')), /cannot read the weights file .*weights\.bin/],
    ['truncated weights', (dir) => fs.truncateSync(path.join(dir, 'weights.bin'), 100), /weights\.bin has 100 bytes/],
  ])('%s: UsageError naming the file', (_label, damage, message) => {
    const flow = randomFlow(6);
    const dir = path.join(tmp, 'm');
    saveModel(dir, flow, info);
    flow.dispose();
    damage(dir);
    let error: unknown;
    try {
      instantiateFlow(readModel(dir));
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(UsageError);
    expect((error as Error).message).toMatch(message);
  });

  test('a table that does not fit the flow is a UsageError', () => {
    const flow = randomFlow(7);
    saveModel(tmp, flow, info);
    flow.dispose();
    const f = path.join(tmp, 'model.json');
    const doc = JSON.parse(fs.readFileSync(f, 'utf8'));
    doc.weights.tensors[0].name = 'nonsense';
    fs.writeFileSync(f, JSON.stringify(doc));
    expect(() => instantiateFlow(readModel(tmp))).toThrow(/does not describe a usable flow: .*missing/);
  });

  test('a model saved on cpu loads with the same weights on wasm', async () => {
    const flow = randomFlow(8);
    saveModel(tmp, flow, info);
    const expected = flow.serialize();
    flow.dispose();
    await initBackend('wasm');
    try {
      expect(tf.getBackend()).toBe('wasm');
      const loaded = instantiateFlow(readModel(tmp));
      expect(loaded.serialize()).toEqual(expected);
      loaded.dispose();
    } finally {
      await initBackend('cpu');
    }
  });
});
