/**
 * The import boundary of the authorization module (issue 11 item 1, DESIGN.md §2), checked by
 * dependency-cruiser in `npm test` beside the architecture test (test/support/architecture.ts):
 * - authorization/ imports nothing of Tessera but common/, database/ and audit/'s module file;
 *   never connectors/, identity/, linking/ or any other module (ports bind them at the root);
 * - nothing outside authorization/ imports its internals: only `authorization.module.ts`, and
 *   only the composition root (app/, bootstrap.ts, main.ts) wires its ports.
 * test/unit/authorization/import-boundary.test.ts proves each rule fires on a violating tree.
 */
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'authorization-imports-only-infrastructure',
      comment: 'DESIGN.md §2: authorization/ imports nothing else (common, database and the audit port excepted)',
      severity: 'error',
      from: { path: '^src/authorization/' },
      to: { path: '^src/', pathNot: ['^src/authorization/', '^src/common/', '^src/database/', '^src/audit/audit\\.module\\.ts$'] },
    },
    {
      name: 'authorization-used-only-through-its-module',
      comment: 'DESIGN.md §2: another module uses authorization/ only through authorization.module.ts',
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/authorization/' },
      to: { path: '^src/authorization/', pathNot: '^src/authorization/authorization\\.module\\.ts$' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: ['node_modules', '^dist/'] },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    moduleSystems: ['es6', 'cjs'],
  },
};
