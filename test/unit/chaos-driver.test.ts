/**
 * The chaos driver's scripted approval updates (chaos/drivers.ts `whenApplicable`): a refusal that
 * says "not yet" is waited out and sent again under a fresh request id, an approval that already
 * ended stops the script with the reason recorded, and any other refusal is thrown. The approval
 * here is a stand-in whose state moves as a real one does (CREATING, then WAITING_FOR_TOKEN).
 */
import { UpdateRefusedError, type DeviceApprovalHandle } from '../../client';
import type { DeviceApprovalState, DeviceApprovalStatus } from '../../contracts/device-approval';
import { whenApplicable } from '../../chaos/drivers';

const WORKFLOW_ID = 'device-approval/account/device';

function approval(statuses: DeviceApprovalStatus[]): DeviceApprovalHandle {
  let reads = 0;
  return {
    workflowId: WORKFLOW_ID,
    // Each read moves one step on; the last status stays.
    state: () => Promise.resolve({ status: statuses[Math.min(reads++, statuses.length - 1)] } as DeviceApprovalState),
  } as unknown as DeviceApprovalHandle;
}

const refused = (failureType: string, reason: string) =>
  new UpdateRefusedError(WORKFLOW_ID, 'resendToken', failureType, reason);

function requestIds() {
  let next = 0;
  return () => `request-${++next}`;
}

it('a re-send refused while the approval is CREATING is sent again, under a new request id, once it has left CREATING', async () => {
  const problems: string[] = [];
  const sent: string[] = [];
  const answer = await whenApplicable(
    approval(['CREATING', 'CREATING', 'WAITING_FOR_TOKEN']),
    problems,
    'resendToken',
    requestIds(),
    (requestId) => {
      sent.push(requestId);
      return sent.length === 1
        ? Promise.reject(refused('InvalidState', 'the approval is CREATING, not WAITING_FOR_TOKEN'))
        : Promise.resolve({ outcome: 'sent' });
    },
  );
  expect(answer).toEqual({ outcome: 'sent' });
  expect(sent).toEqual(['request-1', 'request-2']);
  expect(problems).toEqual(['resendToken: refused while the approval was CREATING, sent again']);
});

it('an update refused because the approval already ended stops the script, with the reason recorded', async () => {
  const problems: string[] = [];
  const answer = await whenApplicable(approval(['REJECTED']), problems, 'cancel', requestIds(), () =>
    Promise.reject(refused('InvalidState', 'the approval already ended as REJECTED')),
  );
  expect(answer).toBeUndefined();
  expect(problems).toEqual(['cancel: not applied, the approval had already ended as REJECTED']);
});

it('any other refusal is thrown, not waited out', async () => {
  await expect(
    whenApplicable(approval(['WAITING_FOR_TOKEN']), [], 'resendToken', requestIds(), () =>
      Promise.reject(refused('ResendLimitReached', 'no token re-sends left')),
    ),
  ).rejects.toThrow(/ResendLimitReached/);
});
