/**
 * The callback receiver over real HTTP on an ephemeral port. The Temporal client is replaced by a
 * recorder of signals (the receiver, not Temporal, is under test); integration tests use the real one.
 */
import type { Client } from '@temporalio/client';
import { WorkflowNotFoundError } from '@temporalio/common';
import type { CallbackReceiverConfig } from '../../common/config';
import { identityFlowWorkflowId } from '../../contracts/identity-flow';
import { CALLBACK_RESULTS, CALLBACKS_METRIC } from '../../contracts/metrics';
import { signCallback } from '../../providers/esign';
import { RecordingMeter } from '../support/recording-meter';
import { ESIGN_CALLBACK_PATH, startCallbackReceiver, type CallbackReceiver } from '../../worker/callback-receiver';

const SECRET = 'receiver-unit-secret';

interface SentSignal {
  workflowId: string;
  signal: string;
  args: unknown[];
}

class SignalRecorder {
  sent: SentSignal[] = [];
  mode: 'deliver' | 'not-found' | 'slow' = 'deliver';

  asClient(): Client {
    const client = {
      withDeadline: <R>(_deadline: number, fn: () => Promise<R>) => fn(),
      workflow: {
        getHandle: (workflowId: string) => ({
          signal: async (definition: { name: string }, ...args: unknown[]) => {
            this.sent.push({ workflowId, signal: definition.name, args });
            if (this.mode === 'not-found') throw new WorkflowNotFoundError('no such workflow', workflowId, undefined);
            if (this.mode === 'slow') await new Promise((resolve) => setTimeout(resolve, 2_000));
          },
        }),
      },
    };
    return client as unknown as Client;
  }
}

function config(overrides: Partial<CallbackReceiverConfig> = {}): CallbackReceiverConfig {
  return {
    runInWorker: true,
    host: '127.0.0.1',
    port: 0,
    maxBodyBytes: 2048,
    timestampToleranceMs: 15 * 60_000,
    appSecret: SECRET,
    ...overrides,
  };
}

function callbackBody(flowId = '801234567890123456', status = 'SUCCESS'): string {
  return JSON.stringify({
    flowId,
    accountId: 'acc-1',
    success: status === 'SUCCESS',
    contextId: 'ctx-1',
    verifycode: '',
    status,
    failReasonCode: '',
    action: 'identity_psn_end',
  });
}

interface PostOptions {
  body?: string;
  query?: string;
  timestamp?: string;
  signature?: string;
  secret?: string;
  headers?: Record<string, string>;
}

async function post(
  receiver: CallbackReceiver,
  options: PostOptions = {},
): Promise<{ status: number; json: unknown; ms: number }> {
  const body = options.body ?? callbackBody();
  const query = options.query ?? '';
  const timestamp = options.timestamp ?? String(Date.now());
  const queryValues = Object.fromEntries(new URLSearchParams(query));
  const signature = options.signature ?? signCallback(options.secret ?? SECRET, timestamp, queryValues, body);
  const started = Date.now();
  const response = await fetch(`${receiver.url}${ESIGN_CALLBACK_PATH}${query ? `?${query}` : ''}`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'X-Tsign-Open-TIMESTAMP': timestamp,
      'X-Tsign-Open-SIGNATURE': signature,
      'X-Tsign-Open-SIGNATURE-ALGORITHM': 'hmac-sha256',
      ...options.headers,
    },
    body,
  });
  const text = await response.text();
  return { status: response.status, json: text ? (JSON.parse(text) as unknown) : null, ms: Date.now() - started };
}

