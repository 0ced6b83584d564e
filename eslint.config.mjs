import nx from '@nx/eslint-plugin';
import prettier from 'eslint-config-prettier';

/**
 * Module boundaries on two axes: scope (who may use a library) and type (which layer it is). A project
 * without a scope:* and a type:* tag matches no constraint and so may depend on nothing;
 * tools/check-project-tags.mjs fails the test run for a project that lacks either tag.
 */
const typeRules = {
  'type:app': [
    'type:feature',
    'type:engine',
    'type:data-access',
    'type:auth',
    'type:core',
    'type:contract',
    'type:ui',
  ],
  'type:e2e': ['type:contract', 'type:testing', 'type:driver'],
  'type:bench': ['type:contract'],
  'type:feature': ['type:engine', 'type:data-access', 'type:auth', 'type:core', 'type:contract', 'type:ui'],
  'type:engine': ['type:data-access', 'type:core', 'type:contract'],
  'type:auth': ['type:data-access', 'type:core', 'type:contract'],
  'type:data-access': ['type:core', 'type:contract', 'type:driver'],
  'type:ui': ['type:contract'],
  'type:core': ['type:contract', 'type:driver'],
  'type:contract': [],
  // Loads a native driver for the running Node.js: depends on nothing of ours.
  'type:driver': [],
};
const scopeRules = {
  'scope:api': ['scope:api', 'scope:shared'],
  'scope:console': ['scope:console', 'scope:shared'],
  'scope:tools': ['scope:shared'],
  'scope:cli': ['scope:shared'],
  'scope:shared': ['scope:shared'],
};

export default [
  ...nx.configs['flat/base'],
  ...nx.configs['flat/typescript'],
  ...nx.configs['flat/javascript'],
  prettier,
  {
    ignores: ['**/dist', '**/out-tsc', '**/test-output', 'tmp/**'],
  },
  {
    files: ['**/*.ts', '**/*.tsx', '**/*.js', '**/*.jsx'],
    rules: {
      '@nx/enforce-module-boundaries': [
        'error',
        {
          enforceBuildableLibDependency: true,
          allow: ['^.*/eslint(\\.base)?\\.config\\.[cm]?[jt]s$'],
          depConstraints: [
            ...Object.entries(typeRules).map(([sourceTag, allowed]) => ({
              sourceTag,
              onlyDependOnLibsWithTags: [sourceTag === 'type:contract' ? 'type:contract' : allowed].flat(),
            })),
            ...Object.entries(scopeRules).map(([sourceTag, allowed]) => ({
              sourceTag,
              onlyDependOnLibsWithTags: allowed,
            })),
          ],
        },
      ],
    },
  },
  {
    files: ['**/*.ts'],
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'error',
      'no-console': 'error',
    },
  },
];
