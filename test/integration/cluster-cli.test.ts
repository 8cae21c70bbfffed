/**
 * `npm run cluster` as a user runs it (scripts/cluster.ts in its own process), with mTLS made by
 * --tls-dir: the client settings it prints connect; a second start on the same data folder, or on
 * a port the first one holds, or with --port equal to --postgres-port, is refused naming the cause
 * before anything starts; and when the Temporal server is killed, the command says so, stops
 * PostgreSQL and exits with 1; when PostgreSQL is killed, it prints PostgreSQL's log, stops the
 * server and exits with 1.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KycClient } from '../../client';
import { runningPostmaster } from '../../scripts/lib/cluster';
import { freePort } from '../../scripts/lib/free-port';
import { harnessInfo } from '../harness';

jest.setTimeout(300_000);

const ROOT = join(__dirname, '..', '..');
const folders: string[] = [];
const runs: Run[] = [];
let first: Run;
let dataDir: string;
let port: number;
let postgresPort: number;

interface Run {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  done: Promise<number | null>;
}

/** Temporary folders reachable by the PostgreSQL user when we are root (mkdtemp makes them 0700). */
function folder(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  folders.push(dir);
  return dir;
}

function cluster(args: string[]): Run {
  const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'scripts', 'cluster.ts'), ...args], {
    cwd: ROOT,
    // Without the run's own client settings (an external TEMPORAL_ADDRESS); the tool paths stay.
    env: Object.fromEntries(
      Object.entries(process.env).filter(
        ([name]) => !/^TEMPORAL_(ADDRESS|NAMESPACE|TLS|CONFIG_FILE|PROFILE|API_KEY)/.test(name),
      ),
    ),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const done = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
  const run = { child, stdout: () => stdout, stderr: () => stderr, done };
  runs.push(run);
  return run;
}

