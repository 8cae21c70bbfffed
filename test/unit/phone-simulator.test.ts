/**
 * The phone gateway simulator over real HTTP on loopback: its token check, its request
 * validation (the client's wire schema), its outcome table, the busy fault and the billed counter.
 */
import { SimulatorControl } from '../../simulators/framework/control-client';
import type { RunningSimulator } from '../../simulators/framework/simulator';
import { startPhoneGatewaySimulator, tokenMatches } from '../../simulators/phone-gateway';
import { PHONE_VERIFICATION_PATH } from '../../providers/phone-gateway';

const TOKEN = 'sim-token-0123456789abcdef';
const ROUTE = `POST ${PHONE_VERIFICATION_PATH}`;

let simulator: RunningSimulator;
let control: SimulatorControl;

beforeAll(async () => {
  simulator = await startPhoneGatewaySimulator({ host: '127.0.0.1', port: 0, token: TOKEN });
  control = new SimulatorControl(simulator.url);
});
afterAll(() => simulator.close());
beforeEach(() => control.reset());

function body(phone = '13812345678', overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    buscode: 'PhoneVerification',
    group: 'real',
    data: { IdCard: '11010519491231002X', Name: '张三', Phone: phone },
    ...overrides,
  };
}

interface Answer {
  status: number;
  json: {
    errcode: number;
    errmsg?: string;
    data?: {
      traceNo: string;
      result: { responseJson: { Response: { Result: string; Isp: string; RequestId: string; Description: string } } };
    };
  };
}

/** `authorization: null` sends no Authorization header at all. */
async function post(payload: unknown, authorization: string | null = TOKEN): Promise<Answer> {
  const response = await fetch(`${simulator.url}${PHONE_VERIFICATION_PATH}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(authorization === null ? {} : { authorization }) },
    body: JSON.stringify(payload),
  });
  return { status: response.status, json: (await response.json()) as Answer['json'] };
}

function resultOf(answer: Answer): string | undefined {
  return answer.json.data?.result.responseJson.Response.Result;
}

describe('token check', () => {
  it('answers a call carrying the exact token', async () => {
    const answer = await post(body());
    expect(answer.status).toBe(200);
    expect(answer.json.errcode).toBe(0);
  });

  it.each([
    ['no Authorization header', null],
    ['an empty token', ''],
    ['a wrong token of the same length', TOKEN.replace(/.$/, 'X')],
    ['a longer token', `${TOKEN}0`],
    ['a Bearer-prefixed token', `Bearer ${TOKEN}`],
  ])('refuses %s with HTTP 401 / errcode 401, before anything is billed', async (_label, authorization) => {
    const answer = await post(body(), authorization);
    expect(answer.status).toBe(401);
    expect(answer.json.errcode).toBe(401);
    expect(await control.counter('authRejected')).toBe(1);
    expect(await control.counter('billedCalls')).toBe(0);
  });

  it('compares tokens exactly', () => {
    expect(tokenMatches(TOKEN, TOKEN)).toBe(true);
    expect(tokenMatches(TOKEN.toUpperCase(), TOKEN)).toBe(false);
    expect(tokenMatches([TOKEN], TOKEN)).toBe(false);
    expect(tokenMatches(undefined, TOKEN)).toBe(false);
  });

  it('accepts only a rotated token after PUT /__control/token, and the original again after reset', async () => {
    await control.request('PUT', '/token', { token: 'rotated-token' });
    expect((await post(body())).status).toBe(401);
    expect((await post(body(), 'rotated-token')).status).toBe(200);
    await control.reset();
    expect((await post(body())).status).toBe(200);
  });
});

describe('request validation (the client’s wire schema)', () => {
  it.each([
    ['a missing group', body(undefined, { group: undefined }), 'group'],
    ['another buscode', body(undefined, { buscode: 'BankCard4' }), 'buscode'],
    [
      'a wrong ID check character',
      body(undefined, { data: { IdCard: '110105194912310021', Name: '张三', Phone: '13812345678' } }),
      'data.IdCard',
    ],
    [
      'a lower-case x',
      body(undefined, { data: { IdCard: '11010519491231002x', Name: '张三', Phone: '13812345678' } }),
      'data.IdCard',
    ],
    ['a bad phone', body('12812345678'), 'data.Phone'],
    [
      'an empty name',
      body(undefined, { data: { IdCard: '11010519491231002X', Name: '', Phone: '13812345678' } }),
      'data.Name',
    ],
  ])('refuses %s with HTTP 400 naming the field, unbilled', async (_label, payload, field) => {
    const answer = await post(payload);
    expect(answer.status).toBe(400);
    expect(answer.json.errcode).toBe(400);
    expect(answer.json.errmsg).toContain(field);
    expect(await control.counter('billedCalls')).toBe(0);
  });
});

describe('outcomes chosen by the phone number', () => {
  it.each([
    ['13812345600', '0', 1],
    ['13812345604', '-4', 1],
    ['13812345606', '-6', 0],
    ['13812345607', '-7', 0],
    ['13812345608', '-8', 0],
    ['13812345609', '-9', 0],
    ['13812345611', '-11', 0],
    ['13812345612', '-12', 0],
    ['13812345613', '-13', 0],
  ])('%s answers Result %s (billed calls: %i)', async (phone, result, billed) => {
    const answer = await post(body(phone));
    expect(answer.status).toBe(200);
    expect(resultOf(answer)).toBe(result);
    expect(answer.json.data?.traceNo).toMatch(/^\d{19}$/);
    expect(answer.json.data?.result.responseJson.Response.RequestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(await control.counter('billedCalls')).toBe(billed);
  });

  it.each([
    ['13812345678', '移动'],
    ['13012345678', '联通'],
    ['18912345678', '电信'],
    ['19212345678', ''],
  ])('%s is served by %j', async (phone, isp) => {
    expect((await post(body(phone))).json.data?.result.responseJson.Response.Isp).toBe(isp);
  });
});

describe('busy fault', () => {
  it('answers -11 the given number of times, unbilled, then the real outcome', async () => {
    await control.injectFault({ route: ROUTE, kind: 'busy', times: 2 });
    expect(resultOf(await post(body()))).toBe('-11');
    expect(resultOf(await post(body()))).toBe('-11');
    expect(await control.counter('billedCalls')).toBe(0);
    expect(resultOf(await post(body()))).toBe('0');
    expect(await control.counter('billedCalls')).toBe(1);
    expect(await control.counter(`calls:${ROUTE}`)).toBe(3);
  });
});
