/** Exit codes of the `iflow` command (0: success). */
/** Runtime failure: NumericalError, an internal error, a failed batch line, a model that could not be saved. */
export const EXIT_FAILURE = 1;
/** Bad input: UsageError, invalid options, commander usage errors. */
export const EXIT_USAGE = 2;
/** --strict: the estimate's verdict is `reliable: false` (src/estimate/verdict.ts). */
export const EXIT_UNRELIABLE = 3;
/** Interrupted by Ctrl-C (128 + SIGINT); the report of what was done is still printed. */
export const EXIT_INTERRUPTED = 130;
