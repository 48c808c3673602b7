#!/usr/bin/env node
/**
 * `npm run demo`: runs the compiled demo (dist/demo/run.js), compiling first only when it is
 * missing or older than a source (src/, demo/, migrations/, the tsconfig files). `npm ci` compiles
 * once in the prepare script, so `npm ci && npm run demo` runs tsc once; after an edit the demo
 * rebuilds by itself. Plain Node (no dependencies, not compiled): it has to run before tsc.
 */
'use strict';
const { spawnSync } = require('node:child_process');
const { readdirSync, statSync } = require('node:fs');
const { join } = require('node:path');

const ROOT = join(__dirname, '..');
const ENTRY = join(ROOT, 'dist', 'demo', 'run.js');
const SOURCE_DIRS = ['src', 'demo', 'migrations'];
const SOURCE_FILES = ['tsconfig.json', 'tsconfig.build.json'];

/** The newest modification time (ms) of the .ts files under `dir`, 0 when there are none. */
function newestTs(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestTs(path));
    else if (entry.name.endsWith('.ts')) newest = Math.max(newest, statSync(path).mtimeMs);
  }
  return newest;
}

/** Why a build is needed, or undefined when dist/demo/run.js is newer than every source. */
function staleReason() {
  let built;
  try {
    built = statSync(ENTRY).mtimeMs;
  } catch {
    return 'no build yet';
  }
  const newest = Math.max(...SOURCE_DIRS.map((d) => newestTs(join(ROOT, d))), ...SOURCE_FILES.map((f) => statSync(join(ROOT, f)).mtimeMs));
  return newest > built ? 'sources changed since the last build' : undefined;
}

const reason = staleReason();
if (reason) {
  console.log(`demo: compiling (${reason}): tsc -p tsconfig.build.json`);
  const tsc = spawnSync(process.execPath, [require.resolve('typescript/bin/tsc', { paths: [ROOT] }), '-p', join(ROOT, 'tsconfig.build.json')], {
    cwd: ROOT,
    stdio: 'inherit',
  });
  if (tsc.status !== 0) {
    console.error('demo: the build failed (see above); nothing was started');
    process.exit(tsc.status ?? 1);
  }
}
require(ENTRY).main();
require(join(ROOT, 'dist', 'demo', 'saml-demo.js')).main(); // the demo SAML IdP (provider demo-saml)
require(join(ROOT, 'dist', 'demo', 'demo-partners.js')).main(); // demo-partner, demo-social, demo-contractor (README: Identity mapping and account linking)
