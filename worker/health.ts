/**
 * The health endpoints (KYC_HEALTH_ADDRESS) of the worker and of the standalone callback
 * receiver, for an orchestrator's probes:
 *
 * - `GET /healthz` (liveness): 200 while the process serves requests and no Temporal worker has
 *   failed; 503 once one has (restart the process).
 * - `GET /readyz` (readiness): 200 only once connected and every Temporal worker polls (state
 *   `RUNNING`), or, in the receiver's process, while it listens; and, in both, only while Temporal
 *   answers its gRPC health check; 503 before that and from the moment shutdown begins (SIGTERM),
 *   so traffic and rollouts move on while running activities finish.
 *
 * The Temporal check runs in the background, not per probe: one check every
 * `TEMPORAL_CHECK_INTERVAL_MS`, one in flight at a time, each counted as unreachable after
 * `TEMPORAL_CHECK_DEADLINE_MS`; a probe answers at once from the last result, so an orchestrator's
 * probe with a 1 s timeout sees 503, not a timeout, while Temporal is away. A worker that lost
 * Temporal polls nothing while the SDK keeps its state `RUNNING`; a receiver that lost it cannot
 * signal: both must leave the load balancer. The checks stop when shutdown begins.
 *
 * Bodies are small JSON documents naming each worker's task queue and state (and, in the
 * receiver's process, `callbackReceiver: "listening"`), and, once Temporal was checked, the last
 * check's answer and age (`temporal: { serving, lastCheckAgeMs }`); nothing else.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Connection } from '@temporalio/client';
import { grpc } from '@temporalio/proto';
import type { State } from '@temporalio/worker';
import { formatListenAddress, type ListenAddress } from '../common/observability-config';
import { temporalConnectionOptions, type TemporalConnectionSecurity } from '../common/temporal-connection';

/** What the endpoints look at: a Temporal worker's task queue and state. */
export interface WatchedWorker {
  readonly options: { taskQueue: string };
  getState(): State;
}

/** Whether Temporal answers (`temporalHealthCheck`): resolves true only for SERVING; may reject. */
export type TemporalServing = () => Promise<boolean>;

export interface HealthServer {
  /** The bound base address, e.g. http://127.0.0.1:8080. */
  url: string;
  /**
   * The workers to report on; until they are given the worker is not ready. With
   * `temporalServing` it is ready only while the last background check said true; resolves once
   * the first check has answered (or counted as unreachable), so a ready line printed after it
   * matches what `/readyz` says.
   */
  watch(workers: readonly WatchedWorker[], temporalServing?: TemporalServing): Promise<void>;
  /**
   * The standalone callback receiver listens: its process is ready while the last background
   * check of `temporalServing` (if given) said true; resolves once the first check has answered.
   */
  callbackReceiverListening(temporalServing?: TemporalServing): Promise<void>;
  /** Readiness is refused from now on, and the Temporal checks stop (called when shutdown begins). */
  shuttingDown(): void;
  close(): Promise<void>;
}

/** The Temporal check's timing; the defaults are the constants below (tests shorten them). */
export interface HealthServerOptions {
  /** A check starts this long after the previous one started (or when it settles, if later), ms. */
  temporalCheckIntervalMs?: number;
  /** A check not answered within this long counts as unreachable, ms. */
  temporalCheckDeadlineMs?: number;
}

interface Report {
  status: 'ok' | 'ready' | 'starting' | 'stopping' | 'failed' | 'temporal unreachable';
  workers: Array<{ taskQueue: string; state: State }>;
  callbackReceiver?: 'listening';
  /** The last Temporal check: its answer, and how long ago it started (ms). */
  temporal?: { serving: boolean; lastCheckAgeMs: number };
}

/** How often Temporal is checked in the background, ms: `/readyz` follows Temporal within this. */
export const TEMPORAL_CHECK_INTERVAL_MS = 2_000;

/** How long one Temporal check may take before it counts as unreachable, ms. */
export const TEMPORAL_CHECK_DEADLINE_MS = 2_000;

