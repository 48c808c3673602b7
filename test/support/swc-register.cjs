/**
 * Lets a plain `node` process run Tessera's TypeScript sources (cluster and signal tests fork
 * real processes): `.ts` files are compiled by @swc/core with the options jest uses.
 * Usage: node -r ./test/support/swc-register.cjs src/main.ts
 */
const { readFileSync } = require('node:fs');
const { transformSync } = require('@swc/core');

require.extensions['.ts'] = function compileTs(module, filename) {
  const { code } = transformSync(readFileSync(filename, 'utf8'), {
    filename,
    sourceMaps: 'inline',
    jsc: {
      target: 'es2022',
      parser: { syntax: 'typescript', decorators: true },
      transform: { legacyDecorator: true, decoratorMetadata: true, useDefineForClassFields: false },
    },
    module: { type: 'commonjs' },
  });
  module._compile(code, filename);
};
