// @ts-check
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

/**
 * The layer order (cli > operations > webhook | dashboard > store/smtp2go/mail > core): each src folder and the src
 * folders it must not import. store, smtp2go and mail import only core today, and are kept that way.
 */
const LAYERS = {
  cli: [],
  operations: ['cli'],
  // The dashboard's server sits beside the listener: the CLI hands it its data as functions.
  dashboard: ['operations', 'cli', 'webhook'],
  webhook: ['operations', 'cli', 'dashboard'],
  store: ['webhook', 'dashboard', 'operations', 'cli', 'smtp2go', 'mail'],
  smtp2go: ['webhook', 'dashboard', 'operations', 'cli', 'store', 'mail'],
  mail: ['webhook', 'dashboard', 'operations', 'cli', 'store', 'smtp2go'],
  core: ['webhook', 'dashboard', 'operations', 'cli', 'store', 'smtp2go', 'mail'],
};

/**
 * A relative specifier that passes through a folder named like a forbidden layer. Imports in src are all
 * relative, so matching the written specifier needs no resolver; `/` is spelled \x2F so the same pattern
 * also works inside an esquery selector. A layer's own subfolder named like another layer would be
 * reported too (loudly, never silently missed); none exists.
 */
function forbiddenSpecifier(forbidden) {
  return `^\\.{1,2}\\x2F(?:.*\\x2F)?(?:${forbidden.join('|')})(?:\\x2F|$)`;
}

function layerRules(layer, forbidden) {
  const regex = forbiddenSpecifier(forbidden);
  const message = `src/${layer} must not import src/{${forbidden.join(',')}} (layer order: cli > operations > webhook > store/smtp2go/mail > core).`;
  return {
    'no-restricted-imports': ['error', { patterns: [{ regex, message }] }],
    // no-restricted-imports sees only static imports and re-exports; this catches `await import('…')`.
    'no-restricted-syntax': ['error', { selector: `ImportExpression[source.value=/${regex}/]`, message }],
  };
}

export default tseslint.config(
  {
    ignores: ['dist/', 'node_modules/', 'coverage/', 'bench/out/', 'test/fixtures/'],
  },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      globals: { ...globals.node },
      parserOptions: {
        // tsconfig.check.json is the one project that covers src, test and bench.
        project: './tsconfig.check.json',
        tsconfigRootDir: import.meta.dirname,
      },
    },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' },
      ],
      // A closure that reads a variable assigned just after it (a test's probe callback) is not a missed const.
      'prefer-const': ['error', { ignoreReadBeforeAssign: true }],
      // Forwarding a stream's or a callback's own error unchanged is the point of those rejects.
      '@typescript-eslint/prefer-promise-reject-errors': ['error', { allowThrowingUnknown: true }],
      // Established style, kept rather than churned:
      // operations are `async runX()` even when today's body has no await, fakes implement async interfaces;
      '@typescript-eslint/require-await': 'off',
      // `if (x) (parts.push(...), (params.x = ...))` and `cond ? a() : b()` statements are used on purpose;
      '@typescript-eslint/no-unused-expressions': 'off',
      // escaping control characters before they reach a terminal means matching them in regexes;
      'no-control-regex': 'off',
      // wire payloads are `unknown` and stringified after objects are handled; String(value) is intended.
      '@typescript-eslint/no-base-to-string': 'off',
    },
  },
  {
    files: ['test/**/*.ts'],
    rules: {
      // Tests read JSON.parse'd CLI documents and probe them; their assertions check the shape.
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/no-explicit-any': 'off',
      // `const { post, close } = await listen(...)`: harness handles are plain closures declared as methods.
      '@typescript-eslint/unbound-method': 'off',
    },
  },
  {
    // The dashboard's page: plain ES modules that run in the browser.
    files: ['src/dashboard/static/**/*.js'],
    languageOptions: { globals: { ...globals.browser } },
  },
  {
    // Plain JS (bench scripts, bin shim, config files) is outside the TypeScript project.
    files: ['**/*.js', '**/*.mjs', '*.ts'],
    ...tseslint.configs.disableTypeChecked,
  },
  ...Object.entries(LAYERS)
    .filter(([, forbidden]) => forbidden.length > 0)
    .map(([layer, forbidden]) => ({ files: [`src/${layer}/**/*.ts`], rules: layerRules(layer, forbidden) })),
);
