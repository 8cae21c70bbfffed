/**
 * The worker's `/readyz` follows Temporal: a worker process on a private dev server is ready, the
 * server stops (the SDK keeps the worker `RUNNING` while its polls fail) and `/readyz` answers 503
 * `temporal unreachable` from its background check while liveness stays 200; the server comes back
 * on the same port and the first check that starts after it answers again makes the worker ready.
 */
import { Connection } from '@temporalio/client';
import { freePort } from '../../scripts/lib/free-port';
import { temporalHealthCheck } from '../../worker/health';
import {
  harnessInfo,
  spawnWorkerProcess,
  startDevServer,
  startTestStack,
  type DevServer,
  type TestStack,
  type WorkerProcess,
  waitFor,
} from '../harness';

let stack: TestStack;
let server: DevServer | undefined;
let worker: WorkerProcess | undefined;

beforeAll(async () => {
  stack = await startTestStack({ workers: false });
  server = await startDevServer({ cliPath: harnessInfo().cliPath });
});
afterAll(async () => {
  await worker?.kill('SIGKILL');
  await server?.stop();
  await stack?.shutdown();
});

it('/readyz answers 503 temporal unreachable while the server is down, and 200 again once it is back', async () => {
  const healthPort = await freePort();
  worker = await spawnWorkerProcess(stack, {
    TEMPORAL_ADDRESS: server!.address,
    TEMPORAL_NAMESPACE: server!.namespace,
    KYC_HEALTH_ADDRESS: `127.0.0.1:${healthPort}`,
  });
  const probe = async (path: string) => {
    const sentAt = Date.now();
    const response = await fetch(`http://127.0.0.1:${healthPort}${path}`);
    const body = (await response.json()) as {
      status: string;
      workers: unknown[];
      temporal?: { serving: boolean; lastCheckAgeMs: number };
    };
    return { status: response.status, body, sentAt, tookMs: Date.now() - sentAt };
  };
  expect(await probe('/readyz')).toMatchObject({ status: 200, body: { status: 'ready' } });

  const { port } = server!;
  await server!.stop();
  server = undefined;
  const down = await waitFor(
    () => probe('/readyz'),
    (answer) => answer.status === 503,
    '/readyz to answer 503 with the server down',
    250,
  );
  expect(down.body.status).toBe('temporal unreachable');
  // The answer comes from the last background check, and says how old it is.
  expect(down.body.temporal).toEqual({ serving: false, lastCheckAgeMs: expect.any(Number) as unknown });
  // The workers themselves still say RUNNING: only the check tells.
  expect(down.body.workers).toEqual(expect.arrayContaining([expect.objectContaining({ state: 'RUNNING' })]) as unknown);
  expect((await probe('/healthz')).status).toBe(200);

  server = await startDevServer({ cliPath: harnessInfo().cliPath, port });
  // The moment Temporal answers again, as a new client sees it.
  const check = temporalHealthCheck(() => Connection.lazy({ address: server!.address, interceptors: [] }));
  await waitFor(
    () => check().catch(() => false),
    (serving) => serving,
    'the restarted server to answer its health check',
    100,
  );
  await check.close();
  const answering = Date.now();
  // The first check the worker started after that (probe sent at t, check age a: it started at or
  // after t - a) finds Temporal: readiness returns within one check interval, not after gRPC's
  // reconnect backoff.
  const after = await waitFor(
    () => probe('/readyz'),
    (answer) => answer.body.temporal !== undefined && answer.sentAt - answer.body.temporal.lastCheckAgeMs > answering,
    'a check started after the server answered again',
    50,
  );
  expect(after).toMatchObject({ status: 200, body: { status: 'ready', temporal: { serving: true } } });
  console.log(
    `/readyz: 503 answered in ${down.tookMs} ms with the server down; 200 again ` +
      `${after.sentAt + after.tookMs - answering} ms after the server answered`,
  );
  expect(worker.child.exitCode).toBeNull();
});
