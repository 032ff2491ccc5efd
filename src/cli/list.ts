/** `iflow list`: the library integrands that can stand for an expression as @name. */
import { Command } from 'commander';
import { formatDims, listIntegrands, resolveIntegrand, type IntegrandEntry } from '../integrands';
import { formatNumber, renderTable } from '../report/format';
import { runCommand, type CommandContext } from './shared';

/** One library integrand as `iflow list --json` prints it. */
export interface ListedIntegrand {
  ref: string;
  name: string;
  description: string;
  expression: string;
  dims: IntegrandEntry['dims'];
  defaultDim: number;
  /** The integrand's own domain as in its file ("inf" / "-inf" for open ends); null: [0, 1]^d. */
  bounds: IntegrandEntry['bounds'] | null;
  params: IntegrandEntry['params'];
  /** The exact value as written in the file: a number or a mathjs expression. */
  exact: number | string | null;
  exactRequires: string | null;
  /** The exact value at the default dimension and parameters. */
  exactAtDefault: number | null;
  exactUncertainty: number;
  source: string;
}

/** Every library integrand, with its exact value at the default dimension and parameters. */
export function listedIntegrands(): ListedIntegrand[] {
  return listIntegrands().map((e) => ({
    ref: `@${e.name}`,
    name: e.name,
    description: e.description,
    expression: e.expression,
    dims: e.dims,
    defaultDim: e.defaultDim,
    bounds: e.bounds ?? null,
    params: e.params,
    exact: e.exact ?? null,
    exactRequires: e.exactRequires ?? null,
    exactAtDefault: resolveIntegrand(e.name).exact ?? null,
    exactUncertainty: e.exactUncertainty,
    source: e.source,
  }));
}

/** The table of `iflow list` (name, dims, default d, domain, params, exact, description) and a usage line. */
export function renderList(items: ListedIntegrand[]): string {
  const rows = items.map((it) => {
    const params = Object.entries(it.params)
      .map(([k, p]) => `${k}=${formatNumber(p.default)}`)
      .join(' ');
    const exact =
      it.exactAtDefault === null
        ? '-'
        : typeof it.exact === 'string'
          ? `${formatNumber(it.exactAtDefault, 10)} (d=${it.defaultDim})`
          : formatNumber(it.exactAtDefault, 14);
    const domain = it.bounds ? it.bounds.map(([lo, hi]) => `[${lo},${hi}]`).join('x') + (it.bounds.length === 1 ? '^d' : '') : '[0,1]^d';
    return [it.ref, formatDims(it.dims), String(it.defaultDim), domain, params || '-', exact, it.description];
  });
  const table = renderTable(['name', 'dims', 'default d', 'domain', 'params', 'exact', 'description'], rows, [
    'l',
    'l',
    'r',
    'l',
    'l',
    'l',
    'l',
  ]);
  return `${table}\n\nUse a name in place of the expression, e.g. iflow integrate @camel --dim 8 --param alpha=0.1\n`;
}

/** The `list` subcommand: the library integrands as a table, or as JSON with --json. */
export function listCommand(ctx: CommandContext): Command {
  const cmd = new Command('list')
    .description('list the library integrands (usable as @name in place of an expression) with their exact values')
    .option('--json', 'print one JSON document instead of the table')
    .option('--debug', 'stack traces on errors');
  cmd.action(async (raw: Record<string, unknown>) => {
    await runCommand(ctx, raw, async () => {
      const items = listedIntegrands();
      ctx.write(raw.json === true ? JSON.stringify(items, null, 2) + '\n' : renderList(items));
      return 0;
    });
  });
  return cmd;
}
