/**
 * Temporal user metadata (`staticSummary`, `staticDetails`) for each start, so an operator reading
 * the UI or `temporal workflow describe` understands a run at a glance. Built only from opaque
 * keys, enums and policy numbers: never from a CPF, phone, ID number, name or token.
 */
import type { DeviceApprovalRequest } from '../contracts/device-approval';
import {
  identityFlowTrackingSummary,
  type ParsedTrackIdentityFlowInput,
  type TrackingOptions,
} from '../contracts/identity-flow';
import type { PhoneCheckRetry } from '../contracts/phone-check';

export interface UserMetadata {
  staticSummary: string;
  staticDetails: string;
}

/** "15 min", "2 h", "7 days", "500 ms": how a person reads a policy duration. */
export function humanDuration(ms: number): string {
  const units: Array<[number, string]> = [
    [24 * 60 * 60 * 1000, 'day'],
    [60 * 60 * 1000, 'h'],
    [60 * 1000, 'min'],
    [1000, 's'],
  ];
  for (const [size, unit] of units) {
    if (ms >= size && ms % size === 0) {
      const count = ms / size;
      return unit === 'day' ? `${count} day${count === 1 ? '' : 's'}` : `${count} ${unit}`;
    }
  }
  for (const [size, unit] of units) {
    if (ms >= size) return `${(ms / size).toFixed(1)} ${unit === 'day' ? 'days' : unit}`;
  }
  return `${ms} ms`;
}

/** What the printed `temporal` commands say when the codec server's URL is not known to this client. */
export const CODEC_ENDPOINT_PLACEHOLDER = '<codec server URL>';

/**
 * Every `temporal` command we print carries `--codec-endpoint`: payloads are encrypted, and
 * `temporal workflow update execute` without it applies the update and only then fails to decode
 * the answer (Temporal's behaviour), which invites a second, real, attempt.
 */
function codecFlag(codecEndpoint: string | undefined): string {
  return `--codec-endpoint ${codecEndpoint ?? CODEC_ENDPOINT_PLACEHOLDER}`;
}

const CONTACT_WORDS = { sms: 'SMS token', email: 'e-mail token', liveness: 'liveness check' } as const;

/** Keeps the start of a key readable in a one-line summary; the full key is in the workflow id. */
function shortKey(key: string): string {
  return key.slice(0, 8);
}

/** `codecEndpoint`: the codec server URL put into the printed `temporal` commands (TEMPORAL_CODEC_ENDPOINT). */
export function deviceApprovalMetadata(
  request: DeviceApprovalRequest,
  workflowId: string,
  codecEndpoint?: string,
): UserMetadata {
  const { policy } = request;
  const how = CONTACT_WORDS[request.contactType];
  const staticSummary =
    `Device approval by ${how}: device ${shortKey(request.deviceKey)}… on account ${shortKey(request.accountKey)}…` +
    ` (deadline ${humanDuration(policy.approvalDeadlineMs)})`;
  const lines = [
    '**Device two-factor approval** (bank device API)',
    '',
    `- Account key: \`${request.accountKey}\``,
    `- Device key: \`${request.deviceKey}\``,
    `- Approval by: ${how}`,
    `- Deadline: ${humanDuration(policy.approvalDeadlineMs)} from the start` +
      (policy.disableOnExpiry ? ', then the device is disabled' : ''),
  ];
  if (request.contactType !== 'liveness') {
    lines.push(
      `- Wrong tokens allowed: ${policy.maxTokenAttempts}; re-sends: ${policy.maxResends}, ` +
        `at least ${humanDuration(policy.resendCooldownMs)} apart`,
    );
    if (policy.remindAfterMs !== undefined) {
      lines.push(
        `- Reminders: the token is re-sent by itself when none was typed ${humanDuration(policy.remindAfterMs)} after the last one (uses the re-sends)`,
      );
    }
  }
  if (policy.deadlineWarningPercent !== undefined) {
    lines.push(
      `- Deadline warning at ${policy.deadlineWarningPercent}% of the deadline (current details, \`DeviceApprovalDeadlineApproaching\`)`,
    );
  }
  lines.push(
    '',
    'Status: search attribute `DeviceApprovalStatus`, or the `state` query:',
    `\`temporal workflow query -w ${workflowId} --type state ${codecFlag(codecEndpoint)}\``,
    '',
    "The approver's token arrives through the `submitToken` update:",
    `\`temporal workflow update execute -w ${workflowId} --name submitToken --update-id submitToken:<request id> ` +
      `--input '{"token":"<6 characters>"}' ${codecFlag(codecEndpoint)}\``,
    '',
    'Without `--codec-endpoint` the update is applied and then its answer cannot be decoded: do not send it again ' +
      'with a new id (that uses another attempt); the same `--update-id` returns the first answer.',
    '',
    "Personal data never appears in this summary: the approver's CPF travels only in the workflow input, to the bank.",
  );
  return { staticSummary, staticDetails: lines.join('\n') };
}

function trackingLines(options: TrackingOptions): string[] {
  return [
    `- Deadline: ${humanDuration(options.deadlineMs)} from the first start`,
    `- Polling: every ${humanDuration(options.polling.initialIntervalMs)}, backing off to ` +
      `${humanDuration(options.polling.maxIntervalMs)} while nothing changes; a signed callback wakes it at once`,
  ];
}

export function identityFlowStartMetadata(
  contextId: string,
  objectType: 'INDIVIDUAL' | 'ORGANIZATION',
  options: TrackingOptions,
): UserMetadata {
  return {
    staticSummary: `Start an identity flow (${objectType.toLowerCase()}) for request ${contextId}`,
    staticDetails: [
      '**Identity-flow starter** (e-signature platform)',
      '',
      `- Caller's request id: \`${contextId}\` (a repeated request attaches here)`,
      `- Verifies: ${objectType.toLowerCase()}`,
      '- Starts the provider flow, then a tracking workflow `identity-flow/<flowId>`, and returns the user link',
      ...trackingLines(options),
    ].join('\n'),
  };
}

export function identityFlowTrackingMetadata(
  input: ParsedTrackIdentityFlowInput,
  workflowId: string,
  codecEndpoint?: string,
): UserMetadata {
  return {
    staticSummary: identityFlowTrackingSummary(input.flowId),
    staticDetails: [
      '**Identity-flow tracking** (e-signature platform)',
      '',
      `- Provider flow id: \`${input.flowId}\``,
      ...trackingLines(input),
      '',
      'Status: search attribute `IdentityFlowStatus`, or the `outline` query:',
      `\`temporal workflow query -w ${workflowId} --type outline ${codecFlag(codecEndpoint)}\``,
    ].join('\n'),
  };
}

export function phoneCheckMetadata(requestId: string, retry: PhoneCheckRetry): UserMetadata {
  return {
    staticSummary: `Phone three-factor check for request ${requestId}`,
    staticDetails: [
      '**Phone three-factor check** (carrier verification gateway)',
      '',
      `- Caller's request id: \`${requestId}\` (a repeated request attaches; a completed check is never bought twice)`,
      '- Compares a mobile number, a resident ID number and a name with the carrier record',
      `- Gateway retries while busy or unreachable: up to ${retry.maximumAttempts} attempts, ` +
        `${humanDuration(retry.initialIntervalMs)} to ${humanDuration(retry.maximumIntervalMs)} apart`,
      '',
      'Outcome: search attribute `PhoneCheckOutcome` (VERIFIED, MISMATCH, NO_RECORD, ...).',
      'Personal data never appears in this summary: the three factors travel only in the workflow input, to the gateway.',
    ].join('\n'),
  };
}
