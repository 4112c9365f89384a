#!/usr/bin/env node
'use strict';
// The CLI is TypeScript; tsx compiles it on load, so `npx p2c` works straight after `npm ci` without a build step.
require('tsx/cjs/api').register();
const { main } = require('../cli/main.ts');

main(process.argv.slice(2)).then((code) => process.exit(code));
