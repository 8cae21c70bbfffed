/**
 * The chaos run's checker (chaos/checker.ts) must fail a broken build with an anomaly that names
 * the workflow id and the provider requests. Its inputs here are request logs recorded by the real
 * simulators over loopback HTTP, driven the way a broken worker would drive them: a device create
 * retried without the status read, a billed phone call bought again after it was answered, a
 * phone number in a log line. A healthy record of the same flows passes.
 */
import { randomUUID } from 'node:crypto';
import { checkInvariants, describeAnomaly, type ChaosRecord, type FlowOutcome } from '../../chaos/checker';
import { PHONE_VERIFICATION_PATH } from '../../providers/phone-gateway';
import { BankDeviceClient } from '../../providers/bank-device';
import { createDevCredentials, type DevCredentials } from '../../scripts/lib/dev-credentials';
import { BankDeviceControl, startBankDeviceSimulator } from '../../simulators/bank-device';
import { SimulatorControl } from '../../simulators/framework/control-client';
import { subjectOf } from '../../simulators/framework/request-log';
import type { RunningSimulator } from '../../simulators/framework/simulator';
import { startPhoneGatewaySimulator } from '../../simulators/phone-gateway';

const APPROVER = '52998224725';
const PHONE = '13800012300';
const PHONE_TOKEN = 'chaos-checker-test-token';

let credentials: DevCredentials;
let bankSimulator: RunningSimulator;
let phoneSimulator: RunningSimulator;
let bank: BankDeviceControl;
let phone: SimulatorControl;
let client: BankDeviceClient;

beforeAll(async () => {
  credentials = await createDevCredentials();
  bankSimulator = await startBankDeviceSimulator({
    apiClientKey: credentials.bankApiClientKey,
    clientPublicKeyPem: credentials.bankPublicKeyPem,
  });
  phoneSimulator = await startPhoneGatewaySimulator({ token: PHONE_TOKEN });
  bank = new BankDeviceControl(bankSimulator.url);
  phone = new SimulatorControl(phoneSimulator.url);
  client = new BankDeviceClient({
    baseUrl: bankSimulator.url,
    apiClientKey: credentials.bankApiClientKey,
    privateKeyPem: credentials.bankPrivateKeyPem,
    timeoutMs: 5_000,
  });
});
afterAll(async () => {
  await bankSimulator?.close();
  await phoneSimulator?.close();
});
beforeEach(async () => {
  await bank.generic.reset();
  await phone.reset();
});

function record(flows: FlowOutcome[], logs: ChaosRecord['logs'] = []): ChaosRecord {
  return {
    flows,
    requests: {
      bank: [...bankSimulator.app.sim.requests.entries],
      esign: [],
      phone: [...phoneSimulator.app.sim.requests.entries],
    },
    callbacks: [],
    serverDown: [],
    workerDeaths: [],
    pollBoundMs: 10_000,
    faultedReadCostMs: 1_000,
    workflowTaskFailures: [],
    openWorkflows: [],
    logs,
    personalValues: [{ kind: 'phone number', value: PHONE, flow: 'phone-check/req-1' }],
  };
}

/** Creates (and approves) one device the way the worker does; `retryWithoutRead` is the broken build. */
async function approveDevice(options: { dropFirstCreate: boolean; retryWithoutRead: boolean }) {
  const accountKey = randomUUID();
  const deviceKey = randomUUID();
  await bank.registerAccount({ account_key: accountKey, approvers: [APPROVER] });
  const body = {
    device_key: deviceKey,
    session_id: randomUUID(),
    tfa_info: { approver_document_number: APPROVER, contact_type: 'sms' as const },
  };
  if (options.dropFirstCreate) {
    // The bank creates the device, then the connection dies before the answer.
    await bank.generic.injectFault({ route: 'POST /account/:account_key/device', kind: 'drop' });
    await expect(client.createDevice(accountKey, body)).rejects.toThrow();
    // The retry: the healthy activity reads the status first; the broken one creates again.
    if (options.retryWithoutRead) await expect(client.createDevice(accountKey, body)).rejects.toThrow(/409/);
    else await client.getDevice(accountKey, deviceKey);
  } else {
    await client.createDevice(accountKey, body);
  }
  await client.validateToken(accountKey, deviceKey, (await bank.sentToken(deviceKey)).token!);
  const outcome: FlowOutcome = {
    name: 'device-1',
    kind: 'device',
    variant: 'approve',
    workflowId: `device-approval/${accountKey}/${deviceKey}`,
    expected: 'APPROVED',
    observed: 'APPROVED',
    accountKey,
    deviceKey,
    bankStatus: (await bank.sentToken(deviceKey)).status,
    expectedBankStatus: 'registered',
  };
  return outcome;
}