describe('callback receiver', () => {
  const recorder = new SignalRecorder();
  let receiver: CallbackReceiver;

  beforeAll(async () => {
    receiver = await startCallbackReceiver({ config: config(), client: recorder.asClient() });
  });
  afterAll(async () => {
    await receiver.close();
  });
  beforeEach(() => {
    recorder.sent = [];
    recorder.mode = 'deliver';
  });

  const settle = () => new Promise((resolve) => setTimeout(resolve, 50));

  it('binds port 0 and reports the real address', () => {
    expect(receiver.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(receiver.url).not.toMatch(/:0$/);
  });

  it('verifies a signed callback, answers 200 and signals the flow-derived workflow', async () => {
    const answer = await post(receiver, { body: callbackBody('801234567890000001') });
    expect(answer).toMatchObject({ status: 200, json: { code: 0 } });
    await settle();
    expect(recorder.sent).toEqual([
      {
        workflowId: identityFlowWorkflowId('801234567890000001'),
        signal: 'callbackReceived',
        args: [expect.objectContaining({ status: 'SUCCESS', success: true, action: 'identity_psn_end' })],
      },
    ]);
    // Only the hint travels: no account id or context id reaches the workflow.
    expect(JSON.stringify(recorder.sent)).not.toContain('acc-1');
  });

  it('includes the notify URL query values in the signature', async () => {
    expect((await post(receiver, { query: 'tenant=t1&a=9' })).status).toBe(200);
    const forged = signCallback(SECRET, String(Date.now()), {}, callbackBody());
    expect((await post(receiver, { query: 'tenant=t1&a=9', signature: forged })).status).toBe(401);
  });

  it('refuses bad signatures, wrong secrets, stale timestamps and missing headers with 401, signalling nothing', async () => {
    const stale = String(Date.now() - 16 * 60_000);
    const answers = await Promise.all([
      post(receiver, { signature: 'ab'.repeat(32) }),
      post(receiver, { secret: 'someone-else' }),
      post(receiver, { timestamp: stale }),
      post(receiver, { timestamp: '' }),
      post(receiver, { signature: '' }),
    ]);
    expect(answers.map((answer) => answer.status)).toEqual([401, 401, 401, 401, 401]);
    expect(JSON.stringify(answers[2]?.json)).toContain('stale');
    await settle();
    expect(recorder.sent).toEqual([]);
  });

  it('refuses a body larger than maxBodyBytes with 413', async () => {
    const body = JSON.stringify({ flowId: '801', padding: 'x'.repeat(4096) });
    expect((await post(receiver, { body })).status).toBe(413);
  });

  it('answers 400 to signed bodies that are not JSON or have no usable flow id', async () => {
    expect((await post(receiver, { body: '{"flowId": "80' })).status).toBe(400);
    expect((await post(receiver, { body: JSON.stringify({ status: 'SUCCESS' }) })).status).toBe(400);
    expect((await post(receiver, { body: JSON.stringify({ flowId: '../../etc' }) })).status).toBe(400);
    await settle();
    expect(recorder.sent).toEqual([]);
  });

  it('tolerates duplicates: the same delivery twice signals once; a re-delivery signals again', async () => {
    const timestamp = String(Date.now());
    const first = await post(receiver, { timestamp });
    const again = await post(receiver, { timestamp });
    const redelivered = await post(receiver, { timestamp: String(Number(timestamp) + 1) });
    expect([first.status, again.status, redelivered.status]).toEqual([200, 200, 200]);
    await settle();
    expect(recorder.sent).toHaveLength(2);
  });

  it('answers 200 at once when the workflow does not exist or the signal is slow', async () => {
    recorder.mode = 'not-found';
    const missing = await post(receiver, { body: callbackBody('801234567890000002') });
    expect(missing.status).toBe(200);
    recorder.mode = 'slow';
    const slow = await post(receiver, { body: callbackBody('801234567890000003') });
    expect(slow.status).toBe(200);
    expect(slow.ms).toBeLessThan(1_000);
    expect(recorder.sent).toHaveLength(2);
  });
});

describe('callback receiver with configured header names', () => {
  it('reads the signature and timestamp from the configured headers only', async () => {
    const recorder = new SignalRecorder();
    const receiver = await startCallbackReceiver({
      config: config({ signatureHeader: 'X-Sign', timestampHeader: 'X-Time' }),
      client: recorder.asClient(),
    });
    try {
      const body = callbackBody();
      const timestamp = String(Date.now());
      const signature = signCallback(SECRET, timestamp, {}, body);
      expect((await post(receiver, { body, timestamp, signature })).status).toBe(401);
      expect((await post(receiver, { body, headers: { 'X-Sign': signature, 'X-Time': timestamp } })).status).toBe(200);
    } finally {
      await receiver.close();
    }
  });
});

describe('callback receiver metrics', () => {
  it('counts each callback by result in kyc_callbacks_total', async () => {
    const meter = new RecordingMeter();
    const receiver = await startCallbackReceiver({
      config: config(),
      client: new SignalRecorder().asClient(),
      metricMeter: meter,
    });
    try {
      // Every result's series exists from the start, at 0 (docs/observability.md).
      expect(meter.recorded.map(({ value, tags }) => ({ value, tags }))).toEqual(
        CALLBACK_RESULTS.map((result) => ({ value: 0, tags: { result } })),
      );
      const timestamp = String(Date.now());
      const statuses = [
        (await post(receiver, { timestamp })).status,
        (await post(receiver, { timestamp })).status,
        (await post(receiver, { signature: 'ab'.repeat(32) })).status,
        (await post(receiver, { body: '{"flowId": "80' })).status,
        (await post(receiver, { body: JSON.stringify({ status: 'SUCCESS' }) })).status,
        (await post(receiver, { body: JSON.stringify({ flowId: '801', padding: 'x'.repeat(4096) }) })).status,
      ];
      expect(statuses).toEqual([200, 200, 401, 400, 400, 413]);
      // fastify's 413 is counted in its onResponse hook, which may run just after the client has the answer.
      for (let waited = 0; meter.counted(CALLBACKS_METRIC.name).length < 6 && waited < 5_000; waited += 20) {
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      expect(meter.counted(CALLBACKS_METRIC.name)).toEqual(
        ['accepted', 'duplicate', 'refused_signature', 'refused_not_json', 'refused_invalid', 'refused_too_large'].map(
          (result) => ({ result }),
        ),
      );
    } finally {
      await receiver.close();
    }
  });
});
