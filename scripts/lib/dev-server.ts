/**
 * Starts `temporal server start-dev` on loopback with the project's search attributes, waits
 * until it answers, and stops it cleanly. With a db file the server's state survives restarts
 * (approvals last days); without one it lives in memory.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { connect as tcpConnect } from 'node:net';
import { Connection, type TLSConfig } from '@temporalio/client';
import type { SearchAttributePair } from '@temporalio/common';
import { CLI_TYPE_NAMES } from '../../common/namespace-setup';
import { ALL_SEARCH_ATTRIBUTES } from '../../contracts/search-attributes';
import { canListen, freePort } from './free-port';

export function searchAttributeFlags(keys: ReadonlyArray<SearchAttributePair['key']> = ALL_SEARCH_ATTRIBUTES): string[] {
  return keys.flatMap((key) => ['--search-attribute', `${key.name}=${CLI_TYPE_NAMES[key.type]}`]);
}

export interface DevServerOptions {
  cliPath: string;
  /** Persist state here; omit for an in-memory server. */
  dbFile?: string;
  ip?: string;
  /** gRPC port; a free one when omitted. */
  port?: number;
  /** UI port; the UI is off (headless) when omitted. */
  uiPort?: number;
  /** The codec server the UI decodes payloads through (`--ui-codec-endpoint`). */
  uiCodecEndpoint?: string;
  namespace?: string;
  /** The server's own output goes here (it is noisy); discarded when omitted. */
  logFile?: string;
  startTimeoutMs?: number;
  /**
   * SQLite pragmas for a db file (`--sqlite-pragma`, "name=value"), e.g. `journal_mode=wal`
   * (https://www.sqlite.org/wal.html).
   */
  sqlitePragmas?: string[];
  /** How long `stop()` waits after SIGTERM for the server to exit before SIGKILL (default 10 s). */
  stopGraceMs?: number;
}

/** How a `stop()` went: how long the exit took and whether SIGKILL was needed after the grace. */
export interface DevServerStop {
  exitMs: number;
  killed: boolean;
}

export interface DevServer {
  address: string;
  port: number;
  uiUrl?: string;
  namespace: string;
  process: ChildProcess;
  /** SIGTERM, then waits for the process to exit (SIGKILL after the grace); resolves once it has exited. */
  stop(): Promise<DevServerStop>;
}

/**
 * Whether nothing accepts TCP connections at `address` (host:port, IPv6 in brackets): the
 * connection was refused or the host name does not resolve. Any other outcome (accepted, a
 * timeout, a transient DNS failure) is false.
 */
export function nothingListens(address: string, timeoutMs = 2_000): Promise<boolean> {
  const colon = address.lastIndexOf(':');
  const host = address.slice(0, colon).replace(/^\[(.*)\]$/, '$1');
  const port = Number(address.slice(colon + 1));
  return new Promise((resolve) => {
    const socket = tcpConnect({ host, port, timeout: timeoutMs });
    const done = (refused: boolean) => {
      socket.destroy();
      resolve(refused);
    };
    socket.once('connect', () => done(false));
    socket.once('timeout', () => done(false));
    socket.once('error', (error: NodeJS.ErrnoException) =>
      done(error.code === 'ECONNREFUSED' || error.code === 'ENOTFOUND'),
    );
  });
}

/**
 * Waits until the Temporal server at `address` answers GetSystemInfo, for at most `timeoutMs`.
 *
 * @param refusedLimitMs when set, gives up early once connections have been refused (nothing
 *   listening, or no such host) for this long without a break: a server that is starting accepts
 *   TCP connections long before it answers, so this is a wrong address or a server that is not running.
 * @throws Error when the process died (`isAlive`), the time ran out, or nothing listened for `refusedLimitMs`
 */
