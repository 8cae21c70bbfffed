/**
 * The phone gateway client's reading of answers: every `Result` code, the HTTP and `errcode`
 * error table, lenient parsing of the documented shapes, and no personal data in what it keeps.
 */
import { PHONE_GATEWAY_FAILURE, type PhoneFactors } from '../../contracts/phone-check';
import {
  BILLED_RESULT_CODES,
  PhoneGatewayError,
  buildGatewayRequest,
  createRedactor,
  interpretGatewayAnswer,
  type GatewayHttpAnswer,
} from '../../providers/phone-gateway';

const factors: PhoneFactors = { phone: '13812345678', idCard: '11010519491231002X', name: '张三' };
const redact = createRedactor(factors);

function verificationBody(result: string | number, extra: { isp?: string; description?: string } = {}): string {
  return JSON.stringify({
    errcode: 0,
    errmsg: 'SUCCESS',
    data: {
      traceNo: '1529628301297995777',
      status: 'success',
      result: {
        responseJson: {
          Response: {
            Result: result,
            Description: extra.description ?? '认证通过',
            Isp: extra.isp ?? '移动',
            RequestId: 'a5fdb909-5ee6-43ff-a152-bb1b9744ee8b',
          },
        },
      },
    },
  });
}

function answer(status: number, body: string, retryAfterMs?: number): GatewayHttpAnswer {
  return { status, body, bodyTooLarge: false, retryAfterMs };
}

function ok(body: string): GatewayHttpAnswer {
  return answer(200, body);
}

function failureOf(reply: GatewayHttpAnswer): PhoneGatewayError {
  try {
    interpretGatewayAnswer(reply, redact);
  } catch (error) {
    if (error instanceof PhoneGatewayError) return error;
    throw error;
  }
  throw new Error('expected the answer to be a failure');
}

describe('Result codes', () => {
  it.each([
    ['0', 'VERIFIED', true, undefined],
    ['-4', 'MISMATCH', true, undefined],
    ['-6', 'INVALID_INPUT', false, 'phone'],
    ['-7', 'INVALID_INPUT', false, 'idCard'],
    ['-8', 'INVALID_INPUT', false, 'name'],
    ['-9', 'NO_RECORD', false, undefined],
    ['-12', 'DAILY_LIMIT', false, undefined],
    ['-13', 'UNSUPPORTED_NUMBER', false, undefined],
  ])('Result %s is the final answer %s', (code, outcome, billed, factor) => {
    const result = interpretGatewayAnswer(ok(verificationBody(code)), redact);
    expect(result).toEqual({
      outcome,
      resultCode: Number(code),
      billed,
      ...(factor ? { factor } : {}),
      requestId: 'a5fdb909-5ee6-43ff-a152-bb1b9744ee8b',
      traceNo: '1529628301297995777',
      isp: '移动',
      carrier: 'CHINA_MOBILE',
      description: '认证通过',
    });
  });

  it('only 0 and -4 are billed', () => {
    expect([...BILLED_RESULT_CODES].sort()).toEqual(['-4', '0']);
  });

  it('Result -11 is a retryable busy failure keeping the upstream ids', () => {
    const error = failureOf(ok(verificationBody('-11')));
    expect(error.failureType).toBe(PHONE_GATEWAY_FAILURE.busy);
    expect(error.retryable).toBe(true);
    expect(error.details).toEqual({
      resultCode: '-11',
      requestId: 'a5fdb909-5ee6-43ff-a152-bb1b9744ee8b',
      traceNo: '1529628301297995777',
    });
  });

  it('an unknown Result is not retried (it may have been billed) and keeps the code', () => {
    const error = failureOf(ok(verificationBody('-5')));
    expect(error.failureType).toBe(PHONE_GATEWAY_FAILURE.unknownResult);
    expect(error.retryable).toBe(false);
    expect(error.details.resultCode).toBe('-5');
  });

  it('accepts Result as a number, result/responseJson as JSON strings, and unknown fields', () => {
    const body = JSON.stringify({
      errcode: '0',
      data: {
        traceNo: 42,
        newField: true,
        result: JSON.stringify({ responseJson: JSON.stringify({ Response: { Result: -4, RequestId: 'r-1' } }) }),
      },
    });
    const result = interpretGatewayAnswer(ok(body), redact);
    expect(result).toMatchObject({
      outcome: 'MISMATCH',
      billed: true,
      traceNo: '42',
      requestId: 'r-1',
      isp: '',
      carrier: 'UNKNOWN',
    });
  });

  it.each([
    ['移动', 'CHINA_MOBILE'],
    ['电信', 'CHINA_TELECOM'],
    ['联通', 'CHINA_UNICOM'],
    ['', 'UNKNOWN'],
    ['广电', 'UNKNOWN'],
  ])('Isp %j is carrier %s, and the raw Isp is kept', (isp, carrier) => {
    const result = interpretGatewayAnswer(ok(verificationBody('0', { isp })), redact);
    expect(result).toMatchObject({ isp, carrier });
  });
});

