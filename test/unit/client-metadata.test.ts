/** User metadata (UI summary/details) tells the story from opaque keys and policies only. */
import { approvalPolicySchema, deviceApprovalInputSchema } from '../../contracts/device-approval';
import { trackIdentityFlowInputSchema, trackingOptionsSchema } from '../../contracts/identity-flow';
import { phoneCheckRetrySchema } from '../../contracts/phone-check';
import {
  deviceApprovalMetadata,
  humanDuration,
  identityFlowStartMetadata,
  identityFlowTrackingMetadata,
  phoneCheckMetadata,
} from '../../client/summaries';

const CPF = '52998224725';
const request = deviceApprovalInputSchema.parse({
  accountKey: '6DEE9D0A-DE79-4615-BBD0-D4A13D788268',
  deviceKey: '8fbaae45-dcd0-4d5a-a209-691c6044241e',
  sessionId: '0b7c1c9e-36a4-4b8e-9a55-1b6f2f1f6a10',
  approverCpf: CPF,
  contactType: 'sms',
  policy: { approvalDeadlineMs: 15 * 60_000 },
});

describe('humanDuration', () => {
  it.each([
    [500, '500 ms'],
    [30_000, '30 s'],
    [15 * 60_000, '15 min'],
    [2 * 3_600_000, '2 h'],
    [86_400_000, '1 day'],
    [7 * 86_400_000, '7 days'],
    [90_000, '90 s'],
    [1_500, '1.5 s'],
  ])('%p ms reads %p', (ms, text) => {
    expect(humanDuration(ms)).toBe(text);
  });
});

describe('device approval metadata', () => {
  const workflowId = 'device-approval/6dee9d0a-de79-4615-bbd0-d4a13d788268/8fbaae45-dcd0-4d5a-a209-691c6044241e';
  const metadata = deviceApprovalMetadata(request, workflowId);

  it('summarises the approval in one line', () => {
    expect(metadata.staticSummary).toBe(
      'Device approval by SMS token: device 8fbaae45… on account 6dee9d0a… (deadline 15 min)',
    );
    expect(metadata.staticSummary).not.toContain('\n');
  });

  it('details the policy and how to send a token with the temporal CLI', () => {
    expect(metadata.staticDetails).toContain('Wrong tokens allowed: 3; re-sends: 3, at least 1 min apart');
    expect(metadata.staticDetails).toContain(`temporal workflow update execute -w ${workflowId} --name submitToken`);
    expect(metadata.staticDetails).toContain('6dee9d0a-de79-4615-bbd0-d4a13d788268');
  });

  it('prints every temporal command with --codec-endpoint, and the update with --update-id', () => {
    const commands = (text: string) => text.match(/`temporal [^`]+`/g) ?? [];
    const placeholder = commands(metadata.staticDetails);
    expect(placeholder).toHaveLength(2);
    for (const command of placeholder) expect(command).toContain('--codec-endpoint <codec server URL>');
    expect(placeholder[1]).toContain('--update-id submitToken:<request id>');
    expect(metadata.staticDetails).toContain('the same `--update-id` returns the first answer');

    const known = deviceApprovalMetadata(request, workflowId, 'http://127.0.0.1:8888');
    for (const command of commands(known.staticDetails))
      expect(command).toContain('--codec-endpoint http://127.0.0.1:8888');
  });

  it('never contains the CPF', () => {
    expect(`${metadata.staticSummary}\n${metadata.staticDetails}`).not.toContain(CPF);
  });

  it('leaves out token rules for liveness approvals', () => {
    const liveness = deviceApprovalMetadata(
      { ...request, contactType: 'liveness', imageKey: request.sessionId, policy: approvalPolicySchema.parse({}) },
      workflowId,
    );
    expect(liveness.staticSummary).toContain('liveness check');
    expect(liveness.staticDetails).not.toContain('Wrong tokens allowed');
  });
});

describe('identity flow and phone check metadata', () => {
  it('names the request id and the tracking policy', () => {
    const start = identityFlowStartMetadata('order-1001', 'INDIVIDUAL', trackingOptionsSchema.parse({}));
    expect(start.staticSummary).toBe('Start an identity flow (individual) for request order-1001');
    expect(start.staticDetails).toContain('Deadline: 7 days');
    const tracking = identityFlowTrackingMetadata(
      trackIdentityFlowInputSchema.parse({ flowId: '877980873016911184' }),
      'identity-flow/877980873016911184',
    );
    expect(tracking.staticSummary).toContain('877980873016911184');
    expect(tracking.staticDetails).toContain('--type outline');
  });

  it('describes a phone check without any factor', () => {
    const metadata = phoneCheckMetadata('req-7', phoneCheckRetrySchema.parse({}));
    expect(metadata.staticSummary).toBe('Phone three-factor check for request req-7');
    expect(metadata.staticDetails).toContain('up to 8 attempts');
    expect(metadata.staticDetails).not.toMatch(/\d{11}/);
  });
});
