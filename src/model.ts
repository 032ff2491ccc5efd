/**
 * Saved models: a trained flow with the problem it was trained for, in a directory
 *
 *   DIR/model.json   format tag and version, iflow version, FlowConfig, problem (expression,
 *                    dim, bounds with "inf"/"-inf" for open ends, the axis maps when some axis
 *                    is infinite, params), training seed and report, and the table of weights
 *                    (name, shape, byte offset) with the byte length and SHA-256 of weights.bin
 *   DIR/weights.bin  every weight as float32 little-endian, concatenated in table order
 *
 * The weights are the flow's float32 values, so a flow saved on one backend loads bit for bit
 * on any other. Saving writes into a temporary directory that is renamed to DIR; when DIR
 * already exists the two files are written under temporary names and renamed over the old
 * ones, and the checksum in model.json tells a mixed pair apart. Loading validates model.json
 * with zod and checks weights.bin against it; every problem is a UsageError naming the file.
 */
import { createHash } from 'crypto';
import fs from 'fs';
import path from 'path';
import * as z from 'zod';
import { OptionError, UsageError } from './errors';
import { readJsonFile } from './jsonFile';
import type { Flow } from './flow/flow';
import { splineKinds, type FlowConfig, type SerializedWeights } from './flow/types';
import { axisMapSchema, jsonBoundSchema, trainingSchema, type TrainingReport } from './report/schema';
import { VERSION } from './version';
import { AdaptiveMap } from './vegas/map';

/** Format tag of model.json. */
const MODEL_FORMAT = 'iflow-model';
/** Version of the model format this build reads and writes. */
const MODEL_VERSION = 1;
/** Name of the model document in a model directory. */
const MODEL_FILE = 'model.json';
/** Name of the weights file (float32 little-endian) in a model directory. */
const WEIGHTS_FILE = 'weights.bin';

const finite = z.number().refine(Number.isFinite, 'expected a finite number');
const posInt = z.number().int().positive();

/** Schema of the saved FlowConfig (structure only; `Flow.deserialize` checks the masks against dim). */
const flowConfigSchema = z.object({
  dim: posInt,
  spline: z.enum(splineKinds),
  bins: posInt,
  layers: posInt,
  hidden: z.array(posInt).min(1),
  blob: z.number().int().nonnegative(),
  masks: z.array(z.array(z.boolean())),
});

/** Schema of the problem a model was trained for: expression, dimension, bounds, axis maps, params. */
const modelProblemSchema = z.object({
  expression: z.string().min(1),
  dim: posInt,
  /** Finite numbers, or "inf" / "-inf". */
  bounds: z.array(z.tuple([jsonBoundSchema, jsonBoundSchema])),
  /** The axis maps the flow was trained with (present when some axis is infinite or has a power map). */
  maps: z.array(axisMapSchema).optional(),
  params: z.record(z.string(), finite),
});

/** The VEGAS map under the flow (src/flow/premap.ts): edges per axis, 0 to 1. */
const premapSchema = z.object({
  dim: posInt,
  ninc: posInt,
  edges: z.array(z.array(finite)),
});

/** Schema of one entry of the weights table: tensor name, shape and byte offset in weights.bin. */
const weightEntrySchema = z.object({
  name: z.string().min(1),
  shape: z.array(z.number().int().nonnegative()),
  /** Byte offset of the tensor in weights.bin. */
  offset: z.number().int().nonnegative(),
});

/**
 * Schema of model.json, with cross-checks: flow and problem dimensions agree, one interval (and
 * axis map) per dimension, every tensor inside weights.bin at a 4-byte aligned offset.
 */
