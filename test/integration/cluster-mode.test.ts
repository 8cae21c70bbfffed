/**
 * Cluster mode for real: PostgreSQL and the Temporal server v1.29.1 started by scripts/lib/cluster.ts
 * on free loopback ports with a fresh data folder (schemas migrated by the schema tool, namespace
 * and search attributes created), then the project on it as in production: two worker processes,
 * the client library, the simulators. The three flows run end to end and are found through SQL
 * visibility; one worker is killed (SIGKILL) with approvals in flight and the other finishes them;
 * the server is restarted with approvals waiting for their tokens and all of them approve after.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KycClient, type DeviceApprovalHandle } from '../../client';
import type { DeviceApprovalState } from '../../contracts/device-approval';
import { ALL_SEARCH_ATTRIBUTES } from '../../contracts/search-attributes';
import { freePort } from '../../scripts/lib/free-port';
import { startCluster, type Cluster, type ClusterPorts } from '../../scripts/lib/cluster';
import { BankDeviceControl } from '../../simulators/bank-device';
import { EsignControl } from '../../simulators/esign';
import { spawnWorkerProcess, startTestStack, uniqueId, type TestStack, type WorkerProcess } from '../harness';
import { TEST_APPROVER_CPF, approvalInput } from '../support/device-approval';

jest.setTimeout(300_000);

let dataDir: string;
let cluster: Cluster;
let stack: TestStack;
let kyc: KycClient;
let bank: BankDeviceControl;
let accountKey: string;
const workers: WorkerProcess[] = [];
/** Long enough that no approval here times out while a worker takes over or the server restarts. */
const SLOW_DEADLINE = { approvalDeadlineMs: 300_000 };
/** What the first server spawn was given, and the program that took one of its ports first. */
let firstSpawnPorts: ClusterPorts | undefined;
let squatter: Server | undefined;
const startLog: string[] = [];

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'kyc-cluster-'));
  cluster = await startCluster({
    dataDir,
    log: (line) => startLog.push(line),
    // Another program takes the history service's membership port after the draw and before the
    // server binds it: what failed a CI run once ("Failed to start ringpop listener").
    beforeServerSpawn: async (ports) => {
      if (firstSpawnPorts) return;
      firstSpawnPorts = { ...ports };
      const server = createServer();
      await new Promise<void>((resolve) => server.listen(ports.historyMembership, '127.0.0.1', resolve));
      squatter = server;
    },
  });
  await closeSquatter();
  stack = await startTestStack({ workers: false, temporalAddress: cluster.address, namespace: cluster.namespace });
  kyc = new KycClient(stack.client, stack.config.temporal);
  bank = new BankDeviceControl(stack.simulators.controls.bank);
  accountKey = randomUUID();
  await bank.registerAccount({ account_key: accountKey, approvers: [TEST_APPROVER_CPF] });
  // Two workers on the one task queue, as a deployment runs them; the first serves the callbacks.
  workers.push(await spawnWorkerProcess(stack));
  workers.push(await spawnWorkerProcess(stack, { CALLBACK_LISTEN_PORT: String(await freePort()) }));
});

/** Closes the port taker (also when the start failed, or jest would wait on it). */
async function closeSquatter(): Promise<void> {
  const server = squatter;
  squatter = undefined;
  if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
}

