/**
 * The worker's `/readyz` follows Temporal: a worker process on a private dev server is ready, the
 * server stops (the SDK keeps the worker `RUNNING` while its polls fail) and `/readyz` answers 503
 * `temporal unreachable` while liveness stays 200; the server comes back on the same port and the
 * worker is ready again.
 */
import { freePort } from '../../scripts/lib/free-port';
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
    const response = await fetch(`http://127.0.0.1:${healthPort}${path}`);
    return { status: response.status, body: (await response.json()) as { status: string; workers: unknown[] } };
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
  // The workers themselves still say RUNNING: only the check tells.
  expect(down.body.workers).toEqual(expect.arrayContaining([expect.objectContaining({ state: 'RUNNING' })]) as unknown);
  expect((await probe('/healthz')).status).toBe(200);

  server = await startDevServer({ cliPath: harnessInfo().cliPath, port });
  await waitFor(
    () => probe('/readyz'),
    (answer) => answer.status === 200,
    '/readyz to answer 200 with the server back',
    250,
  );
  expect(worker.child.exitCode).toBeNull();
});
