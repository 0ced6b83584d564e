module.exports = {
  displayName: 'console-ui',
  preset: '../../../jest.preset.js',
  setupFilesAfterEnv: ['<rootDir>/src/test-setup.ts'],
  coverageDirectory: '../../../coverage/libs/console/ui',
  transform: {
    '^.+\\.(ts|mjs|js|html)$': [
      'jest-preset-angular',
      {
        tsconfig: '<rootDir>/tsconfig.spec.json',
        stringifyContentPathRegex: '\\.(html|svg)$',
      },
    ],
  },
  // d3 v7 modules are ESM only: d3-scale and d3-shape, and what they import (d3-array, d3-format,
  // d3-interpolate, d3-color, d3-time, d3-time-format, d3-path, internmap) are transformed too.
  transformIgnorePatterns: ['node_modules/(?!.*\\.mjs$|d3-|internmap)'],
  snapshotSerializers: [
    'jest-preset-angular/build/serializers/no-ng-attributes',
    'jest-preset-angular/build/serializers/ng-snapshot',
    'jest-preset-angular/build/serializers/html-comment',
  ],
};
