#!/usr/bin/env node
// npm bin shim for `kyc`: runs the TypeScript CLI through tsx, so `npx kyc ...` works from a clone.
'use strict';
require('tsx/cjs');
require('./cli.ts');
