#!/usr/bin/env node
/** The `kyc` command line (npm bin `kyc`, or `npm run kyc -- ...`). See docs/client.md. */
import { runCli } from './cli/program';

void runCli(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
