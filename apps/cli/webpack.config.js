const { NxAppWebpackPlugin } = require('@nx/webpack/app-plugin');
const { chmodSync } = require('fs');
const { join } = require('path');
const { BannerPlugin } = require('webpack');

const outputPath = join(__dirname, '../../dist/apps/cli');

/** Made executable after the build, so that `bin` (npm link, npx) can run it as a command. */
class ExecutablePlugin {
  apply(compiler) {
    compiler.hooks.afterEmit.tap('ExecutablePlugin', () => chmodSync(join(outputPath, 'main.js'), 0o755));
  }
}

// One CommonJS file, dist/apps/cli/main.js; the workspace libraries are bundled in, npm packages are
// required from node_modules (the CLI runs from a checkout, next to them).
module.exports = {
  output: {
    path: outputPath,
    clean: true,
  },
  plugins: [
    new NxAppWebpackPlugin({
      target: 'node',
      compiler: 'tsc',
      main: './src/main.ts',
      tsConfig: './tsconfig.app.json',
      optimization: false,
      outputHashing: 'none',
      generatePackageJson: false,
      sourceMap: false,
    }),
    new BannerPlugin({ banner: '#!/usr/bin/env node', raw: true, entryOnly: true }),
    new ExecutablePlugin(),
  ],
};
