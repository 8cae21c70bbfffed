/**
 * The e-signature client against the in-process simulator (no Temporal): both auth modes, the
 * token cache, lenient parsing, and every row of the error table.
 */
import type { EsignConfig } from '../../common/config';
import { EsignClient, EsignError } from '../../providers/esign';
import { SimulatorControl } from '../../simulators/framework/control-client';
import type { RunningSimulator } from '../../simulators/framework/simulator';
import { startEsignSimulator } from '../../simulators/esign';

const APP_ID = 'unit-app';
const APP_SECRET = 'unit-secret-0123456789';

let simulator: RunningSimulator;
let control: SimulatorControl;

function clientWith(overrides: Partial<EsignConfig> = {}, now?: () => number): EsignClient {
  return new EsignClient(
    {
      baseUrl: simulator.url,
      appId: APP_ID,
      appSecret: APP_SECRET,
      authMode: 'signature',
      timeoutMs: 2_000,
      ...overrides,
    },
    { now },
  );
}

async function createFlow(): Promise<string> {
  const created = (await control.request('POST', '/esign/flows', { objectType: 'ORGANIZATION' })) as { flowId: string };
  return created.flowId;
}

async function failure(promise: Promise<unknown>): Promise<EsignError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof EsignError) return error;
    throw error;
  }
  throw new Error('expected an EsignError');
}

beforeAll(async () => {
  simulator = await startEsignSimulator({ appId: APP_ID, appSecret: APP_SECRET });
  control = new SimulatorControl(simulator.url);
});
afterAll(async () => {
  await simulator.close();
});
beforeEach(async () => {
  await control.reset();
});

describe('signature mode', () => {
  it('starts a flow (signed JSON body) and reads its outline', async () => {
    const client = clientWith({ notifyUrl: 'http://127.0.0.1:9/callbacks/esign' });
    const started = await client.startFlow({ objectType: 'INDIVIDUAL', contextId: 'ctx-unit-1' });
    expect(started.flowId).toMatch(/^\d{18}$/);
    expect(started.authUrl).toContain(started.flowId);

    const outline = await client.getOutline(started.flowId);
    expect(outline).toMatchObject({
      flowId: started.flowId,
      flowStatus: 'INIT',
      objectType: 'INDIVIDUAL',
      contextId: 'ctx-unit-1',
    });
    const flow = (await control.request('GET', `/esign/flows/${started.flowId}`)) as { notifyUrl: string };
    expect(flow.notifyUrl).toBe('http://127.0.0.1:9/callbacks/esign');
    expect(await control.counter(`outline:${started.flowId}`)).toBe(1);
  });

  it('keeps unknown sub-flow types and statuses, related flows, and drops unknown fields', async () => {
    const flowId = await createFlow();
    await control.request('POST', `/esign/flows/${flowId}/progress`, {
      flowStatus: 'ING',
      subFlows: [
        { subFlowId: 's1', subFlowType: 'ORGANIZATION_TRANSFER_RANDOM_AMOUNT', status: 'ING' },
        { subFlowId: 's2', subFlowType: 'BRAND_NEW_TYPE_2031', status: 'PAUSED' },
      ],
      relatedFlows: [
        { flowId: 'rel-1', flowStatus: 'SUCCESS', subFlows: [{ subFlowType: 'FACEAUTH_ESIGN', status: 'SUCCESS' }] },
      ],
    });
    const outline = await clientWith().getOutline(flowId);
    expect(outline.subFlows).toEqual([
      { subFlowId: 's1', subFlowType: 'ORGANIZATION_TRANSFER_RANDOM_AMOUNT', status: 'ING' },
      { subFlowId: 's2', subFlowType: 'BRAND_NEW_TYPE_2031', status: 'PAUSED' },
    ]);
    expect(outline.relatedFlows).toEqual([
      expect.objectContaining({
        flowId: 'rel-1',
        flowStatus: 'SUCCESS',
        subFlows: [expect.objectContaining({ subFlowType: 'FACEAUTH_ESIGN' })],
      }),
    ]);
    expect(outline).not.toHaveProperty('bizExtension');
  });

  it('reports a wrong secret as a non-retryable configuration error naming what to check', async () => {
    const error = await failure(clientWith({ appSecret: 'wrong' }).getOutline('123'));
    expect(error.kind).toBe('configuration');
    expect(error.retryable).toBe(false);
    expect(error.message).toContain('INVALID_SIGNATURE');
    expect(error.message).toContain('ESIGN_APP_SECRET');
    expect(error.message).not.toContain('wrong');
    expect(await control.counter('rejected:INVALID_SIGNATURE')).toBe(1);
  });

  it('reports a skewed clock as INVALID_TIMESTAMP', async () => {
    const error = await failure(clientWith({}, () => Date.now() - 20 * 60_000).getOutline('123'));
    expect(error.kind).toBe('configuration');
    expect(error.message).toContain('INVALID_TIMESTAMP');
  });
});

