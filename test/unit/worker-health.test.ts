/**
 * The health endpoints' answers for each state of the workers they watch (worker states as the
 * SDK names them), and the background Temporal check `/readyz` answers from. The live endpoints
 * of a real worker process are tested in test/integration/worker-observability.test.ts,
 * worker-graceful-shutdown.test.ts and worker-readiness-temporal.test.ts.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { grpc } from '@temporalio/proto';
import type { State } from '@temporalio/worker';
import {
  TEMPORAL_CHECK_DEADLINE_MS,
  startHealthServer,
  temporalHealthCheck,
  type HealthServer,
  type TemporalHealthConnection,
} from '../../worker/health';
import { waitFor } from '../harness/wait';

/** Short check timing, so the tests wait for conditions quickly (production: 2 s and 2 s). */
const INTERVAL_MS = 50;
const DEADLINE_MS = 200;

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
  server = await startHealthServer(
    { host: '127.0.0.1', port: 0 },
    { temporalCheckIntervalMs: INTERVAL_MS, temporalCheckDeadlineMs: DEADLINE_MS },
  );
});
afterEach(() => server.close());

interface Body {
  status: string;
  temporal?: { serving: boolean; lastCheckAgeMs: number };
}

async function get(path: string): Promise<{ status: number; body: Body }> {
  const response = await fetch(`${server.url}${path}`);
  return { status: response.status, body: (await response.json()) as Body };
}

/** Polls /readyz until `done` holds. */
const readyzUntil = (done: (answer: { status: number; body: Body }) => boolean, what: string) =>
  waitFor(() => get('/readyz'), done, what, 10);

/** A check whose answers the test gives one by one: each call waits for `answer()`, which waits for a call. */
function heldCheck() {
  const pending: Array<(serving: boolean) => void> = [];
  let asked = 0;
  return {
    check: () => {
      asked++;
      return new Promise<boolean>((resolve) => pending.push(resolve));
    },
    asked: () => asked,
    async answer(serving: boolean) {
      await waitFor(
        () => pending.length,
        (waiting) => waiting > 0,
        'a check to wait for its answer',
        5,
      );
      pending.shift()!(serving);
    },
  };
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
  await server.watch([new WorkerState({ taskQueue: 'kyc' }, 'INITIALIZED')]);
  expect((await get('/readyz')).status).toBe(503);
});

