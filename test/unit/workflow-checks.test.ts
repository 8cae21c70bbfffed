/**
 * The workflow side checks its inputs without zod (contracts/checks.ts) while callers use the zod
 * schemas: both must accept the same inputs with the same parsed result, and refuse the same
 * inputs naming the same fields with the same messages.
 */
import { runChecker, type Checker } from '../../contracts/checks';
import {
  cancelArgsSchema,
  deviceApprovalInputSchema,
  resendTokenArgsSchema,
  submitTokenArgsSchema,
} from '../../contracts/device-approval';
import {
  cancelArgsCheck,
  deviceApprovalInputCheck,
  resendTokenArgsCheck,
  submitTokenArgsCheck,
} from '../../contracts/device-approval-checks';
import { bankFailureCode } from '../../contracts/device-approval-core';
import { bankFailureDetailsSchema } from '../../contracts/device-approval';
import { phoneCheckInputSchema } from '../../contracts/phone-check';
import { phoneCheckInputCheck } from '../../contracts/phone-check-checks';
import { startIdentityFlowInputSchema, trackIdentityFlowInputSchema } from '../../contracts/identity-flow';
import { startIdentityFlowInputCheck, trackIdentityFlowInputCheck } from '../../contracts/identity-flow-checks';
import { fieldIssues } from '../../contracts/validation';
import type { z } from 'zod';

function both(schema: z.ZodType, checker: Checker<unknown>, value: unknown) {
  const byZod = schema.safeParse(value);
  const byChecker = runChecker(checker, value);
  return {
    zod: byZod.success ? { data: byZod.data } : { issues: fieldIssues(byZod.error) },
    checker: byChecker.success ? { data: byChecker.data } : { issues: byChecker.issues },
  };
}

function expectSame(schema: z.ZodType, checker: Checker<unknown>, value: unknown): { issues?: unknown[] } {
  const { zod, checker: light } = both(schema, checker, value);
  expect(light).toEqual(zod);
  return zod;
}

const KEY = '3F2504E0-4F89-41D3-9A0C-0305E82C3301';
const device = {
  accountKey: KEY,
  deviceKey: '3f2504e0-4f89-41d3-9a0c-0305e82c3302',
  sessionId: '3f2504e0-4f89-41d3-9a0c-0305e82c3303',
  approverCpf: '52998224725',
  contactType: 'sms',
};

describe('device approval input: workflow checker and zod schema agree', () => {
  it.each<[string, unknown]>([
    ['a minimal input (defaults filled, keys lower-cased)', device],
    ['liveness with an image key', { ...device, contactType: 'liveness', imageKey: KEY }],
    ['a notify URL', { ...device, notifyUrl: 'https://hooks.example.com/kyc?tenant=7' }],
    ['a loopback http notify URL', { ...device, notifyUrl: 'http://127.0.0.1:9000/hook' }],
    [
      'a full policy',
      {
        ...device,
        policy: {
          approvalDeadlineMs: 5,
          maxTokenAttempts: 20,
          maxResends: 0,
          resendCooldownMs: 0,
          remindAfterMs: 1,
          deadlineWarningPercent: 99,
          disableOnExpiry: false,
          disableOnCancel: false,
          disableOnLock: false,
          bankCallTimeoutMs: 1,
          bankRetry: { initialIntervalMs: 1, maximumIntervalMs: 2, maximumAttempts: 1 },
        },
      },
    ],
  ])('accepts %s with the same result', (_name, value) => {
    expect(expectSame(deviceApprovalInputSchema, deviceApprovalInputCheck, value).issues).toBeUndefined();
  });

  it.each<[string, unknown]>([
    ['nothing', undefined],
    ['a string', 'x'],
    ['an empty object', {}],
    [
      'many bad fields at once',
      {
        ...device,
        approverCpf: '123',
        extra: 1,
        contactType: 'fax',
        policy: { maxTokenAttempts: 0.5, approvalDeadlineMs: -1, bankRetry: { maximumAttempts: 'x' }, zz: 1 },
      },
    ],
    [
      'wrong check digits, a number key, a null policy',
      { ...device, approverCpf: '52998224726', accountKey: 5, policy: null },
    ],
    [
      'out-of-range policy fields',
      {
        ...device,
        approverCpf: 52998224725,
        policy: { maxResends: 100, resendCooldownMs: 1e12, disableOnLock: 'yes', bankCallTimeoutMs: 0 },
      },
    ],
    [
      'bad reminder and deadline warning fields',
      { ...device, policy: { remindAfterMs: 0, deadlineWarningPercent: 100 } },
    ],
    [
      'reminder and warning fields of the wrong type or shape',
      { ...device, policy: { remindAfterMs: '4h', deadlineWarningPercent: 80.5 } },
    ],
    [
      'a reminder later than allowed and a zero percent',
      { ...device, policy: { remindAfterMs: 31 * 86_400_000, deadlineWarningPercent: 0 } },
    ],
    ['liveness without an image key', { ...device, contactType: 'liveness' }],
    ['an image key without liveness, and a bad key', { ...device, imageKey: KEY, accountKey: 'nope' }],
    ['two unknown keys', { ...device, a: 1, b: 2 }],
    ['a plain-http remote notify URL', { ...device, notifyUrl: 'http://hooks.example.com/kyc' }],
    [
      'a notify URL with credentials, and a bad CPF',
      { ...device, notifyUrl: 'https://u:p@h.example/x', approverCpf: '1' },
    ],
    ['a notify URL that is not a string', { ...device, notifyUrl: 42 }],
    ['a repeated-digit CPF', { ...device, approverCpf: '11111111111' }],
    ['an array', [device]],
  ])('refuses %s naming the same fields with the same messages', (_name, value) => {
    expect(expectSame(deviceApprovalInputSchema, deviceApprovalInputCheck, value).issues).toBeDefined();
  });
});

