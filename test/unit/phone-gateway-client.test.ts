/**
 * The phone gateway client over real HTTP against the simulator: the token header, timeouts,
 * unreachable gateways and injected faults, each surfacing as its row of the error table.
 */
import { ApplicationFailureCategory } from '@temporalio/common';
import { PHONE_GATEWAY_FAILURE, type PhoneFactors } from '../../contracts/phone-check';
import { toApplicationFailure } from '../../activities/phone-check';
import { PHONE_VERIFICATION_PATH, PhoneGatewayClient, PhoneGatewayError } from '../../providers/phone-gateway';
import { SimulatorControl } from '../../simulators/framework/control-client';
import type { RunningSimulator } from '../../simulators/framework/simulator';
import { startPhoneGatewaySimulator } from '../../simulators/phone-gateway';

const TOKEN = 'client-test-token';
const ROUTE = `POST ${PHONE_VERIFICATION_PATH}`;
const factors: PhoneFactors = { phone: '13812345678', idCard: '11010519491231002X', name: '张三' };

let simulator: RunningSimulator;
let control: SimulatorControl;

function client(overrides: { token?: string; timeoutMs?: number; baseUrl?: string } = {}): PhoneGatewayClient {
  return new PhoneGatewayClient({
    baseUrl: overrides.baseUrl ?? simulator.url,
    token: overrides.token ?? TOKEN,
    timeoutMs: overrides.timeoutMs ?? 5_000,
    ratePerSecond: 20,
    rateJitterMs: 50,
  });
}

async function failureOf(call: Promise<unknown>): Promise<PhoneGatewayError> {
  try {
    await call;
  } catch (error) {
    if (error instanceof PhoneGatewayError) return error;
    throw error;
  }
  throw new Error('expected the call to fail');
}

beforeAll(async () => {
  simulator = await startPhoneGatewaySimulator({ host: '127.0.0.1', port: 0, token: TOKEN });
  control = new SimulatorControl(simulator.url);
});
afterAll(() => simulator.close());
beforeEach(() => control.reset());

it('sends the token in Authorization and returns the typed result', async () => {
  const result = await client().verify(factors);
  expect(result).toMatchObject({
    outcome: 'VERIFIED',
    resultCode: 0,
    billed: true,
    isp: '移动',
    carrier: 'CHINA_MOBILE',
  });
  expect(result.requestId).toMatch(/^[0-9a-f-]{36}$/);
  expect(result.traceNo).toMatch(/^\d{19}$/);
  expect(await control.counter('billedCalls')).toBe(1);
});

it('a refused token is a non-retryable auth failure', async () => {
  const error = await failureOf(client({ token: 'not-the-token' }).verify(factors));
  expect(error.failureType).toBe(PHONE_GATEWAY_FAILURE.authRejected);
  expect(error.retryable).toBe(false);
  expect(error.details.httpStatus).toBe(401);
  expect(await control.counter('billedCalls')).toBe(0);
});

it('no answer within the configured timeout is a retryable timeout', async () => {
  await control.injectFault({ route: ROUTE, kind: 'delay', delayMs: 1_500 });
  const error = await failureOf(client({ timeoutMs: 200 }).verify(factors));
  expect(error.failureType).toBe(PHONE_GATEWAY_FAILURE.timeout);
  expect(error.retryable).toBe(true);
  expect(error.message).toContain('200 ms');
});

it('a gateway that is not listening is retryable and unavailable', async () => {
  const closed = await startPhoneGatewaySimulator({ host: '127.0.0.1', port: 0, token: TOKEN });
  const url = closed.url;
  await closed.close();
  const error = await failureOf(client({ baseUrl: url }).verify(factors));
  expect(error.failureType).toBe(PHONE_GATEWAY_FAILURE.unavailable);
  expect(error.retryable).toBe(true);
  expect(error.message).toContain('ECONNREFUSED');
});

it('a connection dropped after the request was sent is an unanswered call, which the gateway may have billed', async () => {
  await control.injectFault({ route: ROUTE, kind: 'drop' });
  const error = await failureOf(client().verify(factors));
  // The simulator bills the dropped call as a real gateway may: retrying it as "unavailable" paid twice uncounted.
  expect(await control.counter('billedCalls')).toBe(1);
  expect(error.failureType).toBe(PHONE_GATEWAY_FAILURE.timeout);
  expect(error.retryable).toBe(true);
  expect(error.message).toContain('may have been answered and billed');
});

it('a 503 is retryable and unavailable', async () => {
  await control.injectFault({ route: ROUTE, kind: 'status', status: 503, body: { error: 'maintenance' } });
  const error = await failureOf(client().verify(factors));
  expect(error.failureType).toBe(PHONE_GATEWAY_FAILURE.unavailable);
  expect(error.details).toEqual({ httpStatus: 503, bodyExcerpt: '{"error":"maintenance"}' });
});

it('a 429 carries the gateway’s Retry-After', async () => {
  await control.injectFault({ route: ROUTE, kind: 'rateLimit', retryAfterSeconds: 3 });
  const error = await failureOf(client().verify(factors));
  expect(error.failureType).toBe(PHONE_GATEWAY_FAILURE.rateLimited);
  expect(error.retryAfterMs).toBe(3_000);
});

it('a malformed body is non-retryable and keeps its start', async () => {
  await control.injectFault({ route: ROUTE, kind: 'malformed' });
  const error = await failureOf(client().verify(factors));
  expect(error.failureType).toBe(PHONE_GATEWAY_FAILURE.malformed);
  expect(error.retryable).toBe(false);
  expect(error.details.bodyExcerpt).toBe('{"truncated": ');
});

describe('as activity failures', () => {
  it('busy is a retryable, benign failure', async () => {
    await control.injectFault({ route: ROUTE, kind: 'busy' });
    const failure = toApplicationFailure(await failureOf(client().verify(factors)));
    expect(failure.type).toBe('PhoneGatewayBusy');
    expect(failure.nonRetryable).toBe(false);
    expect(failure.category).toBe(ApplicationFailureCategory.BENIGN);
    expect(failure.nextRetryDelay).toBeUndefined();
  });

  it('a 429 retries after Retry-After (nextRetryDelay)', async () => {
    await control.injectFault({ route: ROUTE, kind: 'rateLimit', retryAfterSeconds: 2 });
    const failure = toApplicationFailure(await failureOf(client().verify(factors)));
    expect(failure.type).toBe('PhoneGatewayRateLimited');
    expect(failure.nonRetryable).toBe(false);
    expect(failure.nextRetryDelay).toBe(2_000);
  });

  it('a refused token is non-retryable, not benign, with its details', async () => {
    const failure = toApplicationFailure(await failureOf(client({ token: 'wrong' }).verify(factors)));
    expect(failure.type).toBe('PhoneGatewayAuthRejected');
    expect(failure.nonRetryable).toBe(true);
    expect(failure.category).toBeUndefined();
    expect(failure.details).toEqual([expect.objectContaining({ httpStatus: 401 })]);
  });
});
