import Table from 'cli-table3';
import type { SettingView } from '../../../core/settings-view.js';
import { escapeControlsDeep, type Output } from '../../output.js';

export function renderSettingsTable(output: Output, unsafe: SettingView[]): void {
  // Stored values may predate validation, or have been edited by hand.
  const settings = escapeControlsDeep(unsafe);
  // cli-table3 colours borders grey by default, deciding from TERM alone (so also in a pipe, and despite
  // NO_COLOR): colour only when this Output colours.
  const colour = output.color.level > 0;
  const table = new Table({ head: ['setting', 'value', 'source', 'flag', 'env'], style: { head: colour ? ['cyan'] : [], border: colour ? ['grey'] : [] } });
  for (const view of settings) {
    const value = view.value === null ? output.color.dim('(unset)') : String(view.value);
    table.push([view.key, value, view.source, view.flag, view.env]);
  }
  output.line(table.toString());
}
