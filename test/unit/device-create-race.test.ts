/**
 * The device creation activity when its earlier attempt is still being processed by the bank
 * (found by `npm run chaos`): the retry's status read answers "not found", the earlier attempt
 * then creates the device, and the retry's own create is refused as a duplicate. The activity must
 * read again and carry on with the device, not fail the approval. Real bank simulator over
 * loopback HTTP, the activity in a mock activity context at attempt 2; the bank's `slow` control
 * orders the three calls.
 */
import { randomUUID } from 'node:crypto';
import { MockActivityEnvironment } from '@temporalio/testing';
import { createDeviceApprovalActivities } from '../../activities/device-approval';
import type { CreateDeviceRequest } from '../../contracts/device-approval';
import { BankDeviceClient } from '../../providers/bank-device';
import { createDevCredentials } from '../../scripts/lib/dev-credentials';
import { BankDeviceControl, startBankDeviceSimulator } from '../../simulators/bank-device';
import type { RunningSimulator } from '../../simulators/framework/simulator';

const APPROVER = '52998224725';

let simulator: RunningSimulator;
let bank: BankDeviceControl;
let client: BankDeviceClient;

beforeAll(async () => {
  const credentials = await createDevCredentials();
  simulator = await startBankDeviceSimulator({
    apiClientKey: credentials.bankApiClientKey,
    clientPublicKeyPem: credentials.bankPublicKeyPem,
  });
  bank = new BankDeviceControl(simulator.url);
  client = new BankDeviceClient({
    baseUrl: simulator.url,
    apiClientKey: credentials.bankApiClientKey,
    privateKeyPem: credentials.bankPrivateKeyPem,
    timeoutMs: 10_000,
  });
});
afterAll(() => simulator?.close());

it('a retried create refused because the earlier attempt created the device meanwhile carries on with that device', async () => {
  const accountKey = randomUUID();
  const deviceKey = randomUUID();
  const sessionId = randomUUID();
  await bank.registerAccount({ account_key: accountKey, approvers: [APPROVER] });
  // Attempt 1's create is held 1.5 s by the bank before it takes effect (its caller gave up long ago);
  // attempt 2's status read is answered "not found" at once but reaches it only after 3 s.
  await bank.slow('create', 1_500, 1, 'before');
  await bank.slow('read', 3_000, 1, 'after');
  const earlierAttempt = client.createDevice(accountKey, {
    device_key: deviceKey,
    session_id: sessionId,
    tfa_info: { approver_document_number: APPROVER, contact_type: 'sms' },
  });

  const activities = createDeviceApprovalActivities(client);
  const request: CreateDeviceRequest = { accountKey, deviceKey, sessionId, approverCpf: APPROVER, contactType: 'sms' };
  const outcome = await new MockActivityEnvironment({ attempt: 2 }).run(activities.bankCreateDevice, request);

  expect(outcome).toEqual({ deviceStatus: 'pending_2fa_approval', foundExisting: true });
  await expect(earlierAttempt).resolves.toMatchObject({ device_status: 'pending_2fa_approval' });
  // The order the test meant: read (not found), the earlier create, the refused create, the read again.
  const requests = simulator.app.sim.requests.entries.map((entry) => `${entry.route} -> ${entry.status}`);
  expect(requests).toEqual([
    'POST /account/:account_key/device -> 202',
    'GET /account/:account_key/device/:device_key -> 404',
    'POST /account/:account_key/device -> 409',
    'GET /account/:account_key/device/:device_key -> 200',
  ]);
  expect(await bank.counter('devicesCreated')).toBe(1);
});
