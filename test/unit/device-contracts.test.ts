/**
 * The device approval's input contract through contracts/device-approval.ts: CPF, UUID v4 and
 * token vectors, the liveness/image_key rule, policy defaults, the workflow id and start options.
 * Errors must name the field and never echo the value.
 */
import { readFileSync } from 'node:fs';
import { PROVIDER_VECTORS_FILE } from '../support/vectors';
import { z } from 'zod';
import {
  DEVICE_APPROVAL_ID_POLICIES,
  DEVICE_APPROVAL_SEARCH_ATTRIBUTES,
  DEVICE_APPROVAL_DEADLINE_APPROACHING_KEY,
  deviceApprovalInputSchema,
  deviceApprovalListQuery,
  type DeviceApprovalStatus,
  deviceApprovalStartOptions,
  deviceApprovalWorkflowId,
  resendTokenArgsSchema,
  submitTokenArgsSchema,
} from '../../contracts/device-approval';
import { InvalidInputError } from '../../contracts/validation';

const VECTORS_FILE = PROVIDER_VECTORS_FILE;
const validInvalid = z.object({ valid: z.array(z.string()).min(1), invalid: z.array(z.string()).min(1) });
const vectors = z
  .object({ cpf: validInvalid, uuid_v4: validInvalid, device_token: validInvalid })
  .parse(JSON.parse(readFileSync(VECTORS_FILE, 'utf8')));

const VALID_UUID = vectors.uuid_v4.valid[0]!;
const base = {
  accountKey: '6f1c9d2e-3b4a-4e5f-8a7b-9c0d1e2f3a4b',
  deviceKey: VALID_UUID,
  sessionId: 'a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d',
  approverCpf: vectors.cpf.valid[0]!,
  contactType: 'sms' as const,
};

function fieldsOf(value: unknown): string[] {
  const result = deviceApprovalInputSchema.safeParse(value);
  return result.success ? [] : [...new Set(result.error.issues.map((issue) => issue.path.join('.')))];
}