describe('HTTP error table', () => {
  it.each([
    [401, PHONE_GATEWAY_FAILURE.authRejected, false],
    [403, PHONE_GATEWAY_FAILURE.authRejected, false],
    [429, PHONE_GATEWAY_FAILURE.rateLimited, true],
    [408, PHONE_GATEWAY_FAILURE.unavailable, true],
    [500, PHONE_GATEWAY_FAILURE.unavailable, true],
    [502, PHONE_GATEWAY_FAILURE.unavailable, true],
    [503, PHONE_GATEWAY_FAILURE.unavailable, true],
    [400, PHONE_GATEWAY_FAILURE.rejected, false],
    [404, PHONE_GATEWAY_FAILURE.rejected, false],
    [302, PHONE_GATEWAY_FAILURE.rejected, false],
  ])('HTTP %i is %s (retryable: %s)', (status, failureType, retryable) => {
    const error = failureOf(answer(status, '{"error":"x"}'));
    expect(error.failureType).toBe(failureType);
    expect(error.retryable).toBe(retryable);
    expect(error.details).toEqual({ httpStatus: status, bodyExcerpt: '{"error":"x"}' });
    expect(error.message).toContain(`HTTP ${status}`);
  });

  it('a 429 carries the Retry-After wait (parsed by providers/http.ts)', () => {
    expect(failureOf(answer(429, '', 7_000)).retryAfterMs).toBe(7_000);
  });

  it('a 429 without Retry-After leaves the wait to the backoff', () => {
    expect(failureOf(answer(429, '')).retryAfterMs).toBeUndefined();
  });

  it('a 503 with Retry-After waits as asked (RFC 9110 §10.2.3)', () => {
    expect(failureOf(answer(503, '', 7_000)).retryAfterMs).toBe(7_000);
  });

  it('a refusal never carries a wait: it is not retried', () => {
    expect(failureOf(answer(400, '', 7_000)).retryAfterMs).toBeUndefined();
  });

  it('a 2xx answer cut at the body cap is unreadable and not retried (it may have been billed)', () => {
    const error = failureOf({ ...ok(verificationBody('0')), bodyTooLarge: true });
    expect(error.failureType).toBe(PHONE_GATEWAY_FAILURE.malformed);
    expect(error.retryable).toBe(false);
    expect(error.message).toContain('PROVIDER_MAX_BODY_BYTES');
  });
});

describe('errcode table', () => {
  function errcodeBody(errcode: number | string, errmsg?: string): GatewayHttpAnswer {
    return ok(JSON.stringify({ errcode, errmsg, data: null }));
  }

  it.each([
    [401, PHONE_GATEWAY_FAILURE.authRejected, false],
    [403, PHONE_GATEWAY_FAILURE.authRejected, false],
    [429, PHONE_GATEWAY_FAILURE.rateLimited, true],
    [500, PHONE_GATEWAY_FAILURE.unavailable, true],
    [503, PHONE_GATEWAY_FAILURE.unavailable, true],
    [400, PHONE_GATEWAY_FAILURE.rejected, false],
    [-1, PHONE_GATEWAY_FAILURE.rejected, false],
    [10086, PHONE_GATEWAY_FAILURE.rejected, false],
  ])('errcode %i is %s (retryable: %s)', (errcode, failureType, retryable) => {
    const error = failureOf(errcodeBody(errcode, 'something went wrong'));
    expect(error.failureType).toBe(failureType);
    expect(error.retryable).toBe(retryable);
    expect(error.details).toEqual({ httpStatus: 200, errcode });
    expect(error.message).toContain(`(errcode ${errcode}): something went wrong`);
  });

  it('reads a numeric-string errcode', () => {
    expect(failureOf(errcodeBody('401')).failureType).toBe(PHONE_GATEWAY_FAILURE.authRejected);
  });

  it('keeps no personal data from errmsg', () => {
    const error = failureOf(
      errcodeBody(400, `IdCard ${factors.idCard} / phone 13912345678 / Name ${factors.name} refused`),
    );
    expect(error.message).not.toContain(factors.idCard);
    expect(error.message).not.toContain('13912345678');
    expect(error.message).not.toContain(factors.name);
    expect(error.message).toContain('IdCard [idCard] / phone [redacted] / Name [name] refused');
  });
});

