/**
 * `kyc --help | head -1`: the reader closes the pipe before the CLI has written everything. The
 * CLI (client/cli.ts) must then stop quietly, as a SIGPIPE would stop a C program, instead of
 * crashing with an unhandled EPIPE and its stack on stderr.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');

it('exits 0 without a word on stderr when its standard output is closed early', async () => {
  const child = spawn(process.execPath, [join(ROOT, 'client', 'bin.js'), '--help'], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  // Closed before the CLI (started through tsx) writes anything: every write fails with EPIPE.
  child.stdout.destroy();
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  expect(stderr).toBe('');
  expect(code).toBe(0);
}, 60_000);
