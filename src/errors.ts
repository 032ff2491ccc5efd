/**
 * Typed errors. They are thrown by the core and caught once in `src/cli/main.ts`,
 * which maps them to exit codes: UsageError -> 2 (bad input), anything else -> 1.
 */

/** Bad input from the user: flags, expressions, files. Exit code 2. */
export class UsageError extends Error {
  readonly hint?: string;
  constructor(message: string, hint?: string) {
    super(message);
    this.name = 'UsageError';
    this.hint = hint;
  }
}

/** A numerical failure (NaN/Inf integrand, diverging training). Exit code 1. */
export class NumericalError extends Error {
  readonly stage: string;
  constructor(message: string, stage: string) {
    super(message);
    this.name = 'NumericalError';
    this.stage = stage;
  }
}

/** Thrown when the user interrupts a run (SIGINT). Exit code 130. */
export class InterruptError extends Error {
  constructor(message = 'interrupted') {
    super(message);
    this.name = 'InterruptError';
  }
}
