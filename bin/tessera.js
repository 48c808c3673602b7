#!/usr/bin/env node
// The `tessera` command. The TypeScript sources are compiled by `npm ci` (the prepare script).
require('../dist/src/cli/main.js');
