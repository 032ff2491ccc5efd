/**
 * Parameter scans: one estimate per value of a named constant of the integrand, each run
 * starting where the previous value's run ended (warm start). The VEGAS adaptation of a value
 * starts from the previous value's map, and a flow's training from the previous value's
 * weights, stopping once its batch variance no longer falls (TrainingPlateau); for a smooth
 * family of integrands both need far fewer calls than from scratch. The estimate of each value
 * uses fresh samples of its own seeded streams, so each row is a complete, honest result.
 */
import { OptionError } from './errors';
import { prepareProblem, runIntegrateDetailed, type RunHooks, type RunOutput, type WarmStart } from './integrate';
import type { IntegrateOptions } from './options';
import { parseNumber } from './numbers';

/** Most values of one scan. */
const MAX_SCAN_VALUES = 10_000;

/** A scan: the constant's name and its values, in the order they are run. */
export interface ScanSpec {
  name: string;
  values: number[];
}

/**
 * Parse "name=lo:hi:count" (count equally spaced values from lo to hi, both included) or
 * "name=v1,v2,..." (the values as listed).
 * @throws OptionError (option `scan`) on a malformed text, a name that is not an identifier,
 *   a value that is not a finite number, count below 2 or above MAX_SCAN_VALUES.
 */
export function parseScan(text: string): ScanSpec {
  const hint = 'write {scan} name=lo:hi:count (e.g. alpha=0.1:0.3:5) or {scan} name=v1,v2,... (e.g. alpha=0.1,0.2,0.5)';
  const eq = text.indexOf('=');
  const name = eq > 0 ? text.slice(0, eq).trim() : '';
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new OptionError(`{scan} "${text}" needs a parameter name before "="`, hint);
  const body = text.slice(eq + 1).trim();
  const number = (s: string): number => {
    const v = parseNumber(s);
    if (!Number.isFinite(v)) throw new OptionError(`{scan} "${text}": "${s}" is not a finite number`, hint);
    return v;
  };
  let values: number[];
  if (body.includes(':')) {
    const parts = body.split(':');
    if (parts.length !== 3) throw new OptionError(`{scan} "${text}" needs lo:hi:count`, hint);
    const [lo, hi, count] = parts.map(number);
    if (!Number.isInteger(count) || count < 2 || count > MAX_SCAN_VALUES) {
      throw new OptionError(`{scan} "${text}": the count must be a whole number from 2 to ${MAX_SCAN_VALUES}`, hint);
    }
    if (!Number.isFinite(hi - lo)) throw new OptionError(`{scan} "${text}": hi - lo is not a finite number`, hint);
    values = Array.from({ length: count }, (_, i) => (i === count - 1 ? hi : lo + ((hi - lo) * i) / (count - 1)));
  } else {
    values = body.split(',').map(number);
    if (values.length > MAX_SCAN_VALUES) throw new OptionError(`{scan} "${text}" has more than ${MAX_SCAN_VALUES} values`, hint);
  }
  return { name, values };
}

/** One value of a scan and its run. */
export interface ScanRow {
  /** Position in the scan, from 0. */
  index: number;
  name: string;
  value: number;
  /** The run of this value (result, moments, the flow when it sampled the estimate). */
  out: RunOutput;
  /** True when adaptation or training started from the previous value's run. */
  warm: boolean;
}

/**
 * Run the scan: for each value, the options with `name=value` added to the constants, prepared
 * and run with the previous value's warm start. Rows are yielded as they finish, so that a
 * caller prints each at once and an interrupt keeps every finished row; the caller disposes
 * each row's flow. The scan ends after a row whose run was interrupted, when `stop()` turns
 * true (an interrupt), or when options.maxTime (seconds, for the whole scan) is spent: each
 * value's run gets what is left of it.
 * @throws OptionError when the constant is also given as a fixed parameter (`param`);
 *   the errors of prepareProblem and runIntegrateDetailed (e.g. a name the expression lacks),
 *   their messages led by the value they failed at.
 */
export async function* runScan(
  options: IntegrateOptions,
  spec: ScanSpec,
  defaults: Record<string, number> | undefined,
  hooks: (row: { index: number; value: number }) => RunHooks = () => ({}),
  warmStart = true,
  stop: () => boolean = () => false,
): AsyncGenerator<ScanRow> {
  if (options.param.some((p) => p.split('=')[0].trim() === spec.name)) {
    throw new OptionError(`"${spec.name}" is both scanned ({scan}) and fixed ({param})`, `drop {param} ${spec.name}=...`);
  }
  const start = Date.now();
  let warm: WarmStart | undefined;
  for (let index = 0; index < spec.values.length; index++) {
    const value = spec.values[index];
    const left = options.maxTime === undefined ? undefined : options.maxTime - (Date.now() - start) / 1000;
    if (stop() || (left !== undefined && left <= 0)) return;
    let out: RunOutput;
    try {
      const prepared = prepareProblem({ ...options, param: [...options.param, `${spec.name}=${value}`], maxTime: left }, defaults);
      out = await runIntegrateDetailed({ ...prepared, warm: warmStart ? warm : undefined }, hooks({ index, value }));
    } catch (e) {
      throw atValue(e, `${spec.name} = ${value}`);
    }
    yield { index, name: spec.name, value, out, warm: warmStart && warm !== undefined };
    if (out.result.interrupted) return;
    warm = out.warm;
  }
}

/** The error `e` with its message led by where the scan was ("alpha = 0.2: ..."), same class and fields. */
function atValue(e: unknown, where: string): unknown {
  if (!(e instanceof Error)) return e;
  const led = Object.create(Object.getPrototypeOf(e) as object) as Error;
  Object.assign(led, e);
  led.message = `${where}: ${e.message}`;
  led.stack = e.stack;
  if (e instanceof OptionError) Object.assign(led, { template: `${where}: ${e.template}` });
  return led;
}