describe('malformed answers', () => {
  it.each([
    ['truncated JSON', '{"truncated": '],
    ['HTML', '<html><body>Bad Gateway</body></html>'],
    ['an empty body', ''],
  ])('%s is a non-retryable malformed response keeping the raw start', (_label, body) => {
    const error = failureOf(ok(body));
    expect(error.failureType).toBe(PHONE_GATEWAY_FAILURE.malformed);
    expect(error.retryable).toBe(false);
    expect(error.details.bodyExcerpt).toBe(body);
    expect(error.details.httpStatus).toBe(200);
  });

  it('JSON without errcode names the missing field', () => {
    const error = failureOf(ok('{"code":0}'));
    expect(error.failureType).toBe(PHONE_GATEWAY_FAILURE.malformed);
    expect(error.details.problems?.[0]).toMatch(/^errcode: /);
  });

  it('a success without Result or RequestId names the fields, not their values', () => {
    const body = JSON.stringify({
      errcode: 0,
      data: { traceNo: 't-1', result: { responseJson: { Response: { Description: `for ${factors.phone}` } } } },
    });
    const error = failureOf(ok(body));
    expect(error.failureType).toBe(PHONE_GATEWAY_FAILURE.malformed);
    expect(error.details.problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^data\.result\.responseJson\.Response\.Result: /),
        expect.stringMatching(/^data\.result\.responseJson\.Response\.RequestId: /),
      ]),
    );
    expect(error.details.bodyExcerpt).toContain('for [phone]');
    expect(JSON.stringify(error.details)).not.toContain(factors.phone);
  });

  it('keeps only the start of a long body, with echoed personal data removed', () => {
    const body = `{"echo":"${factors.idCard} ${factors.name} ${factors.phone}"${' '.repeat(1000)}`;
    const excerpt = failureOf(ok(body)).details.bodyExcerpt ?? '';
    expect(excerpt.startsWith('{"echo":"[idCard] [name] [phone]"')).toBe(true);
    expect(excerpt.length).toBeLessThanOrEqual(301);
    expect(excerpt).not.toMatch(/\d{11}/);
  });

  it('removes numbers shaped like IDs or phones even when they are not this call’s', () => {
    expect(redact('x 44030419900307123X y 15500000000 z 1529628301297995777')).toBe(
      'x [redacted] y [redacted] z 1529628301297995777',
    );
  });
});

describe('the request the client sends', () => {
  it('is the documented body, validated by the wire schema', () => {
    expect(buildGatewayRequest(factors)).toEqual({
      async: false,
      buscode: 'PhoneVerification',
      group: 'real',
      data: { IdCard: '11010519491231002X', Name: '张三', Phone: '13812345678' },
    });
  });

  it('refuses to send factors the gateway would refuse, naming the fields only', () => {
    const bad = { phone: '12812345678', idCard: '11010519491231002x', name: ' 张三' };
    let caught: unknown;
    try {
      buildGatewayRequest(bad);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(PhoneGatewayError);
    const error = caught as PhoneGatewayError;
    expect(error.retryable).toBe(false);
    expect(error.message).toContain('data.IdCard, data.Name, data.Phone');
    expect(JSON.stringify(error)).not.toContain('12812345678');
  });
});