const modelSchema = z
  .object({
    format: z.literal(MODEL_FORMAT),
    version: z.number().int(),
    iflow: z.string(),
    config: flowConfigSchema,
    problem: modelProblemSchema,
    /** Seed of the run that trained the flow. */
    seed: z.number().int().nonnegative().nullable(),
    training: trainingSchema.nullable(),
    /** The map under the flow; null (or absent, in older models) for the bare flow. */
    premap: premapSchema.nullable().default(null),
    /** The defensive fraction of the saving run's estimate (src/options.ts `defensive`); absent in older models. */
    defensive: z.number().min(0).lt(1).optional(),
    weights: z.object({
      file: z.literal(WEIGHTS_FILE),
      dtype: z.literal('float32'),
      byteOrder: z.literal('little'),
      byteLength: z.number().int().nonnegative(),
      sha256: z.string().regex(/^[0-9a-f]{64}$/),
      tensors: z.array(weightEntrySchema),
    }),
  })
  .superRefine((m, ctx) => {
    if (m.config.dim !== m.problem.dim) {
      ctx.addIssue({
        code: 'custom',
        path: ['config', 'dim'],
        message: `flow dimension ${m.config.dim} differs from the problem's ${m.problem.dim}`,
      });
    }
    if (m.problem.bounds.length !== m.problem.dim) {
      ctx.addIssue({ code: 'custom', path: ['problem', 'bounds'], message: `expected ${m.problem.dim} intervals` });
    }
    if (m.problem.maps !== undefined && m.problem.maps.length !== m.problem.dim) {
      ctx.addIssue({ code: 'custom', path: ['problem', 'maps'], message: `expected ${m.problem.dim} axis maps` });
    }
    for (const t of m.weights.tensors) {
      const end = t.offset + 4 * t.shape.reduce((a, b) => a * b, 1);
      if (t.offset % 4 !== 0 || end > m.weights.byteLength) {
        ctx.addIssue({ code: 'custom', path: ['weights', 'tensors'], message: `tensor ${t.name} lies outside ${WEIGHTS_FILE}` });
      }
    }
  });

/** The validated content of model.json. */
export type ModelDocument = z.infer<typeof modelSchema>;
/** The problem part of model.json. */
export type ModelProblem = z.infer<typeof modelProblemSchema>;

/** A model read from disk: the validated document and the decoded weights. */
export interface LoadedModel {
  dir: string;
  doc: ModelDocument;
  weights: SerializedWeights[];
  /** The flow's digest (see `flowDigest`): SHA-256 of weights.bin and the premap. */
  digest: string;
}

/** The weights of a flow as float32 little-endian bytes and their table. */
function encodeWeights(weights: readonly SerializedWeights[]): { bytes: Buffer; tensors: z.infer<typeof weightEntrySchema>[] } {
  const total = weights.reduce((s, w) => s + w.values.length, 0);
  const bytes = Buffer.alloc(4 * total);
  const tensors: z.infer<typeof weightEntrySchema>[] = [];
  let offset = 0;
  for (const w of weights) {
    tensors.push({ name: w.name, shape: w.shape.slice(), offset });
    for (let i = 0; i < w.values.length; i++) bytes.writeFloatLE(w.values[i], offset + 4 * i);
    offset += 4 * w.values.length;
  }
  return { bytes, tensors };
}

/** SHA-256 of `bytes` as 64 lowercase hex digits. */
function sha256(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/**
 * SHA-256 of the flow's weights as stored in weights.bin, followed by its premap's edges
 * when it has one: equal digests mean the same sampler.
 */
export function flowDigest(flow: Flow): string {
  return samplerDigest(encodeWeights(flow.serialize().weights).bytes, flow.premap ? flow.premap.toJSON() : null);
}

function samplerDigest(weights: Buffer, premap: { dim: number; ninc: number; edges: number[][] } | null): string {
  const h = createHash('sha256').update(weights);
  if (premap) h.update(JSON.stringify([premap.dim, premap.ninc, premap.edges]));
  return h.digest('hex');
}

/**
 * What `saveModel` stores besides the flow: the problem, the training seed (null when unknown) and the training report.
 */
export interface SaveInfo {
  problem: ModelProblem;
  seed: number | null;
  training: TrainingReport | null;
  /** The defensive fraction the saving run sampled its estimate with, so that evaluate reproduces it. */
  defensive?: number;
}

/** What saving to a directory will do, as found by `checkModelTarget`. */
export interface ModelTarget {
  /** The directory, resolved. */
  dir: string;
  /** True when it already holds a model, which the save replaces. */
  replaces: boolean;
  /** Directories that the save creates (outermost first); empty when `dir` exists. */
  creates: string[];
}

/**
 * Fail early (before training) when `dir` cannot become a model directory: a path component
 * that is not a directory, or a nearest existing directory in which nothing can be created
 * (probed by creating and removing an empty directory there, since permissions alone do not
 * tell, e.g. under /proc or on a read-only mount). Throws UsageError naming the cause.
 */
export function checkModelTarget(dir: string): ModelTarget {
  const target = path.resolve(dir);
  const flag = `{saveModel} ${dir}`;
  const missing: string[] = [];
  let existing = target;
  // walk up to the nearest existing path: at most one step per component
  for (;;) {
    let st: fs.Stats | undefined;
    try {
      st = fs.statSync(existing);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ENOTDIR') {
        missing.unshift(existing);
        existing = path.dirname(existing);
        continue;
      }
      if (code !== 'ENOENT') throw new OptionError(`${flag}: cannot use ${existing} (${code ?? (e as Error).message})`);
    }
    if (st) {
      if (!st.isDirectory()) {
        throw new OptionError(
          existing === target
            ? `${flag}: exists and is not a directory`
            : `${flag}: ${existing} is a file, so no directory can be created under it`,
          'give a directory path for the model',
        );
      }
      break;
    }
    const up = path.dirname(existing);
    if (up === existing) break;
    missing.unshift(existing);
    existing = up;
  }
  if (missing.length === 0) {
    const replaces = fs.existsSync(path.join(target, MODEL_FILE)) || fs.existsSync(path.join(target, WEIGHTS_FILE));
    probeWritable(existing, flag);
    return { dir: target, replaces, creates: [] };
  }
  probeWritable(existing, flag);
  return { dir: target, replaces: false, creates: missing };
}

