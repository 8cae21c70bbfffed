/**
 * Cluster mode: a real Temporal server v1.29.1 on PostgreSQL, on loopback only, started and
 * stopped by the project (`npm run cluster`, and the cluster-mode integration test). The steps are
 * the ones docker-compose.yml runs, with the same files:
 *
 * 1. PostgreSQL (the machine's, e.g. Debian's /usr/lib/postgresql/15) in `<dataDir>/postgres`;
 *    initdb refuses to run as root, so as root it runs as an unprivileged OS user (`postgres`, or
 *    `kyc-postgres`, created when neither exists).
 * 2. deploy/temporal/setup-schema.sh: the `temporal` and `temporal_visibility` databases, created
 *    and migrated with temporal-sql-tool and the schema files shipped in the server's Go module.
 * 3. temporal-server with deploy/temporal/config/kyc.yaml (a template the server renders from the
 *    environment) and deploy/temporal/dynamicconfig.yaml.
 * 4. The namespace and the project's search attributes (common/namespace-setup.ts).
 *
 * The server and the schema tool are built once into the same cache as the Temporal CLI
 * (scripts/go-tool.sh).
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, chownSync, createWriteStream, existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Connection, type TLSConfig } from '@temporalio/client';
import { ensureNamespaceSetup, type EnsureNamespaceResult } from '../../common/namespace-setup';
import { waitForServer } from './dev-server';
import { canListen, freePort } from './free-port';
import { PROJECT_ROOT, resolveGoTool } from './temporal-cli';
import { readVariable } from '../../common/environment';

export const TEMPORAL_SERVER_VERSION = '1.29.1';
export const DEPLOY_DIR = join(PROJECT_ROOT, 'deploy', 'temporal');
/** The PostgreSQL role and password of the cluster (loopback only; compose uses the same). */
const DB_USER = 'temporal';
const DB_PASSWORD = 'temporal';

export interface ClusterOptions {
  /** PostgreSQL's data, the logs and the cluster's ports live here; kept across runs. */
  dataDir: string;
  namespace?: string;
  /** The frontend's gRPC port (what TEMPORAL_ADDRESS names); a free one when omitted. */
  frontendPort?: number;
  /** PostgreSQL's port; a free one when omitted. */
  postgresPort?: number;
  /** Where progress lines go (default: nowhere). */
  log?: (line: string) => void;
  startTimeoutMs?: number;
  /** TLS on the frontend (deploy/temporal/config/kyc.yaml's global.tls); plain when omitted. */
  tls?: ClusterTlsOptions;
  /**
   * Called with the ports each time the server is about to be spawned (after PostgreSQL and the
   * schema tool, the window in which another program can take a drawn port). The tests take a port
   * here to check that the start draws again; the CLI does not set it.
   */
  beforeServerSpawn?: (ports: Readonly<ClusterPorts>) => Promise<void> | void;
}

/** PEM file paths for a frontend with TLS, and mTLS when `requireClientAuth`. */
export interface ClusterTlsOptions {
  /** The frontend's certificate and key (TEMPORAL_TLS_FRONTEND_CERT / _KEY). */
  serverCertFile: string;
  serverKeyFile: string;
  /** The CA that signed the server certificate: the server's own clients trust it (TEMPORAL_TLS_SERVER_CA_CERT). */
  serverCaFile: string;
  /** The name in the server certificate that the server's own clients check (TEMPORAL_TLS_FRONTEND_SERVER_NAME). */
  serverName: string;
  /** Clients must present a certificate signed by `clientCaFile` (TEMPORAL_TLS_REQUIRE_CLIENT_AUTH). */
  requireClientAuth: boolean;
  clientCaFile: string;
  /**
   * The client certificate and key the server's system workers, and this module's own connections
   * (readiness, namespace setup), present (TEMPORAL_TLS_SYSTEM_WORKER_CERT / _KEY).
   */
  clientCertFile: string;
  clientKeyFile: string;
}

