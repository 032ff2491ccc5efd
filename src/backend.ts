/**
 * Choice of the TensorFlow.js backend.
 *
 * auto: the native addon (@tensorflow/tfjs-node-gpu, then @tensorflow/tfjs-node) if the user
 * installed one and it loads, else wasm (SIMD, single thread), else the pure-JS cpu backend.
 * A native addon that fails half-way has already registered kernels, so after the first
 * failure no second addon is tried. Each setBackend is verified with a tiny op, because a
 * failed initialisation can leave the engine pointing at a dead backend.
 */
import type * as Tf from '@tensorflow/tfjs';
import { UsageError } from './errors';

/**
 * TensorFlow.js with the wasm backend registered, loaded on first use: runs that never touch a
 * flow (VEGAS, uniform) do not pay its start-up (about 0.2 s).
 */
function tfjs(): typeof Tf {
  /* eslint-disable @typescript-eslint/no-require-imports */
  const tf = require('@tensorflow/tfjs') as typeof Tf;
  require('@tensorflow/tfjs-backend-wasm');
  /* eslint-enable @typescript-eslint/no-require-imports */
  return tf;
}

/** Values of --backend: 'auto' (native addon, else wasm, else cpu) or one backend by name. */
export const backendChoices = ['auto', 'tensorflow', 'wasm', 'cpu'] as const;
/** A value of --backend. */
export type BackendChoice = (typeof backendChoices)[number];

/** The TensorFlow.js backend in use after `initBackend`. */
export interface BackendInfo {
  /** Name of the active tfjs backend: 'tensorflow', 'wasm' or 'cpu'. */
  name: string;
  /** The native package that provided 'tensorflow', if any. */
  addon?: string;
  /** Why faster backends were skipped (for --debug / diagnostics). */
  skipped: string[];
}

const addons = ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node'];
let current: BackendInfo | undefined;

/** True when `name` is active and computes sum([1,2,3]^2) = 14. */
async function verify(name: string): Promise<boolean> {
  const tf = tfjs();
  try {
    const ok = await tf.setBackend(name);
    if (!ok) return false;
    await tf.ready();
    const v = tf.tidy(() => tf.sum(tf.square(tf.tensor1d([1, 2, 3])))).dataSync()[0];
    return v === 14;
  } catch {
    return false;
  }
}

/** Try the native addons in order; stop after the first one that throws. */
function loadAddon(skipped: string[]): string | undefined {
  for (const name of addons) {
    try {
      // A non-literal module name keeps bundlers and tsc from resolving the optional package.
      const req = require;
      req(name);
      return name;
    } catch (e) {
      const err = e as { code?: string; message?: string };
      if (err.code === 'MODULE_NOT_FOUND') {
        skipped.push(`${name}: not installed`);
        continue;
      }
      skipped.push(`${name}: ${String(err.message ?? e).split('\n')[0]}`);
      return undefined; // half-loaded addon: do not try the next one
    }
  }
  return undefined;
}

/**
 * Select and verify the backend (see the module comment for the order under 'auto').
 * Idempotent for the same choice; 'auto' keeps whichever backend is already active.
 * @throws UsageError when 'tensorflow' is asked for and no native addon works; Error when no
 *   backend at all can be initialised.
 */
export async function initBackend(choice: BackendChoice = 'auto'): Promise<BackendInfo> {
  if (current && (choice === 'auto' || current.name === choice)) return current;
  tfjs().enableProdMode();
  const skipped: string[] = [];
  const order: string[] = [];
  let addon: string | undefined;
  if (choice === 'auto' || choice === 'tensorflow') {
    addon = loadAddon(skipped);
    if (addon) order.push('tensorflow');
  }
  if (choice === 'auto') order.push('wasm', 'cpu');
  else if (choice !== 'tensorflow') order.push(choice);
  for (const name of order) {
    if (await verify(name)) {
      current = { name, addon: name === 'tensorflow' ? addon : undefined, skipped };
      return current;
    }
    skipped.push(`${name}: failed to initialise`);
  }
  if (choice === 'tensorflow') {
    throw new UsageError(
      'backend "tensorflow" is not available: ' + skipped.join('; '),
      'install @tensorflow/tfjs-node-gpu@4.22.0 (CUDA 11.2, cuDNN 8.1) or @tensorflow/tfjs-node@4.22.0',
    );
  }
  throw new Error('no TensorFlow.js backend could be initialised: ' + skipped.join('; '));
}
