/**
 * Personal data never reaches Temporal's history in plain text: a device approval (CPF, SMS token)
 * and a phone check (phone, resident ID number, name) run on a stack with payload keys, their raw
 * histories are read with a client that has no codec, and every byte of every event is searched
 * for the personal data. The stack's own client still reads the results.
 */
import { randomUUID } from 'node:crypto';
import { Client, WorkflowFailedError } from '@temporalio/client';
import { METADATA_ENCODING_KEY, type Payload } from '@temporalio/common';
import type { temporal } from '@temporalio/proto';
import { KycClient } from '../../client';
import { ENCRYPTED_ENCODING } from '../../common/payload-codec';
import { PHONE_CHECK_WORKFLOW_TYPE, phoneCheckWorkflowId } from '../../contracts/phone-check';
import type { phoneCheckWorkflow } from '../../workflows/phone-check';
import { BankDeviceControl } from '../../simulators/bank-device';
import { startTestStack, uniqueId, type TestStack } from '../harness';

type HistoryEvent = temporal.api.history.v1.IHistoryEvent;

/** Test data, not real people. */
const CPF = '52998224725';
const PHONE = '13812345600';
const ID_CARD = '11010519491231002X';
const NAME = '张三';

let stack: TestStack;
let kyc: KycClient;
let rawClient: Client;

beforeAll(async () => {
  stack = await startTestStack();
  kyc = new KycClient(stack.client, stack.config.temporal);
  // Same server, no data converter: sees payloads exactly as Temporal stores them.
  rawClient = new Client({ connection: stack.client.connection, namespace: stack.config.temporal.namespace });
});
afterAll(() => stack?.shutdown());

/** Every event as text, with every byte field read as UTF-8, so plain JSON payloads would show as they are. */
function eventText(event: HistoryEvent): string {
  return JSON.stringify(event, (_key, value: unknown) =>
    value instanceof Uint8Array ? Buffer.from(value).toString('utf8') : value,
  );
}

function personalDataIn(text: string, secrets: readonly string[]): string[] {
  return secrets.filter((secret) => text.includes(secret));
}

const encodingOf = (payload: Payload | null | undefined) =>
  Buffer.from(payload?.metadata?.[METADATA_ENCODING_KEY] ?? new Uint8Array()).toString();

async function rawEvents(workflowId: string): Promise<HistoryEvent[]> {
  return (await rawClient.workflow.getHandle(workflowId).fetchHistory()).events ?? [];
}

it('stores no personal data in plain text, and the stack client still reads every result', async () => {
  const bank = new BankDeviceControl(stack.simulators.controls.bank);
  const accountKey = randomUUID();
  const deviceKey = randomUUID();
  await bank.registerAccount({ account_key: accountKey, approvers: [CPF] });
  const { handle } = await kyc.deviceApprovals.start({
    accountKey,
    deviceKey,
    sessionId: randomUUID(),
    approverCpf: CPF,
    contactType: 'sms',
  });
  for await (const state of handle.watch()) if (state.status !== 'CREATING') break;
  const { token } = await bank.sentToken(deviceKey);
  expect(await handle.submitToken(token!, { requestId: uniqueId('token') })).toEqual({ outcome: 'accepted' });
  expect((await handle.result()).status).toBe('APPROVED');

  const requestId = uniqueId('pii');
  const phoneCheck = await kyc.phoneChecks.run({ phone: PHONE, idCard: ID_CARD, name: NAME }, requestId);
  expect(phoneCheck.result).toMatchObject({ outcome: 'VERIFIED' });

  const secrets = [CPF, token!, PHONE, ID_CARD, NAME];
  const histories = [
    { workflowId: handle.workflowId, events: await rawEvents(handle.workflowId) },
    { workflowId: phoneCheck.workflowId, events: await rawEvents(phoneCheck.workflowId) },
  ];
  let scanned = 0;
  const leaks: string[] = [];
  for (const { workflowId, events } of histories) {
    for (const event of events) {
      scanned += 1;
      for (const found of personalDataIn(eventText(event), secrets))
        leaks.push(`${workflowId} #${String(event.eventId)}: ${found.length} chars`);
    }
    const started = events[0]?.workflowExecutionStartedEventAttributes;
    expect(started?.input?.payloads?.map(encodingOf)).toEqual([ENCRYPTED_ENCODING]);
  }
  const updateInputs = histories[0]!.events.flatMap(
    (event) => event.workflowExecutionUpdateAcceptedEventAttributes?.acceptedRequest?.input?.args?.payloads ?? [],
  );
  expect(updateInputs.length).toBeGreaterThan(0);
  expect(updateInputs.map(encodingOf)).toEqual(updateInputs.map(() => ENCRYPTED_ENCODING));

  console.log(`payload encryption: ${scanned} events scanned, ${leaks.length} personal data strings found`);
  expect(leaks).toEqual([]);
  expect(scanned).toBeGreaterThan(10);

  // The scan can fail: the same payload decoded by the stack's codec shows the CPF.
  const [codec] = stack.dataConverter.payloadCodecs ?? [];
  const input = histories[0]!.events[0]!.workflowExecutionStartedEventAttributes!.input!.payloads!;
  const decoded = await codec!.decode(input);
  expect(personalDataIn(decoded.map((payload) => Buffer.from(payload.data!).toString()).join(''), secrets)).toEqual([
    CPF,
  ]);
});

it('stores failure messages encrypted too, and the stack client still reads them', async () => {
  // Started around the client library, whose validation would refuse this input before any start.
  const handle = await stack.client.workflow.start<typeof phoneCheckWorkflow>(PHONE_CHECK_WORKFLOW_TYPE, {
    taskQueue: stack.taskQueue,
    workflowId: phoneCheckWorkflowId(uniqueId('bad-input')),
    args: [{ phone: PHONE, idCard: '110105194912310021', name: NAME }],
  });
  const error = await handle.result().catch((caught: unknown) => caught);
  expect(error).toBeInstanceOf(WorkflowFailedError);
  expect((error as WorkflowFailedError).cause?.message).toMatch(/idCard has a wrong check character/);

  const events = await rawEvents(handle.workflowId);
  const failed = events.find((event) => event.workflowExecutionFailedEventAttributes);
  const failure = failed?.workflowExecutionFailedEventAttributes?.failure;
  expect(failure?.message).toBe('Encoded failure');
  expect(encodingOf(failure?.encodedAttributes)).toBe(ENCRYPTED_ENCODING);
  expect(eventText(failed!)).not.toContain('wrong check character');
});