afterAll(async () => {
  await closeSquatter();
  for (const worker of workers) await worker.kill('SIGKILL');
  await stack?.shutdown();
  await cluster?.stop();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

/** Reads until `done` holds: server-side changes (visibility, a new worker taking over) are not instant. */
async function eventually<T>(read: () => Promise<T>, done: (value: T) => boolean, what: string): Promise<T> {
  const deadline = Date.now() + 120_000;
  let last: unknown;
  for (;;) {
    try {
      const value = await read();
      if (done(value)) return value;
      last = value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) throw new Error(`${what}: still ${JSON.stringify(String(last))} after 120 s`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

const waiting = (handle: DeviceApprovalHandle) =>
  eventually(
    () => handle.state(),
    (state: DeviceApprovalState) => state.status === 'WAITING_FOR_TOKEN',
    `${handle.workflowId} waiting for its token`,
  );

/** Approves with the token the bank sent; the update id makes a retry after a lost answer safe. */
async function approve(handle: DeviceApprovalHandle, deviceKey: string): Promise<void> {
  const { token } = await bank.sentToken(deviceKey);
  const requestId = uniqueId('approve');
  await eventually(
    () => handle.submitToken(token!, { requestId }),
    (result) => result.outcome === 'accepted',
    `submitting the token of ${handle.workflowId}`,
  );
  expect((await handle.result()).status).toBe('APPROVED');
}

it('draws the server ports again when another program takes one before the server binds it', () => {
  expect(firstSpawnPorts).toBeDefined();
  expect(cluster.ports.historyMembership).not.toBe(firstSpawnPorts?.historyMembership);
  expect(startLog).toContain('Temporal server: a port was taken before it bound; starting again on newly drawn ports');
  expect(cluster.address).toBe(`127.0.0.1:${cluster.ports.frontend}`);
});

it('creates the namespace and the search attributes on a fresh cluster', () => {
  expect(cluster.setup.createdNamespace).toBe(true);
  // Every attribute the project declares (contracts/search-attributes.ts), nothing else.
  expect(cluster.setup.addedSearchAttributes.sort()).toEqual(ALL_SEARCH_ATTRIBUTES.map((key) => key.name).sort());
  expect(cluster.setup.addedSearchAttributes).toContain('DeviceApprovalStatus');
});

it('runs the three flows end to end and finds them through SQL visibility', async () => {
  const phone = await kyc.phoneChecks.run(
    { phone: '13812345600', idCard: '11010519491231002X', name: '张三' },
    uniqueId('cluster-phone'),
  );
  expect(phone.result).toMatchObject({ outcome: 'VERIFIED', billed: true });

  const identity = await kyc.identityFlows.start({
    contextId: uniqueId('cluster-order'),
    objectType: 'INDIVIDUAL',
    polling: { initialIntervalMs: 200, backoffCoefficient: 1.5, maxIntervalMs: 1_000, heartbeatTimeoutMs: 5_000 },
  });
  // The platform's signed callback reaches the first worker's receiver and wakes the tracker.
  await new EsignControl(stack.simulators.controls.esign).progress(identity.flow.flowId, {
    flowStatus: 'SUCCESS',
    subFlowStatus: { tel: 'SUCCESS' },
  });
  expect(await identity.handle.result()).toMatchObject({ status: 'SUCCESS', flowId: identity.flow.flowId });

  const input = approvalInput(accountKey);
  const { handle } = await kyc.deviceApprovals.start(input);
  await waiting(handle);
  await approve(handle, input.deviceKey);

  const approved = await eventually(
    () => kyc.deviceApprovals.list({ accountKey, status: 'APPROVED' }),
    (items) => items.some((item) => item.workflowId === handle.workflowId),
    'the approval listed by its DeviceApprovalStatus',
  );
  expect(approved.find((item) => item.workflowId === handle.workflowId)).toMatchObject({ status: 'APPROVED' });
  const verified = await eventually(
    () => kyc.phoneChecks.list({ outcome: 'VERIFIED' }),
    (items) => items.some((item) => item.workflowId === phone.workflowId),
    'the phone check listed by its PhoneCheckOutcome',
  );
  expect(verified.length).toBeGreaterThan(0);
});

it('finishes every approval when one of the two workers is killed mid-flight', async () => {
  const inputs = Array.from({ length: 6 }, () => approvalInput(accountKey, { policy: SLOW_DEADLINE }));
  const handles = await Promise.all(inputs.map(async (input) => (await kyc.deviceApprovals.start(input)).handle));
  await Promise.all(handles.map(waiting));
  const createdBefore = await bank.counter('devicesCreated');

  // The killed worker holds some of these runs in its cache; the survivor replays them from history.
  await workers[1]!.kill('SIGKILL');
  expect(workers[1]!.child.signalCode).toBe('SIGKILL');
  for (const [index, handle] of handles.entries()) await approve(handle, inputs[index]!.deviceKey);

  // Taking over replays history: no device is created a second time.
  expect(await bank.counter('devicesCreated')).toBe(createdBefore);
});

it('keeps approvals waiting across a Temporal server restart, and all of them approve afterwards', async () => {
  const inputs = Array.from({ length: 3 }, () => approvalInput(accountKey, { policy: SLOW_DEADLINE }));
  const handles = await Promise.all(inputs.map(async (input) => (await kyc.deviceApprovals.start(input)).handle));
  const before = await Promise.all(handles.map(waiting));

  await cluster.stopServer();
  await cluster.startServer();

  const after = await Promise.all(
    handles.map((handle) =>
      eventually(
        () => handle.state(),
        () => true,
        `querying ${handle.workflowId} after the restart`,
      ),
    ),
  );
  expect(after).toEqual(before);
  for (const [index, handle] of handles.entries()) await approve(handle, inputs[index]!.deviceKey);
});
