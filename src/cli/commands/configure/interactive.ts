import { resolveSettings } from '../../../core/resolve-settings.js';
import { planConfigure, type ConfigurePlan } from '../../../operations/configure.js';
import { loadModuleSettings } from '../../../store/module-settings.js';
import type { Store } from '../../../store/open-store.js';
import { askSettings } from './wizard.js';
import type { CliContext } from '../../context.js';
import { renderSettingsTable } from './render-settings.js';
import { viewSettings } from '../../../core/settings-view.js';

/** Prompts for every setting, shows the masked summary and asks before saving; null when declined. */
export async function interactiveConfigure(ctx: CliContext, deps: { store: Store; env: NodeJS.ProcessEnv }): Promise<ConfigurePlan | null> {
  const current = resolveSettings({ env: deps.env, stored: loadModuleSettings(deps.store) });
  const flags = await askSettings(ctx.prompter, current.settings);
  const plan = planConfigure({ flags }, deps);
  const summary = resolveSettings({ flags, env: deps.env, stored: loadModuleSettings(deps.store) });
  renderSettingsTable(ctx.output, viewSettings(plan.next, summary.sources));
  const save = await ctx.prompter.confirm({ message: 'Save these settings?', default: true });
  return save ? plan : null;
}