describe('update arguments: workflow checker and zod schema agree', () => {
  it.each<[string, z.ZodType, Checker<unknown>, unknown]>([
    ['submitToken ok', submitTokenArgsSchema, submitTokenArgsCheck, { token: 'a1B2c3' }],
    ['submitToken short', submitTokenArgsSchema, submitTokenArgsCheck, { token: 'abc' }],
    ['submitToken missing', submitTokenArgsSchema, submitTokenArgsCheck, {}],
    ['submitToken undefined', submitTokenArgsSchema, submitTokenArgsCheck, undefined],
    ['submitToken extra keys', submitTokenArgsSchema, submitTokenArgsCheck, { token: 'abcdef', x: 1, y: 2 }],
    ['submitToken symbols', submitTokenArgsSchema, submitTokenArgsCheck, { token: 'abc-de' }],
    ['resendToken ok', resendTokenArgsSchema, resendTokenArgsCheck, { contactType: 'email' }],
    ['resendToken empty', resendTokenArgsSchema, resendTokenArgsCheck, {}],
    ['resendToken liveness', resendTokenArgsSchema, resendTokenArgsCheck, { contactType: 'liveness' }],
    ['cancel ok (trimmed)', cancelArgsSchema, cancelArgsCheck, { reason: '  customer asked  ' }],
    ['cancel blank', cancelArgsSchema, cancelArgsCheck, { reason: '  ' }],
    ['cancel too long', cancelArgsSchema, cancelArgsCheck, { reason: 'x'.repeat(201) }],
    ['cancel missing', cancelArgsSchema, cancelArgsCheck, {}],
  ])('%s', (_name, schema, checker, value) => {
    expectSame(schema, checker, value);
  });

  it('reads a bank failure code as the zod schema does', () => {
    for (const detail of [
      { code: 'OBD000090', httpStatus: 422 },
      { code: 'OBD000090', httpStatus: '422' },
      { httpStatus: 500 },
      { code: 7 },
      null,
      'x',
      undefined,
    ]) {
      const parsed = bankFailureDetailsSchema.safeParse(detail);
      expect(bankFailureCode(detail)).toBe(parsed.success ? parsed.data.code : undefined);
    }
  });
});

describe('phone check input: workflow checker and zod schema agree', () => {
  const valid = { phone: '13800138000', idCard: '11010519491231002x', name: '  Zhang San ' };
  it.each<[string, unknown]>([
    ['a valid input (ID upper-cased, name trimmed, retry defaults)', valid],
    ['a retry policy', { ...valid, retry: { initialIntervalMs: 10, maximumIntervalMs: 600_000, maximumAttempts: 50 } }],
    ['bad factors', { phone: '1', idCard: '1234', name: ' ', retry: { initialIntervalMs: 1, zz: 2 } }],
    ['wrong types and lengths', { phone: 13800138000, idCard: '11010519491231002Y', name: 'x'.repeat(65) }],
    ['an unknown key', { ...valid, extra: true }],
    ['an impossible birth date (month 13)', { ...valid, idCard: '110101199013010012' }],
    ['an unanswered-call policy', { ...valid, unansweredCall: 'fail' }],
    ['an unknown unanswered-call policy', { ...valid, unansweredCall: 'sometimes' }],
    ['a notify URL', { ...valid, notifyUrl: 'https://hooks.example.com/kyc' }],
    ['a bad notify URL', { ...valid, notifyUrl: 'not a url' }],
    ['a notify URL with a fragment', { ...valid, notifyUrl: 'https://hooks.example.com/kyc#x' }],
    ['nothing', undefined],
  ])('%s', (_name, value) => {
    expectSame(phoneCheckInputSchema, phoneCheckInputCheck, value);
  });
});