describe('device approval input', () => {
  it('accepts a valid sms request and fills in the policy defaults', () => {
    const request = deviceApprovalInputSchema.parse(base);
    expect(request.policy).toMatchObject({
      approvalDeadlineMs: 15 * 60 * 1000,
      maxTokenAttempts: 3,
      maxResends: 3,
      resendCooldownMs: 60 * 1000,
      disableOnExpiry: true,
      disableOnCancel: true,
      bankRetry: { initialIntervalMs: 1000, maximumAttempts: 5 },
    });
  });

  it.each(vectors.cpf.valid)('accepts the valid CPF vector %s', (cpf) => {
    expect(fieldsOf({ ...base, approverCpf: cpf })).toEqual([]);
  });

  it.each(vectors.cpf.invalid)('refuses the invalid CPF vector %s, naming approverCpf', (cpf) => {
    expect(fieldsOf({ ...base, approverCpf: cpf })).toEqual(['approverCpf']);
  });

  it('a formatted CPF is told to drop the dots and dash, not that its check digits are wrong', () => {
    const result = deviceApprovalInputSchema.safeParse({ ...base, approverCpf: '529.982.247-25' });
    expect(result.success).toBe(false);
    expect(result.error?.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`)).toEqual([
      'approverCpf: must be exactly 11 digits, without dots or dash',
    ]);
  });

  it.each(vectors.uuid_v4.invalid)('refuses the non-v4 UUID %s in each key field', (uuid) => {
    for (const field of ['accountKey', 'deviceKey', 'sessionId'] as const) {
      expect(fieldsOf({ ...base, [field]: uuid })).toEqual([field]);
    }
  });

  it('lower-cases keys so one device always maps to one workflow', () => {
    const request = deviceApprovalInputSchema.parse({ ...base, deviceKey: VALID_UUID.toUpperCase() });
    expect(request.deviceKey).toBe(VALID_UUID);
    expect(deviceApprovalWorkflowId(base.accountKey.toUpperCase(), VALID_UUID.toUpperCase())).toBe(
      `device-approval/${base.accountKey}/${VALID_UUID}`,
    );
  });

  it('requires imageKey for liveness and refuses it otherwise', () => {
    expect(fieldsOf({ ...base, contactType: 'liveness' })).toEqual(['imageKey']);
    expect(fieldsOf({ ...base, contactType: 'liveness', imageKey: VALID_UUID })).toEqual([]);
    expect(fieldsOf({ ...base, contactType: 'email', imageKey: VALID_UUID })).toEqual(['imageKey']);
    expect(fieldsOf({ ...base, contactType: 'fax' })).toEqual(['contactType']);
  });

  it('refuses unknown fields and out-of-range policies, naming them', () => {
    expect(fieldsOf({ ...base, cpf: base.approverCpf })).toEqual(['']);
    expect(fieldsOf({ ...base, policy: { maxTokenAttempts: 0 } })).toEqual(['policy.maxTokenAttempts']);
    expect(fieldsOf({ ...base, policy: { approvalDeadlineMs: -5 } })).toEqual(['policy.approvalDeadlineMs']);
  });
});

describe('update arguments', () => {
  it.each(vectors.device_token.valid)('accepts the token %s', (token) => {
    expect(submitTokenArgsSchema.safeParse({ token }).success).toBe(true);
  });
  it.each(vectors.device_token.invalid)('refuses the token "%s"', (token) => {
    expect(submitTokenArgsSchema.safeParse({ token }).success).toBe(false);
  });
  it('re-sends only by sms or email', () => {
    expect(resendTokenArgsSchema.safeParse({}).success).toBe(true);
    expect(resendTokenArgsSchema.safeParse({ contactType: 'email' }).success).toBe(true);
    expect(resendTokenArgsSchema.safeParse({ contactType: 'liveness' }).success).toBe(false);
  });
});

describe('start options', () => {
  it('derive the id from account and device, attach to a running approval, and index no personal data', () => {
    const options = deviceApprovalStartOptions(base, 'tq');
    expect(options.workflowId).toBe(`device-approval/${base.accountKey}/${base.deviceKey}`);
    expect(options).toMatchObject(DEVICE_APPROVAL_ID_POLICIES);
    expect(options.workflowIdConflictPolicy).toBe('USE_EXISTING');
    const indexed = JSON.stringify(options.typedSearchAttributes);
    expect(indexed).not.toContain(base.approverCpf);
    // Every attribute but the deadline warning, which the workflow sets when that point passes.
    expect(options.typedSearchAttributes.map((pair) => pair.key)).toEqual(
      DEVICE_APPROVAL_SEARCH_ATTRIBUTES.filter((key) => key !== DEVICE_APPROVAL_DEADLINE_APPROACHING_KEY),
    );
  });

  it('throw InvalidInputError naming every bad field, without echoing values', () => {
    const bad = { ...base, approverCpf: '52998224726', sessionId: 'not-a-uuid' };
    let caught: unknown;
    try {
      deviceApprovalStartOptions(bad, 'tq');
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(InvalidInputError);
    const error = caught as InvalidInputError;
    expect(error.issues.map((issue) => issue.field).sort()).toEqual(['approverCpf', 'sessionId']);
    expect(error.message).not.toContain('52998224726');
  });

  it('builds visibility queries on the search attributes', () => {
    expect(deviceApprovalListQuery('WAITING_FOR_TOKEN')).toBe("DeviceApprovalStatus = 'WAITING_FOR_TOKEN'");
    expect(deviceApprovalListQuery('APPROVED', base.accountKey)).toBe(
      `DeviceApprovalStatus = 'APPROVED' AND DeviceApprovalAccountKey = '${base.accountKey}'`,
    );
  });

  it('refuses query values that could change the visibility query', () => {
    expect(() => deviceApprovalListQuery('APPROVED', "x' OR DeviceApprovalStatus != '")).toThrow(/accountKey/);
    expect(() => deviceApprovalListQuery("APPROVED' OR 1=1 --" as DeviceApprovalStatus)).toThrow(/status/);
  });
});
