import nx from '@nx/eslint-plugin';
import baseConfig from './eslint.config.mjs';

/** The lint config of every Angular project (the console and its libraries): base rules plus Angular's. */
export default [
  ...nx.configs['flat/angular'],
  ...nx.configs['flat/angular-template'],
  ...baseConfig,
  {
    files: ['**/*.ts'],
    rules: {
      '@angular-eslint/directive-selector': [
        'error',
        { type: 'attribute', prefix: 'fc', style: 'camelCase' },
      ],
      '@angular-eslint/component-selector': ['error', { type: 'element', prefix: 'fc', style: 'kebab-case' }],
    },
  },
];
