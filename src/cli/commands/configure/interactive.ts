import { ConfigError, isPortalError } from '../../../core/errors.js';
import { resolveSettings } from '../../../core/resolve-settings.js';
import { SETTING_FLAGS, SETTING_KEYS } from '../../../core/settings.js';
import { planConfigure, type ConfigurePlan } from '../../../operations/configure.js';
import { loadModuleSettings } from '../../../store/module-settings.js';
import type { Store } from '../../../store/open-store.js';
import { askSettings, questionFor, type WizardAnswers } from './wizard.js';
import type { CliContext } from '../../context.js';
import { renderSettingsTable } from './render-settings.js';
import { viewSettings } from '../../../core/settings-view.js';

/** Prompts for every setting, shows the masked summary and asks before saving; null when declined. */
export async function interactiveConfigure(
  ctx: CliContext,
  deps: { store: Store; env: NodeJS.ProcessEnv },
): Promise<ConfigurePlan | null> {
  const current = resolveSettings({ env: deps.env, stored: loadModuleSettings(deps.store) });
  const answers = await askSettings(ctx.prompter, current.settings);
  const plan = planFromAnswers(answers, deps);
  const stored = loadModuleSettings(deps.store);
  for (const key of answers.cleared) delete stored[key];
  const { sources } = resolveSettings({ env: deps.env, stored });
  // Typed here, the values are the prompt's; an emptied field says what it falls back to.
  for (const key of Object.keys(answers.flags) as Array<keyof typeof answers.flags>) sources[key] = 'prompt';
  const cleared = new Set(answers.cleared);
  renderSettingsTable(ctx.output, viewSettings(plan.next, sources), (view) =>
    cleared.has(view.key) ? `${view.source} (cleared)` : view.source,
  );
  const save = await ctx.prompter.confirm({ message: 'Save these settings?', default: true });
  return save ? plan : null;
}

/** The plan, with any problem told in the wizard's words: the question to answer, not a flag to pass. */
function planFromAnswers(
  answers: WizardAnswers,
  deps: { store: Store; env: NodeJS.ProcessEnv },
): ConfigurePlan {
  try {
    return planConfigure({ flags: answers.flags, clear: answers.cleared }, deps);
  } catch (error) {
    if (!isPortalError(error) || error.code !== 'config') throw error;
    if (error.message.startsWith(`${SETTING_FLAGS.apiKey} is required`)) {
      throw new ConfigError(
        `the module cannot be enabled without an answer to "${questionFor('apiKey') ?? 'API key'}"`,
        'run configure again and give the key, or answer no to enabling the module',
      );
    }
    let message = error.message;
    for (const key of SETTING_KEYS) {
      const question = questionFor(key);
      if (question !== null) message = message.replaceAll(SETTING_FLAGS[key], `"${question}"`);
    }
    throw new ConfigError(message, 'run configure again');
  }
}