/** A Temporal connection's gRPC health service (`Connection` of @temporalio/client). */
export interface TemporalHealthConnection {
  withDeadline<T>(deadline: number | Date, fn: () => Promise<T>): Promise<T>;
  readonly healthService: {
    check(request: grpc.health.v1.IHealthCheckRequest): Promise<grpc.health.v1.IHealthCheckResponse>;
  };
  close(): Promise<void>;
}

/** `temporalHealthCheck`'s check, and `close` to release the connection it holds. */
export interface TemporalHealthCheck extends TemporalServing {
  close(): Promise<void>;
}

/**
 * Asks Temporal's standard gRPC health service (grpc.health.v1.Health/Check, empty service name:
 * the server as a whole) with a `deadlineMs` deadline (default `TEMPORAL_CHECK_DEADLINE_MS`): true
 * only for `SERVING`; rejects when it does not answer in time, and after `close()`.
 * Source: https://github.com/grpc/grpc/blob/master/doc/health-checking.md
 *
 * `open` gives a connection of its own (`Connection.lazy` without the SDK's retry interceptor, so
 * the deadline bounds the one RPC). After a failed check that connection is closed and the next
 * check opens a new one: a fresh channel connects at once, where a channel that kept failing waits
 * out gRPC's reconnect backoff (up to 120 s), so readiness returns with the first check after
 * Temporal answers again.
 */
export function temporalHealthCheck(
  open: () => TemporalHealthConnection,
  deadlineMs = TEMPORAL_CHECK_DEADLINE_MS,
): TemporalHealthCheck {
  let connection: TemporalHealthConnection | undefined;
  let closed = false;
  const check = async (): Promise<boolean> => {
    if (closed) throw new Error('the Temporal health check is closed');
    const current = (connection ??= open());
    try {
      const answer = await current.withDeadline(Date.now() + deadlineMs, () => current.healthService.check({}));
      return answer.status === grpc.health.v1.HealthCheckResponse.ServingStatus.SERVING;
    } catch (error) {
      if (connection === current) connection = undefined;
      await current.close().catch(() => undefined);
      throw error;
    }
  };
  return Object.assign(check, {
    close: async () => {
      closed = true;
      const current = connection;
      connection = undefined;
      await current?.close();
    },
  });
}

/**
 * The connection `temporalHealthCheck` opens: lazy (it connects on the first check, so a process
 * whose Temporal is away still starts its checks) and without the SDK's retry interceptor, whose
 * retries would outlast the check's deadline by up to 5 s. Same address and security as the
 * process's other connections (common/temporal-connection.ts).
 */
export function temporalHealthConnection(config: {
  address: string;
  security?: TemporalConnectionSecurity;
}): Connection {
  return Connection.lazy({ ...temporalConnectionOptions(config), interceptors: [] });
}

/**
 * Runs `check` every `intervalMs` (measured from one start to the next; never two at once) and
 * keeps the last result; a check still pending after `deadlineMs` is recorded as not serving
 * (the next one starts only once it settles). Its timers do not keep the process alive.
 */
class TemporalWatch {
  private last: { serving: boolean; startedAt: number } | undefined;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  /** Resolves when the first result is recorded (or the watch stops first). */
  readonly firstResult: Promise<void>;
  private recorded: () => void = () => undefined;

  constructor(
    private readonly check: TemporalServing,
    private readonly intervalMs: number,
    private readonly deadlineMs: number,
  ) {
    this.firstResult = new Promise((resolve) => (this.recorded = resolve));
    void this.run();
  }

  /** The last result and its age (ms), undefined before the first. */
  result(): { serving: boolean; lastCheckAgeMs: number } | undefined {
    if (!this.last) return undefined;
    return { serving: this.last.serving, lastCheckAgeMs: Math.round(performance.now() - this.last.startedAt) };
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    this.recorded();
  }

