#!/usr/bin/env node
/** The `kyc` command line (npm bin `kyc`, or `npm run kyc -- ...`). See docs/client.md. */
import { runCli } from './cli/program';

// A reader that went away (`kyc --help | head -1`) closes the pipe: stop quietly, as SIGPIPE stops
// other command-line tools, instead of crashing on an unhandled EPIPE with a stack trace.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') throw error;
    process.exit(typeof process.exitCode === 'number' ? process.exitCode : 0);
  });
}

void runCli(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