describe('identity-flow inputs: workflow checker and zod schema agree', () => {
  const resume = {
    deadlineAt: 1,
    outline: {
      flowId: 'f1',
      flowStatus: 'ING',
      objectType: null,
      contextId: 'c',
      failReason: null,
      createTime: 1,
      modifyTime: null,
      subFlows: [{ subFlowId: 's', subFlowType: 'FACE', status: 'INIT', extra: 'dropped' }],
      relatedFlows: [],
      unknown: 'dropped',
    },
    fingerprint: 'x',
    lastCheckedAt: null,
    lastChangedAt: 2,
    checks: 3,
    changes: 1,
    callbacks: 0,
    runs: 2,
  };
  it.each<[string, unknown]>([
    ['a minimal input (defaults filled)', { flowId: '1234567890' }],
    [
      'links, policies and an unknown key (dropped)',
      {
        flowId: 'f_1-a',
        authUrl: 'https://esign.example/auth?x=1',
        shortLink: 'https://s.example/a',
        polling: { initialIntervalMs: 10, maxIntervalMs: 10, backoffCoefficient: 2.5 },
        providerRetry: { initialIntervalMs: 1 },
        deadlineMs: 60_000,
        continueAsNewAfterEvents: 20,
        whatever: 1,
      },
    ],
    ['a resumed state', { flowId: 'f1', resume }],
    ['a notify URL carried by continue-as-new', { flowId: 'f1', resume, notifyUrl: 'http://[::1]:8080/hook' }],
    ['a bad notify URL', { flowId: 'f1', notifyUrl: 'ftp://127.0.0.1/x' }],
    [
      'many bad fields',
      {
        flowId: 'a b',
        authUrl: 'nope',
        polling: { initialIntervalMs: 10, maxIntervalMs: 5, backoffCoefficient: 0.5 },
        providerRetry: null,
        deadlineMs: 0,
        continueAsNewAfterEvents: 10,
        resume: { runs: 0 },
      },
    ],
    ['intervals out of order', { flowId: 'f', polling: { initialIntervalMs: 10, maxIntervalMs: 5 } }],
    ['a type error skips the order rule', { flowId: 'f', polling: { initialIntervalMs: 'x', maxIntervalMs: 5 } }],
    [
      'a bad resumed outline',
      { flowId: 'f', resume: { ...resume, outline: { ...resume.outline, flowStatus: 'DONE', subFlows: [{}] } } },
    ],
  ])('tracking: %s', (_name, value) => {
    expectSame(trackIdentityFlowInputSchema, trackIdentityFlowInputCheck, value);
  });

  it.each<[string, unknown]>([
    ['a valid input', { contextId: 'order-1', objectType: 'INDIVIDUAL', redirectUrl: 'https://shop.example/done' }],
    ['a phone-shaped context id and a bad type', { contextId: '13800138000', objectType: 'X', redirectUrl: 'ftp://x' }],
    [
      'a context id with spaces (the personal-data rule is not reached)',
      { contextId: 'a b', objectType: 'ORGANIZATION' },
    ],
    ['a bad redirect', { contextId: 'c', objectType: 'INDIVIDUAL', redirectUrl: 'not a url' }],
    ['a notify URL', { contextId: 'c', objectType: 'INDIVIDUAL', notifyUrl: 'https://hooks.example.com/kyc' }],
    ['a remote http notify URL', { contextId: 'c', objectType: 'INDIVIDUAL', notifyUrl: 'http://10.0.0.1/kyc' }],
    ['a phone number written with separators', { contextId: '138-0013-8000', objectType: 'INDIVIDUAL' }],
    ['a CPF written with dots', { contextId: '529.982.247-25', objectType: 'INDIVIDUAL' }],
  ])('starter: %s', (_name, value) => {
    expectSame(startIdentityFlowInputSchema, startIdentityFlowInputCheck, value);
  });
});
