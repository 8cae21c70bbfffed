/**
 * The standalone callback receiver (worker/callback-main.ts) serves the worker's operational
 * endpoints (worker/process-observability.ts): `/readyz` once it is connected and listens,
 * `/healthz`, and Prometheus `/metrics` with `kyc_callbacks_total` moved by a genuine and a forged
 * callback, without any flow id or secret in the scrape; KYC_LOG_FORMAT=json makes its ready line
 * a JSON log entry.
 */
import { CALLBACK_RESULTS } from '../../contracts/metrics';
import { freePort } from '../../scripts/lib/free-port';
import { DEFAULT_CALLBACK_HEADERS, signCallback } from '../../providers/esign/callback-signature';
import { ESIGN_CALLBACK_PATH } from '../../worker/callback-receiver';
import { CALLBACK_RECEIVER_READY_LINE } from '../../worker/ready';
import { spawnCallbackReceiverProcess, startTestStack, uniqueId, type TestStack, type WorkerProcess } from '../harness';
import { parsePrometheusText, sampleValue } from '../support/prometheus';

let stack: TestStack;
let receiver: WorkerProcess;
let metricsUrl: string;
let healthUrl: string;

beforeAll(async () => {
  stack = await startTestStack({ workers: false });
  const metricsPort = await freePort();
  const healthPort = await freePort();
  metricsUrl = `http://127.0.0.1:${metricsPort}/metrics`;
  healthUrl = `http://127.0.0.1:${healthPort}`;
  receiver = await spawnCallbackReceiverProcess(stack, {
    KYC_METRICS_ADDRESS: `127.0.0.1:${metricsPort}`,
    KYC_HEALTH_ADDRESS: `127.0.0.1:${healthPort}`,
    KYC_LOG_FORMAT: 'json',
  });
}, 120_000);
afterAll(async () => {
  await receiver?.kill('SIGTERM');
  await stack?.shutdown();
});

async function callbacksCounted(result: string): Promise<number> {
  const text = await (await fetch(metricsUrl)).text();
  return sampleValue(parsePrometheusText(text), 'kyc_callbacks_total', { result });
}

function postCallback(flowId: string, secret: string): Promise<Response> {
  const body = JSON.stringify({ flowId, action: 'SIGN_FLOW_FINISH' });
  const timestamp = String(Date.now());
  return fetch(`${stack.callbackUrl}${ESIGN_CALLBACK_PATH}`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      [DEFAULT_CALLBACK_HEADERS.timestamp]: timestamp,
      [DEFAULT_CALLBACK_HEADERS.signature]: signCallback(secret, timestamp, {}, body),
      [DEFAULT_CALLBACK_HEADERS.algorithm]: 'hmac-sha256',
    },
    body,
  });
}

it('serves every kyc_callbacks_total result at 0 before the first callback, and no temporal_* series', async () => {
  // Read before any callback of this file. The receiver runs no worker and its client connection
  // is not the Core runtime's, so the SDK has no temporal_* series to give (docs/observability.md).
  const text = await (await fetch(metricsUrl)).text();
  const samples = parsePrometheusText(text);
  console.log(`the receiver's /metrics before any callback:\n${text.trim()}`);
  expect([...new Set(samples.map((sample) => sample.name))]).toEqual(['kyc_callbacks_total']);
  expect(samples.map((sample) => [sample.labels.result, sample.value]).sort()).toEqual(
    CALLBACK_RESULTS.map((result) => [result, 0]).sort(),
  );
});

it('is ready once it listens, and says where its endpoints are in a JSON ready line', async () => {
  const ready = await fetch(`${healthUrl}/readyz`);
  expect(ready.status).toBe(200);
  expect(await ready.json()).toEqual({
    status: 'ready',
    workers: [],
    callbackReceiver: 'listening',
    // The last background check of Temporal: its answer and age (ms).
    temporal: { serving: true, lastCheckAgeMs: expect.any(Number) as unknown },
  });
  expect((await fetch(`${healthUrl}/healthz`)).status).toBe(200);

  const readyLine = receiver
    .stdout()
    .split('\n')
    .find((line) => line.includes(CALLBACK_RECEIVER_READY_LINE));
  const entry = JSON.parse(readyLine!) as { level: string; message: string };
  expect(entry.level).toBe('INFO');
  expect(entry.message).toContain(`metrics on ${metricsUrl}`);
  expect(entry.message).toContain(`health on ${healthUrl}/healthz and ${healthUrl}/readyz`);
});

it('counts genuine and forged callbacks on its own /metrics, with no flow id or secret in the scrape', async () => {
  const secret = stack.env.ESIGN_APP_SECRET!;
  const acceptedBefore = await callbacksCounted('accepted');
  const refusedBefore = await callbacksCounted('refused_signature');
  const flowId = uniqueId('flow-metrics');

  expect((await postCallback(flowId, secret)).status).toBe(200);
  expect((await postCallback(flowId, `${secret}-forged`)).status).toBe(401);

  expect((await callbacksCounted('accepted')) - acceptedBefore).toBe(1);
  expect((await callbacksCounted('refused_signature')) - refusedBefore).toBe(1);
  const text = await (await fetch(metricsUrl)).text();
  expect([...new Set(parsePrometheusText(text).map((sample) => sample.name))]).toEqual(['kyc_callbacks_total']);
  expect(text).not.toContain(flowId);
  expect(text).not.toContain(secret);
});

it('SIGTERM: logs the start and the end of its shutdown as JSON lines, and exits 0', async () => {
  await receiver.kill('SIGTERM');
  expect(receiver.child.exitCode).toBe(0);
  const messages = receiver
    .stdout()
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => (JSON.parse(line) as { message: string }).message);
  expect(messages.filter((message) => message.startsWith('shutdown'))).toEqual([
    'shutdown started (signal SIGTERM)',
    'shutdown complete',
  ]);
});
