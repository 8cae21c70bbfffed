/**
 * The health endpoints' answers for each state of the workers they watch (worker states as the
 * SDK names them). The live endpoints of a real worker process are tested in
 * test/integration/worker-observability.test.ts and worker-graceful-shutdown.test.ts.
 */
import { grpc } from '@temporalio/proto';
import type { State } from '@temporalio/worker';
import {
  TEMPORAL_CHECK_CACHE_MS,
  TEMPORAL_CHECK_DEADLINE_MS,
  startHealthServer,
  temporalHealthCheck,
  type HealthServer,
} from '../../worker/health';

class WorkerState {
  constructor(
    readonly options: { taskQueue: string },
    public state: State,
  ) {}
  getState(): State {
    return this.state;
  }
}

let server: HealthServer;
beforeEach(async () => {
  server = await startHealthServer({ host: '127.0.0.1', port: 0 });
});
afterEach(() => server.close());

async function get(path: string): Promise<{ status: number; body: { status: string } }> {
  const response = await fetch(`${server.url}${path}`);
  return { status: response.status, body: (await response.json()) as { status: string } };
}

it('binds the address it was given (port 0: a free one) on loopback', () => {
  expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
});

it('is live but not ready before the workers exist, and while they start', async () => {
  expect(await get('/healthz')).toEqual({ status: 200, body: expect.objectContaining({ status: 'ok' }) as unknown });
  expect(await get('/readyz')).toEqual({
    status: 503,
    body: expect.objectContaining({ status: 'starting' }) as unknown,
  });
  server.watch([new WorkerState({ taskQueue: 'kyc' }, 'INITIALIZED')]);
  expect((await get('/readyz')).status).toBe(503);
});

it('is ready once every worker polls, and not from the moment shutdown begins', async () => {
  const main = new WorkerState({ taskQueue: 'kyc' }, 'RUNNING');
  const phone = new WorkerState({ taskQueue: 'kyc-phone-gateway' }, 'INITIALIZED');
  server.watch([main, phone]);
  expect((await get('/readyz')).status).toBe(503);
  phone.state = 'RUNNING';
  const ready = await fetch(`${server.url}/readyz`);
  expect(ready.status).toBe(200);
  expect(await ready.json()).toEqual({
    status: 'ready',
    workers: [
      { taskQueue: 'kyc', state: 'RUNNING' },
      { taskQueue: 'kyc-phone-gateway', state: 'RUNNING' },
    ],
  });

  server.shuttingDown();
  expect(await get('/readyz')).toEqual({
    status: 503,
    body: expect.objectContaining({ status: 'stopping' }) as unknown,
  });
  expect((await get('/healthz')).status).toBe(200);
  main.state = 'DRAINING';
  expect((await get('/readyz')).body.status).toBe('stopping');
});

it('in the callback receiver service (no workers): ready once it listens, not from shutdown on', async () => {
  expect((await get('/readyz')).status).toBe(503);
  server.callbackReceiverListening();
  const ready = await fetch(`${server.url}/readyz`);
  expect(ready.status).toBe(200);
  expect(await ready.json()).toEqual({ status: 'ready', workers: [], callbackReceiver: 'listening' });
  server.shuttingDown();
  expect(await get('/readyz')).toEqual({
    status: 503,
    body: { status: 'stopping', workers: [], callbackReceiver: 'listening' },
  });
  expect((await get('/healthz')).status).toBe(200);
});

it('is not live once a worker failed', async () => {
  server.watch([new WorkerState({ taskQueue: 'kyc' }, 'FAILED')]);
  expect(await get('/healthz')).toEqual({
    status: 503,
    body: expect.objectContaining({ status: 'failed' }) as unknown,
  });
  expect(await get('/readyz')).toEqual({ status: 503, body: expect.objectContaining({ status: 'failed' }) as unknown });
});

it('answers 404 elsewhere and 405 to other methods', async () => {
  expect((await fetch(`${server.url}/metrics`)).status).toBe(404);
  expect((await fetch(`${server.url}/readyz`, { method: 'POST' })).status).toBe(405);
});

it('in the callback receiver service: asks Temporal again at later probes, and is not ready while it does not answer', async () => {
  let serving = true;
  let asked = 0;
  server.callbackReceiverListening(() => {
    asked++;
    return serving ? Promise.resolve(true) : Promise.reject(new Error('deadline exceeded'));
  });
  expect((await get('/readyz')).status).toBe(200);
  expect((await get('/readyz')).status).toBe(200);
  // Probes close together share one answer.
  expect(asked).toBe(1);

  serving = false;
  await new Promise((resolve) => setTimeout(resolve, TEMPORAL_CHECK_CACHE_MS + 50));
  expect(await get('/readyz')).toEqual({
    status: 503,
    body: { status: 'temporal unreachable', workers: [], callbackReceiver: 'listening' },
  });
  // Liveness does not depend on Temporal: restarting the process would not bring it back.
  expect((await get('/healthz')).status).toBe(200);
  expect(asked).toBe(2);

  serving = true;
  await new Promise((resolve) => setTimeout(resolve, TEMPORAL_CHECK_CACHE_MS + 50));
  expect((await get('/readyz')).status).toBe(200);
  expect(asked).toBe(3);
});

it('in the worker: asks Temporal again at later probes, and is not ready while it does not answer', async () => {
  let serving = true;
  let asked = 0;
  const main = new WorkerState({ taskQueue: 'kyc' }, 'RUNNING');
  server.watch([main], () => {
    asked++;
    return serving ? Promise.resolve(true) : Promise.reject(new Error('deadline exceeded'));
  });
  expect((await get('/readyz')).status).toBe(200);
  expect((await get('/readyz')).status).toBe(200);
  expect(asked).toBe(1);

  serving = false;
  await new Promise((resolve) => setTimeout(resolve, TEMPORAL_CHECK_CACHE_MS + 50));
  // The SDK keeps the worker RUNNING while its polls fail: only the check tells.
  expect(await get('/readyz')).toEqual({
    status: 503,
    body: { status: 'temporal unreachable', workers: [{ taskQueue: 'kyc', state: 'RUNNING' }] },
  });
  expect((await get('/healthz')).status).toBe(200);

  serving = true;
  await new Promise((resolve) => setTimeout(resolve, TEMPORAL_CHECK_CACHE_MS + 50));
  expect((await get('/readyz')).status).toBe(200);
  expect(asked).toBe(3);
  // Shutdown wins over a serving Temporal.
  server.shuttingDown();
  expect((await get('/readyz')).body.status).toBe('stopping');
});

it('the Temporal check is true only for SERVING, under a deadline', async () => {
  const deadlines: number[] = [];
  const connection = (status: number) => ({
    withDeadline<T>(deadline: number | Date, fn: () => Promise<T>): Promise<T> {
      deadlines.push(Number(deadline) - Date.now());
      return fn();
    },
    healthService: { check: () => Promise.resolve({ status }) },
  });
  const { SERVING, NOT_SERVING } = grpc.health.v1.HealthCheckResponse.ServingStatus;
  expect(await temporalHealthCheck(connection(SERVING))()).toBe(true);
  expect(await temporalHealthCheck(connection(NOT_SERVING))()).toBe(false);
  for (const ms of deadlines) expect(ms).toBeGreaterThan(TEMPORAL_CHECK_DEADLINE_MS - 1_000);
  for (const ms of deadlines) expect(ms).toBeLessThanOrEqual(TEMPORAL_CHECK_DEADLINE_MS);
});