/** The client-side TLS settings for connecting to a cluster started with `tls`. */
export function clusterClientTls(tls: ClusterTlsOptions): TLSConfig {
  return {
    serverNameOverride: tls.serverName,
    serverRootCACertificate: readFileSync(tls.serverCaFile),
    clientCertPair: { crt: readFileSync(tls.clientCertFile), key: readFileSync(tls.clientKeyFile) },
  };
}

/** The server's environment for `tls` (the names deploy/temporal/config/kyc.yaml reads). */
function serverTlsEnv(tls: ClusterTlsOptions | undefined): NodeJS.ProcessEnv {
  if (!tls) return {};
  return {
    TEMPORAL_TLS_FRONTEND_CERT: tls.serverCertFile,
    TEMPORAL_TLS_FRONTEND_KEY: tls.serverKeyFile,
    TEMPORAL_TLS_REQUIRE_CLIENT_AUTH: String(tls.requireClientAuth),
    TEMPORAL_TLS_CLIENT_CA_CERT: tls.clientCaFile,
    TEMPORAL_TLS_SYSTEM_WORKER_CERT: tls.clientCertFile,
    TEMPORAL_TLS_SYSTEM_WORKER_KEY: tls.clientKeyFile,
    TEMPORAL_TLS_SERVER_CA_CERT: tls.serverCaFile,
    TEMPORAL_TLS_FRONTEND_SERVER_NAME: tls.serverName,
  };
}

export interface ClusterPorts {
  frontend: number;
  frontendHttp: number;
  frontendMembership: number;
  history: number;
  historyMembership: number;
  matching: number;
  matchingMembership: number;
  worker: number;
  workerMembership: number;
  metrics: number;
  postgres: number;
}

export interface ServerExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface Cluster {
  /** host:port of the frontend: TEMPORAL_ADDRESS for workers and clients. */
  address: string;
  namespace: string;
  ports: ClusterPorts;
  /** The server's Prometheus endpoint. */
  metricsUrl: string;
  logDir: string;
  /** The Temporal server's log (stdout and stderr), appended to across restarts. */
  serverLogFile: string;
  setup: EnsureNamespaceResult;
  /** The running Temporal server's process id (undefined while it is stopped). */
  serverPid(): number | undefined;
  /** PostgreSQL's postmaster pid, from its postmaster.pid (undefined when it is not running). */
  postgresPid(): number | undefined;
  /** PostgreSQL's own log (pg_ctl -l): why it stopped, when it did. */
  postgresLogFile: string;
  /**
   * Resolves when PostgreSQL's postmaster is gone for whatever reason other than stop() (a crash,
   * a kill): looked for every `POSTGRES_WATCH_INTERVAL_MS` (runningPostmaster) from the first call
   * on; the watch ends with stop() and does not keep the process alive.
   */
  postgresExited(): Promise<void>;
  /**
   * Resolves when the Temporal server started last exits, for whatever reason (a crash, a kill,
   * stopServer()); `code` and `signal` as Node's 'exit' event gives them.
   */
  serverExited(): Promise<ServerExit>;
  /** Stops the Temporal server (SIGTERM, then SIGKILL after 20 s) and leaves PostgreSQL running. */
  stopServer(): Promise<void>;
  /** Starts the Temporal server again on the same ports and database, and waits until it answers. */
  startServer(): Promise<void>;
  /** Stops the server, then PostgreSQL (fast shutdown: open transactions are rolled back). */
  stop(): Promise<void>;
}

/** Where the PostgreSQL programs are: KYC_POSTGRES_BIN_DIR, the newest /usr/lib/postgresql/N/bin, or PATH. */
export function postgresBinDir(): string {
  const fromEnv = readVariable(process.env, 'KYC_POSTGRES_BIN_DIR');
  if (fromEnv) return fromEnv;
  const debian = '/usr/lib/postgresql';
  if (existsSync(debian)) {
    const versions = readdirSync(debian)
      .filter((name) => existsSync(join(debian, name, 'bin', 'initdb')))
      .sort((a, b) => Number(b) - Number(a));
    if (versions[0]) return join(debian, versions[0], 'bin');
  }
  try {
    const initdb = execFileSync('sh', ['-c', 'command -v initdb'], { encoding: 'utf8' }).trim();
    if (initdb) return join(initdb, '..');
  } catch {
    // Not on PATH either: reported below.
  }
  throw new Error(
    'PostgreSQL is not installed (no /usr/lib/postgresql/*/bin/initdb and no initdb on PATH): ' +
      'install it (Debian: apt-get install postgresql) or set KYC_POSTGRES_BIN_DIR',
  );
}