async function callGateway(): Promise<void> {
  const response = await fetch(`${phoneSimulator.url}${PHONE_VERIFICATION_PATH}`, {
    method: 'POST',
    headers: { authorization: PHONE_TOKEN, 'content-type': 'application/json' },
    body: JSON.stringify({
      buscode: 'PhoneVerification',
      group: 'real',
      data: { IdCard: '11010519491231002X', Name: '张三', Phone: PHONE },
    }),
  });
  await response.arrayBuffer();
}

function phoneFlow(unansweredCalls: number): FlowOutcome {
  return {
    name: 'phone-1',
    kind: 'phone',
    workflowId: 'phone-check/req-1',
    expected: 'VERIFIED',
    observed: 'VERIFIED',
    subject: subjectOf(PHONE),
    unansweredCall: 'retry',
    unansweredCalls,
    maximumAttempts: 10,
  };
}

it('a healthy record passes: one device created (the retry read its status), one billed answer', async () => {
  const device = await approveDevice({ dropFirstCreate: true, retryWithoutRead: false });
  await callGateway();
  const summary = checkInvariants(record([device, phoneFlow(0)]));
  expect(summary.anomalies.map(describeAnomaly)).toEqual([]);
});

it('a device create retried without the status read is an anomaly naming the workflow id and the bank requests', async () => {
  const device = await approveDevice({ dropFirstCreate: true, retryWithoutRead: true });
  const summary = checkInvariants(record([device]));
  const text = summary.anomalies.map(describeAnomaly).join('\n');

  expect(summary.anomalies).toHaveLength(1);
  expect(summary.anomalies[0]).toMatchObject({ invariant: 'device-created-once', workflowId: device.workflowId });
  expect(text).toContain('without reading its status first');
  // The two creates, as the bank saw them: the first accepted (its answer dropped), the second refused.
  expect(text).toMatch(
    new RegExp(`POST /account/:account_key/device .*device_key=${device.deviceKey} -> 202 \\[fault: drop\\]`),
  );
  expect(text).toMatch(new RegExp(`POST /account/:account_key/device .*device_key=${device.deviceKey} -> 409`));
});

it('a create held by the bank past the caller timeout, refused after the retry created the device, is allowed', async () => {
  const accountKey = randomUUID();
  const deviceKey = randomUUID();
  await bank.registerAccount({ account_key: accountKey, approvers: [APPROVER] });
  const body = {
    device_key: deviceKey,
    session_id: randomUUID(),
    tfa_info: { approver_document_number: APPROVER, contact_type: 'sms' as const },
  };
  // The first create is held 1.5 s before the bank acts on it; its caller gives up after 0.3 s.
  await bank.generic.injectFault({ route: 'POST /account/:account_key/device', kind: 'delay', delayMs: 1_500 });
  const impatient = new BankDeviceClient({
    baseUrl: bankSimulator.url,
    apiClientKey: credentials.bankApiClientKey,
    privateKeyPem: credentials.bankPrivateKeyPem,
    timeoutMs: 300,
  });
  await expect(impatient.createDevice(accountKey, body)).rejects.toThrow();
  // The retry reads first (not found: the held create has not acted yet) and creates.
  await expect(client.getDevice(accountKey, deviceKey)).rejects.toThrow();
  await client.createDevice(accountKey, body);
  // The held create acts last and is refused as a duplicate.
  await new Promise((resolve) => setTimeout(resolve, 2_000));
  const flow: FlowOutcome = {
    name: 'device-1',
    kind: 'device',
    variant: 'approve',
    workflowId: `device-approval/${accountKey}/${deviceKey}`,
    expected: 'APPROVED',
    observed: 'APPROVED',
    accountKey,
    deviceKey,
  };
  const creates = bankSimulator.app.sim.requests.entries.filter((entry) => entry.route.startsWith('POST '));
  expect(creates.map((entry) => [entry.status, entry.fault])).toEqual([
    [202, undefined],
    [409, 'delay'],
  ]);

  const summary = checkInvariants(record([flow]));
  expect(summary.anomalies.map(describeAnomaly)).toEqual([]);
  expect(summary.allowed.racedDeviceCreates).toBe(1);
});

