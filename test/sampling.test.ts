/**
 * One weighting rule for training and estimates (src/sampling.ts): w = g(f) jac / q with the
 * NaN policy, and the documents that name `interrupted` and `slices` by their earlier keys.
 */
import { NumericalError } from '../src/errors';
import { resultSchema, trainingSchema } from '../src/report/schema';
import { weighPoints } from '../src/sampling';

const x = Float64Array.from([0.1, 0.2, 0.3, 0.4, 0.5, 0.6]); // three points in 2 dimensions

describe('weighPoints', () => {
  test('weights of f (estimates) and of |f|^beta (training)', () => {
    const f = Float64Array.from([2, -3, 0]);
    const jac = Float64Array.from([0.5, 2, 4]);
    const logQ = Float32Array.from([0, Math.log(2), -1]);
    const w = new Float64Array(3);
    expect(weighPoints(f, jac, logQ, 3, x, 2, w, { nan: 'error', stage: 'evaluation' })).toBe(0);
    expect(Array.from(w)).toEqual([1, (-3 * 2) / Math.exp(logQ[1]), 0]);
    weighPoints(f, jac, logQ, 3, x, 2, w, { nan: 'error', stage: 'training', magnitude: 1 });
    expect(Array.from(w)).toEqual([1, (3 * 2) / Math.exp(logQ[1]), 0]);
    weighPoints(f, jac, logQ, 3, x, 2, w, { nan: 'error', stage: 'training', magnitude: 0.5 });
    expect(Array.from(w)).toEqual([(Math.pow(2, 0.5) * 0.5) / 1, (Math.pow(3, 0.5) * 2) / Math.exp(logQ[1]), 0]);
    weighPoints(f, jac, null, 3, x, 2, w, { nan: 'error', stage: 'the uniform baseline' });
    expect(Array.from(w)).toEqual([1, -6, 0]);
  });

  test.each([undefined, 1])('non-finite values count as zero or stop the run naming the point (magnitude %p)', (magnitude) => {
    const f = Float64Array.from([1, NaN, 1]);
    const jac = Float64Array.from([1, 1, 1]);
    const logQ = Float64Array.from([0, 0, -Infinity]);
    const w = new Float64Array(3).fill(7);
    expect(weighPoints(f, jac, logQ, 3, x, 2, w, { nan: 'zero', stage: 'training', magnitude })).toBe(2);
    expect(Array.from(w)).toEqual([1, 0, 0]);
    const stage = magnitude === undefined ? 'evaluation' : 'training';
    const run = (fs: number[]) => () => weighPoints(Float64Array.from(fs), jac, logQ, 3, x, 2, w, { nan: 'error', stage, magnitude });
    expect(run([1, NaN, 1])).toThrow(NumericalError);
    expect(run([1, NaN, 1])).toThrow(`the integrand is NaN at x = (0.3, 0.4) during ${stage}`);
    expect(run([1, 1, 1])).toThrow(`the sampling density is not usable (log q = -Infinity) at x = (0.5, 0.6) during ${stage}`);
  });
});

describe('documents with earlier keys', () => {
  const training = {
    epochs: 1,
    batch: 2000,
    calls: 2000,
    seconds: 1,
    loss: 'variance',
    finalLoss: 1,
    finalBatchRelSdev: 1,
    stoppedEarly: false,
    stopReason: null,
    lrReductions: 0,
    workers: 1,
    history: [],
  };

  test('a training section with `threads` is read as `slices`', () => {
    expect(trainingSchema.parse({ ...training, threads: 2 }).slices).toBe(2);
    expect(trainingSchema.parse({ ...training, slices: 3 }).slices).toBe(3);
  });

  test('a result with `partial` is read as `interrupted`', () => {
    const shape = resultSchema.safeParse({ partial: true });
    expect(shape.success).toBe(false);
    // the key itself: a missing `interrupted` is an issue unless `partial` stands for it
    const issues = (doc: object) => (resultSchema.safeParse(doc).error?.issues ?? []).map((i) => i.path.join('.'));
    expect(issues({})).toContain('interrupted');
    expect(issues({ partial: true })).not.toContain('interrupted');
    expect(issues({ partial: true })).not.toContain('partial');
  });
});
