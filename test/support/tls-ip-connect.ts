/**
 * Run as a child process by test/unit/temporal-connection.test.ts: connects the client library's
 * way (`connectTemporal` + `Connection.connect`) with TEMPORAL_TLS=true to an IP literal on
 * loopback, where a TCP listener drops every connection, then emits an unrelated deprecation
 * warning. Prints `warning <code>` on stdout for every warning the process emits, so the test
 * sees which reached it (Node warns DEP0123 once per process, hence a process of its own).
 */
import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Connection } from '@temporalio/client';
import { loadTemporalConfig } from '../../common/config';
import { connectTemporal } from '../../common/temporal-connection';

async function main(): Promise<void> {
  process.on('warning', (warning: Error & { code?: string }) => console.log(`warning ${warning.code ?? warning.name}`));
  const server = createServer((socket) => socket.destroy());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  const config = loadTemporalConfig({
    HOME: mkdtempSync(join(tmpdir(), 'kyc-tls-ip-')),
    TEMPORAL_ADDRESS: `127.0.0.1:${port}`,
    TEMPORAL_TLS: 'true',
  });
  const outcome = await connectTemporal(config, (options) =>
    Connection.connect({ ...options, connectTimeout: 2_000 }),
  ).catch((error: unknown) => error);
  console.log(`connected ${outcome instanceof Connection}`);
  process.emitWarning('an unrelated deprecation', 'DeprecationWarning', 'DEP0999');
  // Warnings are emitted on the next tick.
  await new Promise((resolve) => setImmediate(resolve));
  server.close();
}

void main();