async function ready(run: Run): Promise<void> {
  const deadline = Date.now() + 240_000;
  while (!run.stdout().includes('Press Ctrl-C to stop.')) {
    if (run.child.exitCode !== null || Date.now() > deadline) {
      throw new Error(`the cluster did not start:\n${run.stdout()}\n${run.stderr()}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

beforeAll(async () => {
  dataDir = folder('kyc-cluster-cli-');
  port = await freePort();
  postgresPort = await freePort();
  first = cluster([
    '--data-dir',
    dataDir,
    '--port',
    String(port),
    '--postgres-port',
    String(postgresPort),
    '--tls-dir',
    join(folder('kyc-cluster-cli-tls-'), 'tls'),
  ]);
  await ready(first);
});

afterAll(async () => {
  for (const run of runs) {
    if (run.child.exitCode !== null || run.child.signalCode !== null) continue;
    run.child.kill('SIGTERM');
    await run.done;
  }
  for (const dir of folders) rmSync(dir, { recursive: true, force: true });
});

it('prints the mTLS settings a client connects with', async () => {
  const line = first
    .stdout()
    .split('\n')
    .find((text) => text.includes('TEMPORAL_CONFIG_FILE='));
  const settings = Object.fromEntries(
    (line ?? '')
      .trim()
      .split(' ')
      .map((pair) => pair.split('=') as [string, string]),
  );
  expect(Object.keys(settings)).toEqual(['TEMPORAL_CONFIG_FILE', 'TEMPORAL_PROFILE']);
  // The library checks the namespace and its search attributes when it connects.
  const kyc = await KycClient.connect({
    env: { ...settings, KYC_PAYLOAD_KEYS: harnessInfo().payloadKeys, KYC_DATA_DIR: join(dataDir, 'no-profile') },
  });
  await kyc.close();
});

it('refuses a second start on the same data folder, naming the running PostgreSQL', async () => {
  const pid = runningPostmaster(join(dataDir, 'postgres'));
  expect(pid).toBeDefined();
  const second = cluster([
    '--data-dir',
    dataDir,
    '--port',
    String(await freePort()),
    '--postgres-port',
    String(await freePort()),
  ]);
  expect(await second.done).toBe(1);
  expect(second.stderr()).toContain(`a cluster is already running on this data dir (PostgreSQL pid ${pid}`);
});

it('refuses a port the first cluster holds, naming it and the option that changes it', async () => {
  const frontendTaken = cluster([
    '--data-dir',
    folder('kyc-cluster-cli-'),
    '--port',
    String(port),
    '--postgres-port',
    String(await freePort()),
  ]);
  expect(await frontendTaken.done).toBe(1);
  expect(frontendTaken.stderr()).toContain(`127.0.0.1:${port} is already in use`);
  expect(frontendTaken.stderr()).toContain('--port)');
  expect(frontendTaken.stdout()).not.toContain('cluster ready');

  const postgresTaken = cluster([
    '--data-dir',
    folder('kyc-cluster-cli-'),
    '--port',
    String(await freePort()),
    '--postgres-port',
    String(postgresPort),
  ]);
  expect(await postgresTaken.done).toBe(1);
  expect(postgresTaken.stderr()).toContain(`127.0.0.1:${postgresPort} is already in use`);
  expect(postgresTaken.stderr()).toContain('--postgres-port)');
});

it('stops PostgreSQL and exits with 1 when the Temporal server is killed', async () => {
  const serverPid = Number(
    /pids: this process \d+ \(stop with SIGTERM\), Temporal server (\d+), PostgreSQL/.exec(first.stdout())?.[1],
  );
  expect(serverPid).toBeGreaterThan(1);
  process.kill(serverPid, 'SIGKILL');
  expect(await first.done).toBe(1);
  expect(first.stderr()).toContain('the Temporal server exited unexpectedly (killed by SIGKILL)');
  expect(first.stderr()).toContain(join(dataDir, 'logs', 'temporal-server.log'));
  expect(first.stdout()).toContain('stopped');
  expect(runningPostmaster(join(dataDir, 'postgres'))).toBeUndefined();
});

it('refuses --port equal to --postgres-port before anything starts, naming both options', async () => {
  const dataDir = folder('kyc-cluster-cli-');
  const same = String(await freePort());
  const run = cluster(['--data-dir', dataDir, '--port', same, '--postgres-port', same]);
  expect(await run.done).toBe(1);
  expect(run.stderr()).toContain(`--port and --postgres-port are both ${same}`);
  expect(run.stdout()).not.toContain('PostgreSQL');
  // Neither its logs folder nor PostgreSQL's data were made.
  expect([existsSync(join(dataDir, 'logs')), existsSync(join(dataDir, 'postgres'))]).toEqual([false, false]);
});

it('stops the Temporal server and exits with 1, printing the end of its log, when PostgreSQL dies', async () => {
  const ownDataDir = folder('kyc-cluster-cli-');
  const run = cluster([
    '--data-dir',
    ownDataDir,
    '--port',
    String(await freePort()),
    '--postgres-port',
    String(await freePort()),
  ]);
  await ready(run);
  const [, serverPid, postgresPid] = (/Temporal server (\d+), PostgreSQL (\d+)/.exec(run.stdout()) ?? []).map(Number);
  expect(serverPid).toBeGreaterThan(1);
  expect(postgresPid).toBe(runningPostmaster(join(ownDataDir, 'postgres')));
  process.kill(postgresPid!, 'SIGKILL');
  expect(await run.done).toBe(1);
  const postgresLog = join(ownDataDir, 'logs', 'postgres-server.log');
  expect(run.stderr()).toContain(`PostgreSQL exited unexpectedly (its postmaster is gone); the end of ${postgresLog}:`);
  // The end of PostgreSQL's log follows (written since its start, so never empty).
  expect(run.stderr().split(`${postgresLog}:\n`)[1]?.trim()).toBeTruthy();
  expect(run.stderr()).not.toContain('the Temporal server exited unexpectedly');
  expect(run.stdout()).toContain('stopping the Temporal server...');
  expect(run.stdout()).toContain('stopped');
  // The server was stopped, not left running without its database.
  let signalled: unknown;
  try {
    process.kill(serverPid!, 0);
  } catch (error) {
    signalled = error;
  }
  expect(signalled).toMatchObject({ code: 'ESRCH' });
});