export async function waitForServer(
  address: string,
  timeoutMs: number,
  isAlive: () => boolean = () => true,
  /** TLS, API key, metadata for a server that requires them (common/temporal-connection.ts's options). */
  security: { tls?: TLSConfig | boolean; apiKey?: string; metadata?: Record<string, string> } = {},
  refusedLimitMs?: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  let refusedSince: number | undefined;
  while (Date.now() < deadline) {
    if (!isAlive()) throw new Error(`the Temporal server exited before it answered on ${address}`);
    try {
      const connection = await Connection.connect({ ...security, address, connectTimeout: 1_000 });
      try {
        await connection.workflowService.getSystemInfo({});
        return;
      } finally {
        await connection.close();
      }
    } catch (error) {
      lastError = error;
      if (refusedLimitMs !== undefined) {
        if (!(await nothingListens(address))) refusedSince = undefined;
        else if (refusedSince === undefined) refusedSince = Date.now();
        else if (Date.now() - refusedSince >= refusedLimitMs) {
          throw new Error(
            `nothing accepts connections at ${address} (refused for ${Math.round((Date.now() - refusedSince) / 1000)} s): ` +
              'is the Temporal server running there, and is TEMPORAL_ADDRESS (or the profile\'s address) right?',
          );
        }
      }
      await sleep(250);
    }
  }
  throw new Error(`the Temporal server did not answer on ${address} within ${timeoutMs} ms: ${String(lastError)}`);
}

export async function startDevServer(options: DevServerOptions): Promise<DevServer> {
  const ip = options.ip ?? '127.0.0.1';
  const port = options.port ?? (await freePort());
  const namespace = options.namespace ?? 'default';
  // Another server on the port would answer our health check and take our workflows while the
  // dev server dies with "address already in use" in its log: refuse first, naming the port.
  for (const [what, busy] of [
    ['gRPC', port],
    ['UI', options.uiPort],
  ] as const) {
    if (busy !== undefined && !(await canListen(busy, ip))) {
      throw new Error(
        `${ip}:${busy} (the dev server's ${what} port) is already in use, perhaps by another Temporal server. ` +
          'Stop it, pick free ports (npm run demo -- --ports auto), or use that server on purpose with TEMPORAL_ADDRESS.',
      );
    }
  }
  const args = ['server', 'start-dev', '--ip', ip, '--port', String(port), '--log-level', 'warn'];
  args.push('--http-port', String(await freePort()), '--metrics-port', String(await freePort()));
  if (options.dbFile) {
    mkdirSync(dirname(options.dbFile), { recursive: true });
    args.push('--db-filename', options.dbFile);
    for (const pragma of options.sqlitePragmas ?? []) args.push('--sqlite-pragma', pragma);
  }
  if (options.uiPort) args.push('--ui-ip', ip, '--ui-port', String(options.uiPort));
  else args.push('--headless');
  if (options.uiPort && options.uiCodecEndpoint) args.push('--ui-codec-endpoint', options.uiCodecEndpoint);
  if (namespace !== 'default') args.push('--namespace', namespace);
  args.push(...searchAttributeFlags());

  let output: NodeJS.WritableStream | undefined;
  if (options.logFile) {
    mkdirSync(dirname(options.logFile), { recursive: true });
    output = createWriteStream(options.logFile, { flags: 'a' });
  }
  const child = spawn(options.cliPath, args, { stdio: ['ignore', output ? 'pipe' : 'ignore', output ? 'pipe' : 'ignore'] });
  if (output) {
    child.stdout?.pipe(output);
    child.stderr?.pipe(output);
  }
  let exited = false;
  const exitPromise = new Promise<void>((resolve) => child.once('exit', () => ((exited = true), resolve())));

  const address = `${ip}:${port}`;
  try {
    await waitForServer(address, options.startTimeoutMs ?? 60_000, () => !exited);
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  }

  return {
    address,
    port,
    namespace,
    uiUrl: options.uiPort ? `http://${ip}:${options.uiPort}` : undefined,
    process: child,
    async stop() {
      const from = Date.now();
      if (exited) return { exitMs: 0, killed: false };
      child.kill('SIGTERM');
      const giveUp = new AbortController();
      const exitedInTime = await Promise.race([
        exitPromise.then(() => true),
        sleep(options.stopGraceMs ?? 10_000, false, { signal: giveUp.signal }).catch(() => false),
      ]);
      giveUp.abort();
      if (!exitedInTime) {
        child.kill('SIGKILL');
        await exitPromise;
      }
      return { exitMs: Date.now() - from, killed: !exitedInTime };
    },
  };
}
