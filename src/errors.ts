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

/**
 * Bad input that names options. The message and hint are written with the options' names in
 * braces ("{bounds} has 3 intervals but {dim} is 2"); `message` spells them as plain names
 * ("bounds has 3 intervals but dim is 2"), and a front end spells them its own way through
 * `format` (the command line: "--bounds has 3 intervals but --dim is 2"). Only names of
 * lowercase camelCase form in braces are replaced.
 */
export class OptionError extends UsageError {
  /** The message with the option names in braces. */
  readonly template: string;
  /** The hint with the option names in braces. */
  readonly hintTemplate?: string;
  /**
   * @param template the message, with option names in braces
   * @param hintTemplate the hint, with option names in braces
   * @param literalMessage true when the message is not a template (it quotes the user's own
   *   text, e.g. an expression, whose braces must stay as written); only the hint is spelled
   */
  constructor(template: string, hintTemplate?: string, literalMessage = false) {
    super(
      literalMessage ? template : spellOptions(template, (name) => name),
      hintTemplate === undefined ? undefined : spellOptions(hintTemplate, (name) => name),
    );
    this.name = 'OptionError';
    this.template = template;
    this.hintTemplate = hintTemplate;
    this.literalMessage = literalMessage;
  }

  /** True when `template` is the message as it stands (only the hint names options). */
  readonly literalMessage: boolean;

  /** Message and hint with each option name spelled by `spell` (e.g. "dim" -> "--dim"). */
  format(spell: (name: string) => string): { message: string; hint?: string } {
    return {
      message: this.literalMessage ? this.template : spellOptions(this.template, spell),
      hint: this.hintTemplate === undefined ? undefined : spellOptions(this.hintTemplate, spell),
    };
  }
}

/** `text` with every "{name}" replaced by spell(name). */
function spellOptions(text: string, spell: (name: string) => string): string {
  return text.replace(/\{([a-z][A-Za-z]*)\}/g, (_, name: string) => spell(name));
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