  private async run(): Promise<void> {
    if (this.stopped) return;
    const startedAt = performance.now();
    // A check that throws synchronously or rejects counts as "not serving", like one that is late.
    const answer = Promise.resolve()
      .then(() => this.check())
      .catch(() => false);
    let late: NodeJS.Timeout | undefined;
    const deadline = new Promise<boolean>((resolve) => {
      late = setTimeout(() => resolve(false), this.deadlineMs);
      late.unref();
    });
    const serving = await Promise.race([answer, deadline]);
    clearTimeout(late);
    if (this.stopped) return;
    this.last = { serving, startedAt };
    this.recorded();
    // One check in flight at a time: a late one is waited for before the next starts.
    await answer;
    if (this.stopped) return;
    this.timer = setTimeout(() => void this.run(), Math.max(0, startedAt + this.intervalMs - performance.now()));
    this.timer.unref();
  }
}

export async function startHealthServer(
  address: ListenAddress,
  options: HealthServerOptions = {},
): Promise<HealthServer> {
  const intervalMs = options.temporalCheckIntervalMs ?? TEMPORAL_CHECK_INTERVAL_MS;
  const deadlineMs = options.temporalCheckDeadlineMs ?? TEMPORAL_CHECK_DEADLINE_MS;
  let workers: readonly WatchedWorker[] = [];
  let stopping = false;
  let receiverListening = false;
  let temporal: TemporalWatch | undefined;
  /** Starts the background checks of `check` (replacing earlier ones); resolves with the first result. */
  const watchTemporal = (check: TemporalServing | undefined): Promise<void> => {
    temporal?.stop();
    temporal = check && !stopping ? new TemporalWatch(check, intervalMs, deadlineMs) : undefined;
    return temporal?.firstResult ?? Promise.resolve();
  };
  const receiver = (): Pick<Report, 'callbackReceiver'> => (receiverListening ? { callbackReceiver: 'listening' } : {});

  const describe = () => workers.map((worker) => ({ taskQueue: worker.options.taskQueue, state: worker.getState() }));

  const liveness = (): [number, Report] => {
    const states = describe();
    const failed = states.some((worker) => worker.state === 'FAILED');
    return [failed ? 503 : 200, { status: failed ? 'failed' : 'ok', workers: states, ...receiver() }];
  };

  const readiness = (): [number, Report] => {
    const states = describe();
    const started = states.length > 0 || receiverListening;
    const checked = temporal?.result();
    const last = checked ? { temporal: checked } : {};
    if (!stopping && started && states.every((worker) => worker.state === 'RUNNING')) {
      // Answered from the last background check, never waiting for Temporal.
      if (temporal && !checked) return [503, { status: 'starting', workers: states, ...receiver() }];
      if (checked && !checked.serving) {
        return [503, { status: 'temporal unreachable', workers: states, ...receiver(), ...last }];
      }
      return [200, { status: 'ready', workers: states, ...receiver(), ...last }];
    }
    const status = states.some((worker) => worker.state === 'FAILED')
      ? 'failed'
      : stopping || states.some((worker) => worker.state !== 'INITIALIZED' && worker.state !== 'RUNNING')
        ? 'stopping'
        : 'starting';
    return [503, { status, workers: states, ...receiver(), ...last }];
  };

  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    const path = (request.url ?? '/').split('?')[0];
    const route = path === '/healthz' ? liveness : path === '/readyz' ? readiness : undefined;
    if (!route || (request.method !== 'GET' && request.method !== 'HEAD')) {
      response.writeHead(route ? 405 : 404, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ status: route ? 'method not allowed' : 'not found' }));
      return;
    }
    const [code, report] = route();
    response.writeHead(code, { 'content-type': 'application/json', 'cache-control': 'no-store' });
    response.end(request.method === 'HEAD' ? undefined : JSON.stringify(report));
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(address.port, address.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const bound = server.address() as AddressInfo;
  return {
    url: `http://${formatListenAddress({ host: bound.address, port: bound.port })}`,
    watch(watched, check) {
      workers = watched;
      return watchTemporal(check);
    },
    callbackReceiverListening(check) {
      receiverListening = true;
      return watchTemporal(check);
    },
    shuttingDown() {
      stopping = true;
      temporal?.stop();
    },
    close: () =>
      new Promise<void>((resolve) => {
        temporal?.stop();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
