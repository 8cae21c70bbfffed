#!/usr/bin/env node
// Prints the one line CI reads, `N passed, N failed`, from jest's JSON results. A missing or
// unreadable results file, or a suite that failed to run, counts as a failure.
'use strict';
const fs = require('node:fs');

const file = process.argv[2] || 'test-output/jest-results.json';
let results;
try {
  results = JSON.parse(fs.readFileSync(file, 'utf8'));
} catch (error) {
  console.error(`no jest results at ${file}: ${error.message}`);
  console.log('0 passed, 1 failed');
  process.exit(1);
}
const suiteErrors = results.numRuntimeErrorTestSuites || 0;
const failed = (results.numFailedTests || 0) + suiteErrors;
const passed = results.numPassedTests || 0;
if (suiteErrors) console.error(`${suiteErrors} test suite(s) failed to run`);
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed > 0 || passed === 0 ? 1 : 0);
