/** What the device-approval integration tests start approvals with. */
import { randomUUID } from 'node:crypto';
import type { DeviceApprovalInput } from '../../contracts/device-approval';

type PolicyInput = NonNullable<DeviceApprovalInput['policy']>;

/** A published test CPF, registered as the approver of the tests' accounts. */
export const TEST_APPROVER_CPF = '52998224725';

/** Short durations: the policy is input, so tests run in seconds. */
export const FAST_APPROVAL_POLICY = {
  approvalDeadlineMs: 60_000,
  resendCooldownMs: 0,
  bankCallTimeoutMs: 5_000,
  bankRetry: { initialIntervalMs: 100, maximumIntervalMs: 200, maximumAttempts: 3 },
};

/** An SMS approval of a new device on the account; overrides win, policy fields merge. */
export function approvalInput(
  accountKey: string,
  overrides: Partial<DeviceApprovalInput> = {},
  policy: PolicyInput = FAST_APPROVAL_POLICY,
): DeviceApprovalInput {
  return {
    accountKey,
    deviceKey: randomUUID(),
    sessionId: randomUUID(),
    approverCpf: TEST_APPROVER_CPF,
    contactType: 'sms',
    ...overrides,
    policy: { ...policy, ...overrides.policy },
  };
}
