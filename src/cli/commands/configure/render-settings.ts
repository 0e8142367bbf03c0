import Table from 'cli-table3';
import type { SettingView } from '../../../core/settings-view.js';
import { escapeControlsDeep, type Output } from '../../output.js';
import { displayWidth } from '../../text-width.js';

const ALL = ['setting', 'value', 'source', 'flag', 'env'] as const;
/** The value column wraps rather than shrink below this. */
const MIN_VALUE = 16;
const WRAP_TO = 40;

/**
 * The settings with where each value comes from, at the terminal's width: the flag and environment columns
 * only where they fit (`configure --help` names both for every setting), long values wrapped.
 */
export function renderSettingsTable(
  output: Output,
  unsafe: SettingView[],
  sourceLabel: (view: SettingView) => string = (view) => view.source,
): void {
  // Stored values may predate validation, or have been edited by hand.
  const settings = escapeControlsDeep(unsafe);
  const rows = settings.map((view) => ({
    setting: view.key,
    value: view.value === null ? '(unset)' : String(view.value),
    source: sourceLabel(view),
    flag: view.flag,
    env: view.env,
  }));
  // Each column's natural width, padding included; a table of n columns adds n + 1 borders.
  const natural = (column: (typeof ALL)[number]) =>
    Math.max(displayWidth(column), ...rows.map((row) => displayWidth(row[column]))) + 2;
  const columns: Array<(typeof ALL)[number]> = [...ALL];
  // A long value (a URL, an address) may wrap down to WRAP_TO before the flag or env column gives way.
  const total = () =>
    columns.reduce(
      (sum, column) => sum + (column === 'value' ? Math.min(natural(column), WRAP_TO) : natural(column)),
      0,
    ) +
    columns.length +
    1;
  for (const optional of ['flag', 'env'] as const)
    if (total() > output.width) columns.splice(columns.indexOf(optional), 1);
  const others =
    columns.filter((column) => column !== 'value').reduce((sum, column) => sum + natural(column), 0) +
    columns.length +
    1;
  const valueWidth = Math.max(MIN_VALUE, Math.min(natural('value'), output.width - others));
  const table = new Table({
    head: [...columns],
    colWidths: columns.map((column) => (column === 'value' ? valueWidth : natural(column))),
    wordWrap: true,
    wrapOnWordBoundary: false,
    // No rule between rows, so the table fits a screen; no colour codes in a pipe (cli-table3 decides by itself otherwise).
    chars: { mid: '', 'left-mid': '', 'mid-mid': '', 'right-mid': '' },
    style: { head: output.color.level > 0 ? ['cyan'] : [], border: output.color.level > 0 ? ['grey'] : [] },
  });
  for (const row of rows)
    table.push(
      columns.map((column) =>
        column === 'value' && row.value === '(unset)' ? output.color.dim(row.value) : row[column],
      ),
    );
  output.line(table.toString());
  if (!columns.includes('flag'))
    output.line(
      output.color.dim('configure --help names the flag and environment variable of each setting.'),
    );
}