it('a billed phone answer bought again after it was answered is an anomaly naming the check and both calls', async () => {
  await callGateway();
  await callGateway();
  const summary = checkInvariants(record([phoneFlow(0)]));

  expect(summary.anomalies).toHaveLength(1);
  expect(summary.anomalies[0]).toMatchObject({ invariant: 'billed-once', workflowId: 'phone-check/req-1' });
  expect(summary.anomalies[0]!.message).toContain('after the first one had been answered');
  expect(summary.anomalies[0]!.requests.map((entry) => entry.notes?.result)).toEqual([0, 0]);
  // The request log names the number only by its hash.
  expect(JSON.stringify(summary.anomalies)).not.toContain(PHONE);
});

it('a repeat after an unanswered call is allowed by the retry policy only when the result counts it', async () => {
  await phone.injectFault({ route: `POST ${PHONE_VERIFICATION_PATH}`, kind: 'drop' });
  await callGateway().catch(() => undefined);
  await callGateway();

  const counted = checkInvariants(record([phoneFlow(1)]));
  expect(counted.anomalies).toEqual([]);
  expect(counted.allowed.billedRepeatsAfterUnansweredCall).toBe(1);

  const uncounted = checkInvariants(record([phoneFlow(0)]));
  expect(uncounted.anomalies.map((anomaly) => anomaly.message)).toEqual([
    expect.stringContaining('the result reports unansweredCalls=0'),
  ]);
});

it('a repeat after an unanswered call with a worker killed meanwhile is allowed uncounted, under either policy', async () => {
  await phone.injectFault({ route: `POST ${PHONE_VERIFICATION_PATH}`, kind: 'drop' });
  await callGateway().catch(() => undefined);
  const [first] = phoneSimulator.app.sim.requests.entries;
  await callGateway();
  const withKill = (flow: FlowOutcome): ChaosRecord => ({
    ...record([flow]),
    workerDeaths: [{ from: first!.at + 1, to: first!.at + 2, what: 'worker 0 killed' }],
  });

  for (const unansweredCall of ['retry', 'fail'] as const) {
    const summary = checkInvariants(withKill({ ...phoneFlow(0), unansweredCall }));
    expect(summary.anomalies.map(describeAnomaly)).toEqual([]);
    expect(summary.allowed.billedRepeatsAfterStackFault).toBe(1);
  }
  // Without the kill, the same calls are the uncounted repeat of the test above.
  expect(checkInvariants(record([phoneFlow(0)])).anomalies).toHaveLength(1);
});

it('personal data in a log line is an anomaly that names the flow and the line, never the value', () => {
  const summary = checkInvariants(
    record([], [{ source: 'worker 0 log', text: `ready\ncalling the gateway for ${PHONE}\n` }]),
  );
  expect(summary.anomalies).toHaveLength(1);
  expect(summary.anomalies[0]).toMatchObject({
    invariant: 'no-personal-data-in-logs',
    workflowId: 'phone-check/req-1',
  });
  expect(summary.anomalies[0]!.message).toContain('worker 0 log line 2');
  expect(summary.anomalies[0]!.message).not.toContain(PHONE);
  // Inside a longer number (a trace id) it is not the phone number.
  expect(checkInvariants(record([], [{ source: 'log', text: `traceNo 9${PHONE}1` }])).anomalies).toEqual([]);
});
