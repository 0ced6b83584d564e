import baseConfig from '../../eslint.config.mjs';

export default [...baseConfig, { files: ['**/*.mjs'], rules: { 'no-console': 'off' } }];
