/**
 * Jest runs TypeScript and the ESM-only dependencies through @swc/jest
 * (see ../shared/TOOLCHAIN.md, pitfall 1): Node 20 cannot require() ESM from Jest's sandbox.
 */
const esmOnly = [
  '@nestjs', 'nestjs-pino', 'file-type', 'strtok3', 'token-types', '@tokenizer', '@borewit',
  'uint8array-extras', 'openid-client', 'oauth4webapi', 'jose', 'oidc-provider', '@electric-sql',
];
const swc = [
  '@swc/jest',
  {
    jsc: {
      target: 'es2022',
      parser: { syntax: 'typescript', decorators: true },
      transform: { legacyDecorator: true, decoratorMetadata: true, useDefineForClassFields: false },
    },
    module: { type: 'commonjs' },
  },
];
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  // Several instances need a shared PostgreSQL server; without DATABASE_URL there is none.
  testPathIgnorePatterns: ['/node_modules/', ...(process.env.DATABASE_URL ? [] : ['/test/e2e/(saml-)?multi-instance[^/]*\\.test\\.ts$', '/test/e2e/(cluster-workers|ops-limits-instances)\\.test\\.ts$'])],
  transform: { '^.+\\.(t|j|mj|cj)s$': swc },
  transformIgnorePatterns: [`/node_modules/(?!(${esmOnly.join('|')})/)`],
  moduleFileExtensions: ['ts', 'js', 'mjs', 'cjs', 'json'],
  testTimeout: 60000,
};
