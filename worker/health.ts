/**
 * The health endpoints (KYC_HEALTH_ADDRESS) of the worker and of the standalone callback
 * receiver, for an orchestrator's probes:
 *
 * - `GET /healthz` (liveness): 200 while the process serves requests and no Temporal worker has
 *   failed; 503 once one has (restart the process).
 * - `GET /readyz` (readiness): 200 only once connected and every Temporal worker polls (state
 *   `RUNNING`), or, in the receiver's process, while it listens; and, in both, only while Temporal
 *   answers its gRPC health check (asked again at each probe, at most once per
 *   `TEMPORAL_CHECK_CACHE_MS`, `TEMPORAL_CHECK_DEADLINE_MS` each: a worker that lost Temporal polls
 *   nothing, and the SDK keeps its state `RUNNING` while it retries; a receiver that lost it cannot
 *   signal, so it must leave the load balancer); 503 before that and from the moment shutdown
 *   begins (SIGTERM), so traffic and rollouts move on while running activities finish.
 *
 * Bodies are small JSON documents naming each worker's task queue and state (and, in the
 * receiver's process, `callbackReceiver: "listening"`); nothing else.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { grpc } from '@temporalio/proto';
import type { State } from '@temporalio/worker';
import { formatListenAddress, type ListenAddress } from '../common/observability-config';

/** What the endpoints look at: a Temporal worker's task queue and state. */
export interface WatchedWorker {
  readonly options: { taskQueue: string };
  getState(): State;
}

/** Whether Temporal answers (`temporalHealthCheck`); asked again by later probes. */
export type TemporalServing = () => Promise<boolean>;

export interface HealthServer {
  /** The bound base address, e.g. http://127.0.0.1:8080. */
  url: string;
  /**
   * The workers to report on; until they are given the worker is not ready. With
   * `temporalServing` it is ready only while that resolves true (cached `TEMPORAL_CHECK_CACHE_MS`).
   */
  watch(workers: readonly WatchedWorker[], temporalServing?: TemporalServing): void;
  /**
   * The standalone callback receiver listens: its process is ready while `temporalServing` (if
   * given) resolves true; it is asked again by later probes (cached `TEMPORAL_CHECK_CACHE_MS`).
   */
  callbackReceiverListening(temporalServing?: TemporalServing): void;
  /** Readiness is refused from now on (called when shutdown begins). */
  shuttingDown(): void;
  close(): Promise<void>;
}

interface Report {
  status: 'ok' | 'ready' | 'starting' | 'stopping' | 'failed' | 'temporal unreachable';
  workers: Array<{ taskQueue: string; state: State }>;
  callbackReceiver?: 'listening';
}

/** How long one answer of the Temporal check stands for the next probes, ms. */
export const TEMPORAL_CHECK_CACHE_MS = 2_000;

/** How long one Temporal check may take before it counts as unreachable, ms. */
export const TEMPORAL_CHECK_DEADLINE_MS = 3_000;

/** A Temporal connection's gRPC health service (`Connection` of @temporalio/client). */
export interface TemporalHealthConnection {
  withDeadline<T>(deadline: number | Date, fn: () => Promise<T>): Promise<T>;
  readonly healthService: {
    check(request: grpc.health.v1.IHealthCheckRequest): Promise<grpc.health.v1.IHealthCheckResponse>;
  };
}

/**
 * Asks Temporal's standard gRPC health service (grpc.health.v1.Health/Check, empty service name:
 * the server as a whole) through `connection`, with a `TEMPORAL_CHECK_DEADLINE_MS` deadline:
 * true only for `SERVING`; rejects when it does not answer in time.
 * Source: https://github.com/grpc/grpc/blob/master/doc/health-checking.md
 */
export function temporalHealthCheck(connection: TemporalHealthConnection): TemporalServing {
  return async () => {
    const answer = await connection.withDeadline(Date.now() + TEMPORAL_CHECK_DEADLINE_MS, () =>
      connection.healthService.check({}),
    );
    return answer.status === grpc.health.v1.HealthCheckResponse.ServingStatus.SERVING;
  };
}

export async function startHealthServer(address: ListenAddress): Promise<HealthServer> {
  let workers: readonly WatchedWorker[] = [];
  let stopping = false;
  let receiverListening = false;
  let temporalServing: TemporalServing | undefined;
  let lastCheck: { at: number; serving: Promise<boolean> } | undefined;
  /** Temporal's answer, asked at most once per TEMPORAL_CHECK_CACHE_MS however many probes come. */
  const temporalAnswers = (): Promise<boolean> => {
    if (!temporalServing) return Promise.resolve(true);
    const now = Date.now();
    if (!lastCheck || now - lastCheck.at >= TEMPORAL_CHECK_CACHE_MS) {
      lastCheck = { at: now, serving: temporalServing().catch(() => false) };
    }
    return lastCheck.serving;
  };
  const receiver = (): Pick<Report, 'callbackReceiver'> => (receiverListening ? { callbackReceiver: 'listening' } : {});

  const describe = () => workers.map((worker) => ({ taskQueue: worker.options.taskQueue, state: worker.getState() }));

  const liveness = (): [number, Report] => {
    const states = describe();
    const failed = states.some((worker) => worker.state === 'FAILED');
    return [failed ? 503 : 200, { status: failed ? 'failed' : 'ok', workers: states, ...receiver() }];
  };

  const readiness = async (): Promise<[number, Report]> => {
    const states = describe();
    const started = states.length > 0 || receiverListening;
    if (!stopping && started && states.every((worker) => worker.state === 'RUNNING')) {
      if (!(await temporalAnswers())) {
        return [503, { status: 'temporal unreachable', workers: states, ...receiver() }];
      }
      return [200, { status: 'ready', workers: states, ...receiver() }];
    }
    const status = states.some((worker) => worker.state === 'FAILED')
      ? 'failed'
      : stopping || states.some((worker) => worker.state !== 'INITIALIZED' && worker.state !== 'RUNNING')
        ? 'stopping'
        : 'starting';
    return [503, { status, workers: states, ...receiver() }];
  };

  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    const path = (request.url ?? '/').split('?')[0];
    const route = path === '/healthz' ? liveness : path === '/readyz' ? readiness : undefined;
    if (!route || (request.method !== 'GET' && request.method !== 'HEAD')) {
      response.writeHead(route ? 405 : 404, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ status: route ? 'method not allowed' : 'not found' }));
      return;
    }
    void Promise.resolve(route()).then(([code, report]) => {
      response.writeHead(code, { 'content-type': 'application/json', 'cache-control': 'no-store' });
      response.end(request.method === 'HEAD' ? undefined : JSON.stringify(report));
    });
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
      temporalServing = check;
    },
    callbackReceiverListening(check) {
      receiverListening = true;
      temporalServing = check;
    },
    shuttingDown() {
      stopping = true;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