/**
 * The schema/postgresql/v12 folder of the server's Go module: TEMPORAL_SCHEMA_DIR, or the module
 * cache (downloading the module when the server binary came from elsewhere).
 */
export function schemaDir(): string {
  const fromEnv = readVariable(process.env, 'TEMPORAL_SCHEMA_DIR');
  if (fromEnv) return fromEnv;
  const moduleDir = () =>
    join(
      execFileSync('go', ['env', 'GOMODCACHE'], { encoding: 'utf8' }).trim(),
      `go.temporal.io/server@v${TEMPORAL_SERVER_VERSION}`,
      'schema',
      'postgresql',
      'v12',
    );
  let dir = moduleDir();
  if (!existsSync(dir)) {
    execFileSync('go', ['mod', 'download', `go.temporal.io/server@v${TEMPORAL_SERVER_VERSION}`], { stdio: 'inherit' });
    dir = moduleDir();
  }
  return dir;
}

function isRoot(): boolean {
  return typeof process.getuid === 'function' && process.getuid() === 0;
}

function userExists(name: string): boolean {
  try {
    execFileSync('id', ['-u', name], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** The unprivileged user PostgreSQL runs as when we are root (initdb and postgres refuse root). */
function postgresOsUser(log: (line: string) => void): string {
  const wanted = readVariable(process.env, 'KYC_POSTGRES_OS_USER');
  if (wanted) return wanted;
  if (userExists('postgres')) return 'postgres';
  if (!userExists('kyc-postgres')) {
    log('creating the system user kyc-postgres to run PostgreSQL (it refuses to run as root)');
    execFileSync('useradd', ['--system', '--no-create-home', '--shell', '/usr/sbin/nologin', 'kyc-postgres']);
  }
  return 'kyc-postgres';
}

function uidGid(user: string): { uid: number; gid: number } {
  const uid = Number(execFileSync('id', ['-u', user], { encoding: 'utf8' }).trim());
  const gid = Number(execFileSync('id', ['-g', user], { encoding: 'utf8' }).trim());
  return { uid, gid };
}

/**
 * Distinct free ports. freePort() draws below 32768, which membership ports need (the
 * server stores them in a smallint column); distinct because one draw may repeat another, and
 * never one of `chosen` (a port the caller chose is free until its program binds it).
 */
function portPicker(chosen: ReadonlyArray<number | undefined> = []): () => Promise<number> {
  const taken = new Set<number>(chosen.filter((port) => port !== undefined));
  return async () => {
    for (;;) {
      const port = await freePort();
      if (!taken.has(port)) {
        taken.add(port);
        return port;
      }
    }
  };
}

/**
 * Refuses two chosen ports that are the same (the frontend's and PostgreSQL's): the second program
 * would die with "address already in use" after the first started. Checked before anything starts.
 *
 * @throws Error naming both options (--port, --postgres-port) and the port
 */
export function assertChosenPortsDistinct(options: Pick<ClusterOptions, 'frontendPort' | 'postgresPort'>): void {
  if (options.frontendPort !== undefined && options.frontendPort === options.postgresPort) {
    throw new Error(
      `--port and --postgres-port are both ${options.frontendPort}: the Temporal frontend and PostgreSQL ` +
        'cannot listen on the same port; choose two different ports.',
    );
  }
}

async function choosePorts(options: ClusterOptions): Promise<ClusterPorts> {
  const pick = portPicker([options.frontendPort, options.postgresPort]);
  return {
    frontend: options.frontendPort ?? (await pick()),
    ...(await drawServerPorts(pick)),
    postgres: options.postgresPort ?? (await pick()),
  };
}

/** The server's ports nobody chooses (all but the frontend's gRPC port and PostgreSQL's). */
async function drawServerPorts(pick: () => Promise<number>): Promise<Omit<ClusterPorts, 'frontend' | 'postgres'>> {
  return {
    frontendHttp: await pick(),
    frontendMembership: await pick(),
    history: await pick(),
    historyMembership: await pick(),
    matching: await pick(),
    matchingMembership: await pick(),
    worker: await pick(),
    workerMembership: await pick(),
    metrics: await pick(),
  };
}

/** How often a running cluster looks for PostgreSQL's postmaster (Cluster.postgresExited), ms. */
export const POSTGRES_WATCH_INTERVAL_MS = 2_000;

/** How often the first start draws the server's ports again after one was taken before it bound. */
const BIND_CONFLICT_ATTEMPTS = 3;

/**
 * Runs a command to completion, its output appended to `logFile`. Rejects with the output of this
 * run (not the older runs the file also holds) and, when given, the tail of `alsoTail`: the log
 * the command itself writes (pg_ctl's server log says why PostgreSQL did not start).
 */
function run(
  command: string,
  args: string[],
  logFile: string,
  env: NodeJS.ProcessEnv = process.env,
  alsoTail?: string,
): Promise<void> {
  return new Promise((resolve, reject) => {
    const out = createWriteStream(logFile, { flags: 'a' });
    const child = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const keep = (chunk: Buffer) => {
      output = (output + chunk.toString()).slice(-8_000);
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    child.stdout.pipe(out, { end: false });
    child.stderr.pipe(out, { end: false });
    child.once('error', reject);
    child.once('close', (code) => {
      out.end(() => {
        if (code === 0) return resolve();
        const own = lastLines(output) || '(no output)';
        const theirs = alsoTail ? `\nthe end of ${alsoTail}:\n${tail(alsoTail)}` : '';
        reject(new Error(`${command} ${args.join(' ')} exited with ${code} (output in ${logFile}):\n${own}${theirs}`));
      });
    });
  });
}

function lastLines(text: string, lines = 25): string {
  return text.trimEnd().split('\n').slice(-lines).join('\n');
}

/** The last `lines` lines of `file`, or "(no log)" when it cannot be read. */
export function tail(file: string, lines = 25): string {
  try {
    return lastLines(readFileSync(file, 'utf8'), lines);
  } catch {
    return '(no log)';
  }
}

/**
 * The pid of a live PostgreSQL postmaster serving `pgDataDir` (the first line of its
 * postmaster.pid, a process that exists; on Linux also named postgres, since a stale file's pid may
 * have been reused), or undefined.
 */
export function runningPostmaster(pgDataDir: string): number | undefined {
  let pid: number;
  try {
    pid = Number(readFileSync(join(pgDataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
  } catch {
    return undefined;
  }
  if (!Number.isInteger(pid) || pid <= 0) return undefined;
  try {
    process.kill(pid, 0);
  } catch (error) {
    // EPERM: it exists but belongs to another user (the postgres user when we are root).
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return undefined;
  }
  try {
    if (!readFileSync(`/proc/${pid}/comm`, 'utf8').includes('postgres')) return undefined;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT' || existsSync('/proc/self')) return undefined;
  }
  return pid;
}

class Postgres {
  private readonly bin = postgresBinDir();
  private readonly user: string | undefined;
  readonly dataDir: string;

  constructor(
    private readonly baseDir: string,
    private readonly port: number,
    private readonly logFile: string,
    log: (line: string) => void,
  ) {
    this.dataDir = join(baseDir, 'postgres');
    this.user = isRoot() ? postgresOsUser(log) : undefined;
  }

  /** The command line, through runuser when we are root. */
  private as(program: string, args: string[]): [string, string[]] {
    const path = join(this.bin, program);
    return this.user ? ['runuser', ['-u', this.user, '--', path, ...args]] : [path, args];
  }

  async init(): Promise<boolean> {
    if (existsSync(join(this.dataDir, 'PG_VERSION'))) return false;
    mkdirSync(this.dataDir, { recursive: true, mode: 0o700 });
    const passwordFile = join(this.baseDir, 'postgres-password');
    writeFileSync(passwordFile, `${DB_PASSWORD}\n`, { mode: 0o600 });
    if (this.user) {
      const { uid, gid } = uidGid(this.user);
      chownSync(this.dataDir, uid, gid);
      chownSync(passwordFile, uid, gid);
      // The user must pass through our own folder (mkdtemp makes it 0700); its parents are checked below.
      chmodSync(this.baseDir, 0o755);
      try {
        execFileSync('runuser', ['-u', this.user, '--', 'test', '-w', this.dataDir]);
      } catch {
        throw new Error(
          `PostgreSQL runs as the user ${this.user}, who cannot reach ${this.dataDir} (a parent folder is closed to ` +
            'other users): choose a data folder under /tmp or /var/lib',
        );
      }
    }
    chmodSync(this.dataDir, 0o700);
    await run(
      ...this.as('initdb', [
        '-D',
        this.dataDir,
        '-U',
        DB_USER,
        `--pwfile=${passwordFile}`,
        '--auth=scram-sha-256',
        '--encoding=UTF8',
        '--no-locale',
        // A new, empty cluster: skipping the final fsync saves seconds (20 s on a loaded CI machine).
        '--no-sync',
      ]),
      this.logFile,
    );
    // TCP on loopback only, no Unix socket (its default folder is not ours to write).
    const conf = join(this.dataDir, 'postgresql.conf');
    writeFileSync(
      conf,
      `${readFileSync(conf, 'utf8')}\n# kyc-temporal cluster mode\nlisten_addresses = '127.0.0.1'\nunix_socket_directories = ''\n`,
    );
    return true;
  }

  /** How to stop this data folder's PostgreSQL by hand (when cluster mode's own process is gone). */
  stopCommand(): string {
    const command = `${join(this.bin, 'pg_ctl')} -D ${this.dataDir} -m fast stop`;
    return this.user ? `runuser -u ${this.user} -- ${command}` : command;
  }

  /** PostgreSQL's own log (pg_ctl -l). */
  get serverLogFile(): string {
    return join(this.baseDir, 'logs', 'postgres-server.log');
  }

  start(): Promise<void> {
    const logFile = this.serverLogFile;
    if (this.user) {
      // The server's log is written by the unprivileged user.
      writeFileSync(logFile, '', { flag: 'a' });
      const { uid, gid } = uidGid(this.user);
      chownSync(logFile, uid, gid);
    }
    return run(
      ...this.as('pg_ctl', ['-D', this.dataDir, '-l', logFile, '-o', `-p ${this.port}`, '-w', '-t', '60', 'start']),
      this.logFile,
      process.env,
      logFile,
    );
  }

  stop(): Promise<void> {
    return run(...this.as('pg_ctl', ['-D', this.dataDir, '-m', 'fast', '-w', '-t', '60', 'stop']), this.logFile);
  }
}

/** What each port is and how to change it, for the message when one is taken. */
const PORT_ROLES: Record<keyof ClusterPorts, string> = {
  frontend: "the frontend's gRPC port (TEMPORAL_ADDRESS; --port)",
  frontendHttp: "the frontend's HTTP port (drawn at random: start again)",
  frontendMembership: "the frontend's membership port (drawn at random: start again)",
  history: "the history service's gRPC port (drawn at random: start again)",
  historyMembership: "the history service's membership port (drawn at random: start again)",
  matching: "the matching service's gRPC port (drawn at random: start again)",
  matchingMembership: "the matching service's membership port (drawn at random: start again)",
  worker: "the worker service's gRPC port (drawn at random: start again)",
  workerMembership: "the worker service's membership port (drawn at random: start again)",
  metrics: "the server's metrics port (drawn at random: start again)",
  postgres: "PostgreSQL's port (--postgres-port)",
};

/**
 * Refuses to start when a port the server or PostgreSQL will bind on 127.0.0.1 is taken: another
 * server there would answer the readiness check while ours dies with "bind: address already in use".
 *
 * @throws Error naming the first taken port, what it is for and how to change it
 */
export async function assertPortsFree(ports: ClusterPorts): Promise<void> {
  for (const role of Object.keys(PORT_ROLES) as (keyof ClusterPorts)[]) {
    const port = ports[role];
    if (!(await canListen(port))) {
      throw new Error(
        `127.0.0.1:${port} is already in use (perhaps by another Temporal cluster or dev server); it is ` +
          `${PORT_ROLES[role]}. Stop what uses it or choose another port.`,
      );
    }
  }
}

/** Starts PostgreSQL, migrates the schemas, starts the Temporal server and sets up the namespace. */
export async function startCluster(options: ClusterOptions): Promise<Cluster> {
  assertChosenPortsDistinct(options);
  const log = options.log ?? (() => {});
  const namespace = options.namespace ?? 'default';
  const logDir = join(options.dataDir, 'logs');
  mkdirSync(logDir, { recursive: true });
  const ports = await choosePorts(options);
  const serverBin = resolveGoTool('server');
  const sqlTool = resolveGoTool('sql-tool');

  const postgres = new Postgres(options.dataDir, ports.postgres, join(logDir, 'postgres.log'), log);
  const running = runningPostmaster(postgres.dataDir);
  if (running !== undefined) {
    throw new Error(
      `a cluster is already running on this data dir (PostgreSQL pid ${running}, ${postgres.dataDir}); ` +
        'stop it first: Ctrl-C (or SIGTERM to its node process) where `npm run cluster` runs, or, when only ' +
        `PostgreSQL was left behind: ${postgres.stopCommand()}. Or choose another data folder (--data-dir).`,
    );
  }
  await assertPortsFree(ports);
  if (await postgres.init()) log(`PostgreSQL: initialised ${postgres.dataDir}`);
  await postgres.start();
  log(`PostgreSQL: listening on 127.0.0.1:${ports.postgres}`);

  let server: ChildProcess | undefined;
  let exited: Promise<ServerExit> = Promise.resolve({ code: null, signal: null });
  const serverLogFile = join(logDir, 'temporal-server.log');
  const dbEnv = {
    POSTGRES_SEEDS: '127.0.0.1',
    DB_PORT: String(ports.postgres),
    POSTGRES_USER: DB_USER,
    POSTGRES_PWD: DB_PASSWORD,
  };
  let address = `127.0.0.1:${ports.frontend}`;
  const clientTls = options.tls ? clusterClientTls(options.tls) : undefined;

  const stopServer = async () => {
    const child = server;
    server = undefined;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    await exited;
    clearTimeout(timer);
  };

  const startServer = async () => {
    const logFile = serverLogFile;
    await options.beforeServerSpawn?.(ports);
    const out = createWriteStream(logFile, { flags: 'a' });
    const child = spawn(
      serverBin,
      ['--root', '/', '--config', join(DEPLOY_DIR, 'config'), '--env', 'kyc', '--allow-no-auth', 'start'],
      {
        env: {
          ...process.env,
          ...dbEnv,
          LOG_LEVEL: 'warn',
          BIND_ON_IP: '127.0.0.1',
          TEMPORAL_BROADCAST_ADDRESS: '127.0.0.1',
          FRONTEND_GRPC_PORT: String(ports.frontend),
          FRONTEND_HTTP_PORT: String(ports.frontendHttp),
          FRONTEND_MEMBERSHIP_PORT: String(ports.frontendMembership),
          HISTORY_GRPC_PORT: String(ports.history),
          HISTORY_MEMBERSHIP_PORT: String(ports.historyMembership),
          MATCHING_GRPC_PORT: String(ports.matching),
          MATCHING_MEMBERSHIP_PORT: String(ports.matchingMembership),
          WORKER_GRPC_PORT: String(ports.worker),
          WORKER_MEMBERSHIP_PORT: String(ports.workerMembership),
          PROMETHEUS_ENDPOINT: `127.0.0.1:${ports.metrics}`,
          DYNAMIC_CONFIG_FILE_PATH: join(DEPLOY_DIR, 'dynamicconfig.yaml'),
          ...serverTlsEnv(options.tls),
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    child.stdout.pipe(out);
    child.stderr.pipe(out);
    let gone = false;
    exited = new Promise<ServerExit>((resolve) =>
      child.once('exit', (code, signal) => {
        gone = true;
        resolve({ code, signal });
      }),
    );
    server = child;
    try {
      await waitForServer(address, options.startTimeoutMs ?? 120_000, () => !gone, clientTls ? { tls: clientTls } : {});
      // An answer from a server that is not ours (ours died on "address already in use") is no start.
      if (gone) throw new Error(`the Temporal server exited; what answered on ${address} is another process`);
    } catch (error) {
      child.kill('SIGKILL');
      await exited;
      throw new Error(`${error instanceof Error ? error.message : String(error)}; the end of ${logFile}:\n${tail(logFile)}`);
    }
  };

  let postgresWatch: NodeJS.Timeout | undefined;
  let postgresGone: Promise<void> | undefined;
  const postgresExited = () =>
    (postgresGone ??= new Promise<void>((resolve) => {
      postgresWatch = setInterval(() => {
        if (runningPostmaster(postgres.dataDir) !== undefined) return;
        clearInterval(postgresWatch);
        resolve();
      }, POSTGRES_WATCH_INTERVAL_MS);
      postgresWatch.unref();
    }));

  const stopAll = async () => {
    clearInterval(postgresWatch);
    await stopServer();
    // Not when it is gone already (it died, or never started): pg_ctl would fail on the missing pid.
    if (runningPostmaster(postgres.dataDir) !== undefined) await postgres.stop();
  };

  try {
    await run(
      'sh',
      [join(DEPLOY_DIR, 'setup-schema.sh')],
      join(logDir, 'setup-schema.log'),
      { ...process.env, ...dbEnv, SCHEMA_DIR: schemaDir(), TEMPORAL_SQL_TOOL: sqlTool },
    );
    log('schemas: temporal and temporal_visibility are up to date');
    for (let attempt = 1; ; attempt++) {
      try {
        await startServer();
        break;
      } catch (error) {
        // A drawn port taken by another program between our check and the server's bind (the server
        // dies with "bind: address already in use"): draw those again rather than fail the start.
        // Ports the caller chose are kept, and then the error stands.
        const taken = error instanceof Error ? /listen tcp [\d.]+:(\d+): bind: address already in use/.exec(error.message) : null;
        const drawn = Object.entries(ports).some(
          ([role, port]) => String(port) === taken?.[1] && !(role === 'frontend' && options.frontendPort !== undefined),
        );
        if (!drawn || attempt >= BIND_CONFLICT_ATTEMPTS) throw error;
        // The same draw as the first, PostgreSQL (running by now) kept on its port.
        Object.assign(ports, await choosePorts({ ...options, postgresPort: ports.postgres }));
        address = `127.0.0.1:${ports.frontend}`;
        log(`Temporal server: a port was taken before it bound; starting again on newly drawn ports`);
      }
    }
    log(`Temporal server ${TEMPORAL_SERVER_VERSION}: answering on ${address}`);
    const connection = await Connection.connect({ address, ...(clientTls ? { tls: clientTls } : {}) });
    let setup: EnsureNamespaceResult;
    try {
      setup = await ensureNamespaceSetup(connection, namespace);
    } finally {
      await connection.close();
    }
    log(
      `namespace ${namespace}: ${setup.createdNamespace ? 'created' : 'exists'}; search attributes ` +
        (setup.addedSearchAttributes.length ? `added: ${setup.addedSearchAttributes.join(', ')}` : 'all present'),
    );
    return {
      address,
      namespace,
      ports,
      metricsUrl: `http://127.0.0.1:${ports.metrics}/metrics`,
      logDir,
      serverLogFile,
      setup,
      serverPid: () => server?.pid,
      postgresPid: () => runningPostmaster(postgres.dataDir),
      postgresLogFile: postgres.serverLogFile,
      postgresExited,
      serverExited: () => exited,
      stopServer,
      startServer,
      stop: stopAll,
    };
  } catch (error) {
    await stopAll().catch(() => {});
    throw error;
  }
}