/** Create and remove an empty directory in `dir`; a UsageError when that fails. */
function probeWritable(dir: string, flag: string): void {
  let probe: string;
  try {
    probe = fs.mkdtempSync(path.join(dir, '.iflow-probe-'));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new OptionError(
      `${flag}: cannot create anything in ${dir} (${code ?? (e as Error).message})`,
      'give a writable directory for the model',
    );
  }
  fs.rmdirSync(probe);
}

/**
 * Create `dir` and its missing parents, one component at a time: a bounded number of mkdir
 * calls, each failure reported (a recursive mkdir can retry forever on some file systems).
 */
function makeDirs(dir: string): void {
  const missing: string[] = [];
  for (let p = dir; !fs.existsSync(p); p = path.dirname(p)) {
    if (path.dirname(p) === p) break;
    missing.unshift(p);
  }
  for (const p of missing) fs.mkdirSync(p);
}

function writeFileSynced(file: string, data: string | Buffer): void {
  const fd = fs.openSync(file, 'w');
  try {
    fs.writeFileSync(fd, data);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * Write the flow and `info` to `dir` (see the file comment for the guarantees) and return the
 * document written as model.json.
 * @throws UsageError when `dir` cannot be created or written (the cause named).
 */
export function saveModel(dir: string, flow: Flow, info: SaveInfo): ModelDocument {
  const serialized = flow.serialize();
  const { bytes, tensors } = encodeWeights(serialized.weights);
  const doc: ModelDocument = {
    format: MODEL_FORMAT,
    version: MODEL_VERSION,
    iflow: VERSION,
    config: serialized.config,
    problem: info.problem,
    seed: info.seed,
    training: info.training,
    premap: flow.premap ? flow.premap.toJSON() : null,
    ...(info.defensive !== undefined ? { defensive: info.defensive } : {}),
    weights: { file: WEIGHTS_FILE, dtype: 'float32', byteOrder: 'little', byteLength: bytes.length, sha256: sha256(bytes), tensors },
  };
  modelSchema.parse(doc);
  const json = JSON.stringify(doc, null, 2) + '\n';
  const target = path.resolve(dir);
  try {
    checkModelTarget(target);
    if (fs.existsSync(target)) {
      const tag = `.${process.pid}.${Date.now()}.tmp`;
      const tmpWeights = path.join(target, `.${WEIGHTS_FILE}${tag}`);
      const tmpModel = path.join(target, `.${MODEL_FILE}${tag}`);
      try {
        writeFileSynced(tmpWeights, bytes);
        writeFileSynced(tmpModel, json);
        fs.renameSync(tmpWeights, path.join(target, WEIGHTS_FILE));
        fs.renameSync(tmpModel, path.join(target, MODEL_FILE));
      } finally {
        fs.rmSync(tmpWeights, { force: true });
        fs.rmSync(tmpModel, { force: true });
      }
    } else {
      const parent = path.dirname(target);
      makeDirs(parent);
      const tmp = fs.mkdtempSync(path.join(parent, `.${path.basename(target)}.tmp-`));
      try {
        fs.chmodSync(tmp, 0o755); // mkdtemp creates 0700
        writeFileSynced(path.join(tmp, WEIGHTS_FILE), bytes);
        writeFileSynced(path.join(tmp, MODEL_FILE), json);
        fs.renameSync(tmp, target);
      } catch (e) {
        fs.rmSync(tmp, { recursive: true, force: true });
        throw e;
      }
    }
  } catch (e) {
    if (e instanceof UsageError) throw e;
    const err = e as NodeJS.ErrnoException;
    throw new UsageError(
      `cannot save the model to ${dir}: ${err.code ?? ''} ${String(err.message ?? e).split('\n')[0]}`.replace(/\s+/g, ' '),
    );
  }
  return doc;
}

function describeIssue(err: z.ZodError): string {
  const issue = err.issues[0];
  const where = issue.path.length > 0 ? issue.path.join('.') + ': ' : '';
  return `${where}${issue.message}`;
}

/** The model directory of `given`: the directory itself, or the folder of its model.json. */
function modelDirOf(given: string): string {
  try {
    if (fs.statSync(given).isFile()) return path.dirname(given);
  } catch {
    // a missing path is reported by readModel with the file it looked for
  }
  return given;
}

/**
 * Read and validate DIR/model.json and DIR/weights.bin (no tensors are created). `dir` may
 * also name the model.json file itself.
 * @throws UsageError when a file is missing or unreadable, model.json is invalid or of another
 *   format version, or weights.bin does not match its length or checksum.
 */
export function readModel(given: string): LoadedModel {
  const dir = modelDirOf(given);
  const modelFile = path.join(dir, MODEL_FILE);
  const weightsFile = path.join(dir, WEIGHTS_FILE);
  const data = readJsonFile(modelFile, `the model file ${modelFile}`, 'give a directory written by {saveModel}');
  if (typeof data === 'object' && data !== null && (data as { format?: unknown }).format === MODEL_FORMAT) {
    const version = (data as { version?: unknown }).version;
    if (version !== MODEL_VERSION) {
      throw new UsageError(
        `the model file ${modelFile} has format version ${String(version)}; iflow ${VERSION} reads version ${MODEL_VERSION}`,
      );
    }
  }
  const parsed = modelSchema.safeParse(data);
  if (!parsed.success) {
    throw new UsageError(`the model file ${modelFile} is not a valid iflow model: ${describeIssue(parsed.error)}`);
  }
  const doc = parsed.data;
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(weightsFile);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new UsageError(`cannot read the weights file ${weightsFile} (${code === 'ENOENT' ? 'no such file' : (code ?? 'read error')})`);
  }
  if (bytes.length !== doc.weights.byteLength) {
    throw new UsageError(`the weights file ${weightsFile} has ${bytes.length} bytes; ${modelFile} expects ${doc.weights.byteLength}`);
  }
  const digest = sha256(bytes);
  if (digest !== doc.weights.sha256) {
    throw new UsageError(`the weights file ${weightsFile} does not match the checksum in ${modelFile} (corrupt or from another save)`);
  }
  const weights: SerializedWeights[] = doc.weights.tensors.map((t) => {
    const size = t.shape.reduce((a, b) => a * b, 1);
    const values = new Array<number>(size);
    for (let i = 0; i < size; i++) values[i] = bytes.readFloatLE(t.offset + 4 * i);
    return { name: t.name, shape: t.shape.slice(), values };
  });
  return { dir, doc, weights, digest: samplerDigest(bytes, doc.premap) };
}

/**
 * Build the flow of a loaded model, with its premap when it has one (call after the backend is
 * initialised).
 * @throws UsageError when the config, the weights or the premap do not make a usable flow.
 */
export function instantiateFlow(model: LoadedModel): Flow {
  try {
    // loaded here, not at start-up: reading a model needs no TensorFlow.js
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { Flow: FlowClass } = require('./flow/flow') as typeof import('./flow/flow');
    const flow = FlowClass.deserialize({ config: model.doc.config as FlowConfig, weights: model.weights });
    const premap = model.doc.premap;
    if (premap) {
      if (premap.dim !== flow.dim) throw new Error(`the premap has ${premap.dim} dimensions, the flow ${flow.dim}`);
      flow.premap = AdaptiveMap.fromJSON(premap);
    }
    return flow;
  } catch (e) {
    throw new UsageError(`the model in ${model.dir} does not describe a usable flow: ${(e as Error).message}`);
  }
}
