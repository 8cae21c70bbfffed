/**
 * The health endpoints (KYC_HEALTH_ADDRESS) of the worker and of the standalone callback
 * receiver, for an orchestrator's probes:
 *
 * - `GET /healthz` (liveness): 200 while the process serves requests and no Temporal worker has
 *   failed; 503 once one has (restart the process).
 * - `GET /readyz` (readiness): 200 only once connected and every Temporal worker polls (state
 *   `RUNNING`), or, in the receiver's process, while it listens and Temporal answers its health
 *   check (asked again at each probe, at most once per `TEMPORAL_CHECK_CACHE_MS`: a receiver that
 *   lost Temporal cannot signal, so it must leave the load balancer); 503 before that and from the
 *   moment shutdown begins (SIGTERM), so traffic and rollouts move on while running activities
 *   finish.
 *
 * Bodies are small JSON documents naming each worker's task queue and state (and, in the
 * receiver's process, `callbackReceiver: "listening"`); nothing else.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { State } from '@temporalio/worker';
import { formatListenAddress, type ListenAddress } from '../common/observability-config';

/** What the endpoints look at: a Temporal worker's task queue and state. */
export interface WatchedWorker {
  readonly options: { taskQueue: string };
  getState(): State;
}

export interface HealthServer {
  /** The bound base address, e.g. http://127.0.0.1:8080. */
  url: string;
  /** The workers to report on; until they are given the worker is not ready. */
  watch(workers: readonly WatchedWorker[]): void;
  /**
   * The standalone callback receiver listens: its process is ready while `temporalServing` (if
   * given) resolves true; it is asked again by later probes (cached `TEMPORAL_CHECK_CACHE_MS`).
   */
  callbackReceiverListening(temporalServing?: () => Promise<boolean>): void;
  /** Readiness is refused from now on (called when shutdown begins). */
  shuttingDown(): void;
  close(): Promise<void>;
}

interface Report {
  status: 'ok' | 'ready' | 'starting' | 'stopping' | 'failed' | 'temporal unreachable';
  workers: Array<{ taskQueue: string; state: State }>;
  callbackReceiver?: 'listening';
}

/** How long one answer of the receiver's Temporal check stands for the next probes, ms. */
export const TEMPORAL_CHECK_CACHE_MS = 2_000;

export async function startHealthServer(address: ListenAddress): Promise<HealthServer> {
  let workers: readonly WatchedWorker[] = [];
  let stopping = false;
  let receiverListening = false;
  let temporalServing: (() => Promise<boolean>) | undefined;
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
      if (receiverListening && !(await temporalAnswers())) {
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
    watch(watched) {
      workers = watched;
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