describe('token mode', () => {
  it('fetches one token and reuses it', async () => {
    const client = clientWith({ authMode: 'token' });
    const flowId = await createFlow();
    await Promise.all([client.getOutline(flowId), client.getOutline(flowId), client.getOutline(flowId)]);
    await client.getOutline(flowId);
    expect(await control.counter('tokens:issued')).toBe(1);
    expect(await control.counter('rejected:INVALID_TOKEN')).toBe(0);
  });

  it('refreshes the token before it expires', async () => {
    await control.request('POST', '/esign/tokens', { lifetimeMs: 60_000 });
    let offset = 0;
    const client = clientWith({ authMode: 'token' }, () => Date.now() + offset);
    const flowId = await createFlow();
    await client.getOutline(flowId);
    offset = 50_000; // Before expiry but inside the refresh margin (a tenth of the lifetime).
    await client.getOutline(flowId);
    expect(await control.counter('tokens:issued')).toBe(1);
    offset = 55_000;
    await client.getOutline(flowId);
    expect(await control.counter('tokens:issued')).toBe(2);
    expect(await control.counter('rejected:INVALID_TOKEN')).toBe(0);
  });

  it('fetches a new token once when the gateway revokes the cached one', async () => {
    const client = clientWith({ authMode: 'token' });
    const flowId = await createFlow();
    await client.getOutline(flowId);
    await control.request('POST', '/esign/tokens', { revoke: true });
    await client.getOutline(flowId);
    expect(await control.counter('tokens:issued')).toBe(2);
    expect(await control.counter('rejected:INVALID_TOKEN')).toBe(1);
  });

  it('reports wrong credentials at the token endpoint as a configuration error', async () => {
    const error = await failure(clientWith({ authMode: 'token', appSecret: 'wrong' }).getOutline('123'));
    expect(error.kind).toBe('configuration');
  });
});

describe('error table', () => {
  it.each([
    ['30500004 (public docs)', 30500004, 'NOT_FOUND'],
    ['30500001 (the page)', 30500001, 'NOT_FOUND'],
    ['30500002', 30500002, 'ENDED'],
    ['30500003', 30500003, 'EXPIRED'],
    ['30500052', 30500052, 'ATTEMPT_LIMIT'],
  ])('maps %s to a gone flow, keeping the provider code and message', async (_label, code, gone) => {
    const flowId = await createFlow();
    await control.request('POST', `/esign/flows/${flowId}/gone`, { code });
    const error = await failure(clientWith().getOutline(flowId));
    expect(error).toMatchObject({ kind: 'flowGone', details: { gone, providerCode: code } });
    expect(error.details.providerMessage).toBeTruthy();
  });

  it('answers an unknown flow id as not found', async () => {
    const error = await failure(clientWith().getOutline('999999'));
    expect(error.details).toMatchObject({ gone: 'NOT_FOUND', providerCode: 30500004 });
  });

  it('maps 5xx, 429, dropped connections, truncated answers and timeouts to retryable errors', async () => {
    const flowId = await createFlow();
    const route = 'GET /v2/identity/auth/api/common/:flowId/outline';
    const client = clientWith({ timeoutMs: 300 });
    await control.injectFault({ route, kind: 'status', status: 503 });
    expect(await failure(client.getOutline(flowId))).toMatchObject({ kind: 'transient', details: { httpStatus: 503 } });
    await control.injectFault({ route, kind: 'rateLimit', retryAfterSeconds: 3 });
    expect(await failure(client.getOutline(flowId))).toMatchObject({
      kind: 'transient',
      details: { retryAfterMs: 3_000 },
    });
    await control.injectFault({ route, kind: 'drop' });
    expect((await failure(client.getOutline(flowId))).kind).toBe('transient');
    await control.injectFault({ route, kind: 'malformed' });
    expect((await failure(client.getOutline(flowId))).kind).toBe('transient');
    await control.injectFault({ route, kind: 'delay', delayMs: 1_000 });
    const timedOut = await failure(client.getOutline(flowId));
    expect(timedOut.kind).toBe('transient');
    expect(timedOut.message).toContain('300 ms');
    // And the next call, without faults, works.
    await expect(client.getOutline(flowId)).resolves.toMatchObject({ flowId });
  });

  it('refuses an answer without the fields we rely on, naming them', async () => {
    const flowId = await createFlow();
    const route = 'GET /v2/identity/auth/api/common/:flowId/outline';
    await control.injectFault({
      route,
      kind: 'status',
      status: 200,
      body: { code: 0, data: { flowId, flowStatus: 'DONE' } },
    });
    const error = await failure(clientWith().getOutline(flowId));
    expect(error.kind).toBe('invalidResponse');
    expect(error.message).toContain('data.flowStatus');
    await control.injectFault({ route, kind: 'status', status: 200, body: { message: 'no code' } });
    expect((await failure(clientWith().getOutline(flowId))).kind).toBe('invalidResponse');
  });

  it('refuses unknown business codes without retrying', async () => {
    const route = 'GET /v2/identity/auth/api/common/:flowId/outline';
    await control.injectFault({ route, kind: 'status', status: 200, body: { code: '1435002', message: '参数错误' } });
    const error = await failure(clientWith().getOutline('1'));
    expect(error).toMatchObject({ kind: 'rejected', details: { providerCode: 1435002 } });
    expect(error.retryable).toBe(false);
  });
});