it('is ready once every worker polls, and not from the moment shutdown begins', async () => {
  const main = new WorkerState({ taskQueue: 'kyc' }, 'RUNNING');
  const phone = new WorkerState({ taskQueue: 'kyc-phone-gateway' }, 'INITIALIZED');
  await server.watch([main, phone]);
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
  await server.callbackReceiverListening();
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
  await server.watch([new WorkerState({ taskQueue: 'kyc' }, 'FAILED')]);
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

it('in the callback receiver service: follows Temporal through background checks, not ready while it does not answer', async () => {
  let serving = true;
  await server.callbackReceiverListening(() =>
    serving ? Promise.resolve(true) : Promise.reject(new Error('deadline exceeded')),
  );
  expect(await get('/readyz')).toEqual({
    status: 200,
    body: {
      status: 'ready',
      workers: [],
      callbackReceiver: 'listening',
      temporal: { serving: true, lastCheckAgeMs: expect.any(Number) as unknown },
    },
  });

  serving = false;
  const down = await readyzUntil((answer) => answer.status === 503, '/readyz to answer 503');
  expect(down.body).toEqual({
    status: 'temporal unreachable',
    workers: [],
    callbackReceiver: 'listening',
    temporal: { serving: false, lastCheckAgeMs: expect.any(Number) as unknown },
  });
  // Liveness does not depend on Temporal: restarting the process would not bring it back.
  expect((await get('/healthz')).status).toBe(200);

  serving = true;
  await readyzUntil((answer) => answer.status === 200, '/readyz to answer 200 again');
  server.shuttingDown();
  expect((await get('/readyz')).body.status).toBe('stopping');
});

it('in the worker: follows Temporal through background checks, not ready while it does not answer', async () => {
  let serving = true;
  const main = new WorkerState({ taskQueue: 'kyc' }, 'RUNNING');
  await server.watch([main], () => (serving ? Promise.resolve(true) : Promise.reject(new Error('deadline exceeded'))));
  expect((await get('/readyz')).status).toBe(200);

  serving = false;
  const down = await readyzUntil((answer) => answer.status === 503, '/readyz to answer 503');
  // The SDK keeps the worker RUNNING while its polls fail: only the check tells.
  expect(down.body).toEqual({
    status: 'temporal unreachable',
    workers: [{ taskQueue: 'kyc', state: 'RUNNING' }],
    temporal: { serving: false, lastCheckAgeMs: expect.any(Number) as unknown },
  });
  expect((await get('/healthz')).status).toBe(200);

  serving = true;
  await readyzUntil((answer) => answer.status === 200, '/readyz to answer 200 again');
  // Shutdown wins over a serving Temporal.
  server.shuttingDown();
  expect((await get('/readyz')).body.status).toBe('stopping');
});

it('is not ready until the first check answers', async () => {
  const temporal = heldCheck();
  const first = server.watch([new WorkerState({ taskQueue: 'kyc' }, 'RUNNING')], temporal.check);
  expect(await get('/readyz')).toEqual({
    status: 503,
    body: expect.objectContaining({ status: 'starting' }) as unknown,
  });
  await temporal.answer(true);
  await first;
  expect((await get('/readyz')).status).toBe(200);
});

it('answers at once from the last check while the next one waits for Temporal, with one check in flight', async () => {
  const temporal = heldCheck();
  const first = server.watch([new WorkerState({ taskQueue: 'kyc' }, 'RUNNING')], temporal.check);
  await temporal.answer(true);
  await first;
  // The next check starts on its own (no probe asks for it) and gets no answer.
  await waitFor(temporal.asked, (asked) => asked === 2, 'the second check to start', 5);
  // The probe does not wait for it: it answers from the first check.
  expect(await get('/readyz')).toMatchObject({ status: 200, body: { temporal: { serving: true } } });
  // Past its deadline it counts as unreachable...
  const late = await readyzUntil((answer) => answer.status === 503, '/readyz to answer 503 past the deadline');
  expect(late.body).toMatchObject({ status: 'temporal unreachable', temporal: { serving: false } });
  // ...and no other check starts while it is still in flight, however many intervals go by.
  await readyzUntil(
    (answer) => (answer.body.temporal?.lastCheckAgeMs ?? 0) > DEADLINE_MS + 5 * INTERVAL_MS,
    'several intervals to pass',
  );
  expect(temporal.asked()).toBe(2);
  // Once it settles the checks go on, and the next answer counts.
  await temporal.answer(true);
  await temporal.answer(true);
  expect(temporal.asked()).toBe(3);
  await readyzUntil((answer) => answer.status === 200, '/readyz to answer 200 again');
});

it('stops checking when shutdown begins', async () => {
  let asked = 0;
  await server.watch([new WorkerState({ taskQueue: 'kyc' }, 'RUNNING')], () => {
    asked++;
    return Promise.resolve(true);
  });
  await waitFor(
    () => asked,
    (count) => count >= 3,
    'checks to repeat',
    5,
  );
  server.shuttingDown();
  const atShutdown = asked;
  // Many intervals later (a longer wait only makes this surer), no check has started.
  await new Promise((resolve) => setTimeout(resolve, 20 * INTERVAL_MS));
  expect(asked).toBe(atShutdown);
});

it('does not keep the process alive once shut down', async () => {
  // A process that watches Temporal, shuts its health server down and has nothing else to do exits.
  const script = [
    "const { startHealthServer } = require('./worker/health');",
    '(async () => {',
    "  const server = await startHealthServer({ host: '127.0.0.1', port: 0 }, { temporalCheckIntervalMs: 50 });",
    '  await server.watch([], () => Promise.resolve(true));',
    '  server.shuttingDown();',
    '  await server.close();',
    "  console.log('closed');",
    '})();',
  ].join('\n');
  const child = spawn(process.execPath, ['--import', 'tsx', '-e', script], {
    cwd: join(__dirname, '..', '..'),
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  expect({ code, output: output.trim() }).toEqual({ code: 0, output: 'closed' });
});

/** A fake connection recording its deadlines and whether it was closed. */
function fakeConnection(answer: () => Promise<{ status: number }>, deadlines: number[] = []) {
  const connection = {
    closed: false,
    withDeadline<T>(deadline: number | Date, fn: () => Promise<T>): Promise<T> {
      deadlines.push(Number(deadline) - Date.now());
      return fn();
    },
    healthService: { check: answer },
    close() {
      connection.closed = true;
      return Promise.resolve();
    },
  };
  return connection satisfies TemporalHealthConnection;
}

it('the Temporal check is true only for SERVING, under a deadline', async () => {
  const deadlines: number[] = [];
  const { SERVING, NOT_SERVING } = grpc.health.v1.HealthCheckResponse.ServingStatus;
  const answering = (status: number) => () => fakeConnection(() => Promise.resolve({ status }), deadlines);
  expect(await temporalHealthCheck(answering(SERVING))()).toBe(true);
  expect(await temporalHealthCheck(answering(NOT_SERVING))()).toBe(false);
  for (const ms of deadlines) expect(ms).toBeGreaterThan(TEMPORAL_CHECK_DEADLINE_MS - 1_000);
  for (const ms of deadlines) expect(ms).toBeLessThanOrEqual(TEMPORAL_CHECK_DEADLINE_MS);
});

it('the Temporal check opens a new connection after a failed check, and keeps one that answers', async () => {
  const { SERVING } = grpc.health.v1.HealthCheckResponse.ServingStatus;
  let serving = false;
  const opened: Array<ReturnType<typeof fakeConnection>> = [];
  const check = temporalHealthCheck(() => {
    const connection = fakeConnection(() =>
      serving ? Promise.resolve({ status: SERVING }) : Promise.reject(new Error('14 UNAVAILABLE')),
    );
    opened.push(connection);
    return connection;
  });
  await expect(check()).rejects.toThrow('UNAVAILABLE');
  await expect(check()).rejects.toThrow('UNAVAILABLE');
  // A channel that kept failing would wait out gRPC's reconnect backoff: each failed one is closed.
  expect(opened.map((connection) => connection.closed)).toEqual([true, true]);
  serving = true;
  expect(await check()).toBe(true);
  expect(await check()).toBe(true);
  expect(opened.map((connection) => connection.closed)).toEqual([true, true, false]);
  await check.close();
  expect(opened[2]!.closed).toBe(true);
  await expect(check()).rejects.toThrow('closed');
  expect(opened).toHaveLength(3);
});
