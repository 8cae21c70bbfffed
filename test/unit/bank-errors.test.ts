/**
 * The one error table: every documented (status, code) pair of README §1 and §4.1 maps to the
 * intended outcome and Temporal failure type, transient answers are retryable with bounds, and
 * anything unknown stays an error that keeps a redacted raw body.
 */
import { BANK_FAILURE } from '../../contracts/device-approval';
import { bankFailureFor, toBankFailure } from '../../activities/device-approval';
import { BANK_ERROR_TABLE, BankApiError, classifyBankError, redactBody } from '../../providers/bank-device';
import { ApplicationFailure } from '@temporalio/common';

describe('bank error table', () => {
  it.each([
    [400, 'QIT000001', 'invalid_request', 'BankInvalidRequest'],
    [404, 'OBD000002', 'account_refused', 'BankAccountRefused'],
    [400, 'OBD000088', 'account_refused', 'BankAccountRefused'],
    [400, 'OBD000089', 'account_refused', 'BankAccountRefused'],
    [403, 'OBD000090', 'approver_refused', 'BankApproverRefused'],
    [400, 'OBD000091', 'invalid_request', 'BankInvalidRequest'],
    [400, 'OBD000092', 'invalid_request', 'BankInvalidRequest'],
    [404, 'OBD000093', 'configuration', 'BankConfigurationError'],
    [403, 'OBD000094', 'configuration', 'BankConfigurationError'],
    [404, 'OBD000100', 'device_not_found', 'BankDeviceNotFound'],
    [400, 'GDF000003', 'configuration', 'BankConfigurationError'],
    [401, 'GDF000014', 'configuration', 'BankConfigurationError'],
    [404, 'GDF000018', 'configuration', 'BankConfigurationError'],
  ] as const)('%i %s is %s, a non-retryable %s', (status, code, kind, type) => {
    expect(classifyBankError(status, code)).toBe(kind);
    expect(bankFailureFor(kind)).toEqual({ type, retryable: false });
  });

  it('retries OBD000097 (token not sent), 5xx and 429 with bounds', () => {
    expect(bankFailureFor(classifyBankError(400, 'OBD000097'))).toEqual(BANK_FAILURE.tokenSendFailed);
    expect(BANK_FAILURE.tokenSendFailed.retryable).toBe(true);
    for (const status of [500, 502, 503, 504]) {
      expect(classifyBankError(status, undefined)).toBe('unavailable');
      expect(bankFailureFor('unavailable').retryable).toBe(true);
    }
    expect(classifyBankError(429, undefined)).toBe('rate_limited');
    expect(bankFailureFor('rate_limited').retryable).toBe(true);
    expect(bankFailureFor('unexpected_response').retryable).toBe(true);
  });

  it('tells the incorrect token from "device not found" by status and code together', () => {
    expect(classifyBankError(400, 'OBD0000100')).toBe('wrong_token');
    expect(classifyBankError(400, 'OBD000100')).toBe('wrong_token');
    expect(classifyBankError(404, 'OBD000100')).toBe('device_not_found');
    expect(classifyBankError(400, 'OBD000099')).toBe('token_attempts_exhausted');
  });

  it('treats a known code at an undocumented status, or an unknown code, as unknown (not retried)', () => {
    expect(classifyBankError(403, 'OBD000099')).toBe('unknown_error');
    expect(classifyBankError(400, 'XYZ000001')).toBe('unknown_error');
    expect(classifyBankError(400, undefined)).toBe('unknown_error');
    expect(bankFailureFor('unknown_error')).toEqual({ type: 'BankUnknownError', retryable: false });
  });

  it('has one row per (status, code) pair', () => {
    const pairs = BANK_ERROR_TABLE.map((rule) => `${rule.httpStatus} ${rule.code}`);
    expect(new Set(pairs).size).toBe(pairs.length);
  });

  it('turns a classified error into an ApplicationFailure that keeps code, status and raw body', () => {
    const error = new BankApiError('approver_refused', 'POST /account/{account_key}/device: answered 403 OBD000090', {
      httpStatus: 403,
      code: 'OBD000090',
      rawBody: '{"code":"OBD000090"}',
    });
    const failure = toBankFailure(error);
    expect(failure).toBeInstanceOf(ApplicationFailure);
    expect(failure).toMatchObject({ type: 'BankApproverRefused', nonRetryable: true });
    expect((failure as ApplicationFailure).details).toEqual([
      { code: 'OBD000090', httpStatus: 403, rawBody: '{"code":"OBD000090"}' },
    ]);
    const limited = toBankFailure(new BankApiError('rate_limited', '429', { httpStatus: 429, retryAfterMs: 2000 }));
    expect(limited).toMatchObject({ type: 'BankRateLimited', nonRetryable: false, nextRetryDelay: 2000 });
  });

  it('leaves errors that are not bank answers (bugs) alone', () => {
    const bug = new TypeError('boom');
    expect(toBankFailure(bug)).toBe(bug);
  });
});

describe('raw bodies kept for the operator', () => {
  it('masks CPFs, tokens, e-mail addresses and the request secrets, and truncates', () => {
    const raw = JSON.stringify({
      device_registration_data: { document_number: '438.858.048-16' },
      token: '329adf',
      note: 'cpf 52998224725 mail ana@example.com secret Zk9x1Q',
    });
    const kept = redactBody(raw, ['Zk9x1Q']);
    expect(kept).not.toMatch(/438\.858|52998224725|329adf|ana@example\.com|Zk9x1Q/);
    expect(kept).toContain('[redacted]');
    const long = redactBody('x'.repeat(5000));
    expect(long.length).toBeLessThan(600);
    expect(long).toMatch(/…$/);
  });
});
