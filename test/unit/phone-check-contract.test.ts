/** The phone check's contract: input validation naming fields, ids free of personal data, start policies. */
import {
  PHONE_CHECK_ID_CONFLICT_POLICY,
  PHONE_CHECK_ID_REUSE_POLICY,
  PHONE_CHECK_SEARCH_ATTRIBUTES,
  phoneCheckInputSchema,
  phoneCheckWorkflowId,
  phoneGatewayTaskQueue,
} from '../../contracts/phone-check';
import { INVALID_INPUT_FAILURE, InvalidInputError, parseInput, parseInputOrFail } from '../../contracts/validation';
import { ApplicationFailure } from '@temporalio/common';

const valid = { phone: '13812345678', idCard: '11010519491231002X', name: '张三' };

function issuesOf(input: unknown): string {
  try {
    parseInput(phoneCheckInputSchema, input, 'phone check input');
  } catch (error) {
    if (error instanceof InvalidInputError) return error.message;
    throw error;
  }
  throw new Error('expected the input to be refused');
}

describe('input', () => {
  it('normalises the ID check character and trims the name, with default retry bounds and unanswered-call policy', () => {
    expect(phoneCheckInputSchema.parse({ ...valid, idCard: '11010519491231002x', name: ' 张三 ' })).toEqual({
      ...valid,
      retry: { initialIntervalMs: 1_000, maximumIntervalMs: 60_000, maximumAttempts: 8 },
      unansweredCall: 'retry',
    });
  });

  it('takes "fail" as the unanswered-call policy and refuses anything else, naming the field', () => {
    expect(phoneCheckInputSchema.parse({ ...valid, unansweredCall: 'fail' }).unansweredCall).toBe('fail');
    expect(issuesOf({ ...valid, unansweredCall: 'sometimes' })).toMatch(/unansweredCall/);
  });

  it.each([
    ['phone', { ...valid, phone: '12812345678' }, /phone must be a mainland mobile number/],
    ['idCard', { ...valid, idCard: '110105194912310021' }, /idCard has a wrong check character \(GB 11643\)/],
    ['idCard', { ...valid, idCard: '110101199013010012' }, /idCard has an impossible birth date in positions 7-14/],
    ['name', { ...valid, name: '   ' }, /name must not be empty/],
    ['retry.maximumAttempts', { ...valid, retry: { maximumAttempts: 0 } }, /retry\.maximumAttempts/],
  ])('names %s and why, without echoing the value', (_field, input, expected) => {
    const message = issuesOf(input);
    expect(message).toMatch(expected);
    for (const value of ['12812345678', '110105194912310021']) expect(message).not.toContain(value);
  });

  it('names a missing field', () => {
    const { idCard: _idCard, ...withoutId } = valid;
    expect(issuesOf(withoutId)).toMatch(/idCard /);
  });

  it('refuses unknown fields (a misspelt factor must not go unnoticed)', () => {
    expect(issuesOf({ ...valid, phoneNumber: '13812345678' })).toMatch(/phoneNumber/);
  });

  it('inside a workflow, fails with the non-retryable InvalidInput type', () => {
    let caught: unknown;
    try {
      parseInputOrFail(phoneCheckInputSchema, { ...valid, phone: '1' }, 'phone check input');
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ApplicationFailure);
    expect(caught).toMatchObject({ type: INVALID_INPUT_FAILURE, nonRetryable: true });
  });
});

describe('workflow id', () => {
  it('is phone-check/<requestId>', () => {
    expect(phoneCheckWorkflowId('order-42:attempt.1')).toBe('phone-check/order-42:attempt.1');
    expect(phoneCheckWorkflowId('3f9c2b1e-8a4d-4c6f-9b2a-138123456789')).toBe(
      'phone-check/3f9c2b1e-8a4d-4c6f-9b2a-138123456789',
    );
  });

  it.each([
    ['a phone number', 'check-13812345678'],
    ['a resident ID number', '11010519491231002X'],
    ['a CPF', 'cpf-52998224725'],
    ['spaces', 'my request'],
    ['a slash', 'a/b'],
    ['nothing', ''],
  ])('refuses a request id with %s', (_label, requestId) => {
    expect(() => phoneCheckWorkflowId(requestId)).toThrow(InvalidInputError);
  });
});

describe('start policies and queues', () => {
  it('joins a running check and refuses to re-run a completed one', () => {
    expect(PHONE_CHECK_ID_CONFLICT_POLICY).toBe('USE_EXISTING');
    expect(PHONE_CHECK_ID_REUSE_POLICY).toBe('ALLOW_DUPLICATE_FAILED_ONLY');
  });

  it('runs the gateway call on its own rate-limited queue', () => {
    expect(phoneGatewayTaskQueue('kyc')).toBe('kyc-phone-gateway');
  });

  it('registers one keyword search attribute', () => {
    expect(PHONE_CHECK_SEARCH_ATTRIBUTES.map((key) => [key.name, key.type])).toEqual([
      ['PhoneCheckOutcome', 'KEYWORD'],
    ]);
  });
});
