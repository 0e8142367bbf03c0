import Table from 'cli-table3';
import type { SettingView } from '../core/settings-view.js';
import { escapeControlsDeep, type Output } from './output.js';

export function renderSettingsTable(output: Output, unsafe: SettingView[]): void {
  // Stored values may predate validation, or have been edited by hand.
  const settings = escapeControlsDeep(unsafe);
  const table = new Table({ head: ['setting', 'value', 'source', 'flag', 'env'], style: { head: output.color.level > 0 ? ['cyan'] : [] } });
  for (const view of settings) {
    const value = view.value === null ? output.color.dim('(unset)') : String(view.value);
    table.push([view.key, value, view.source, view.flag, view.env]);
  }
  output.line(table.toString());
}
