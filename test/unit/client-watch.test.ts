/** The pieces of `watch` that decide when a run ends and when a state is news. */
import { DEVICE_APPROVAL_WORKFLOW_TYPE } from '../../contracts/device-approval';
import { PHONE_CHECK_WORKFLOW_TYPE } from '../../contracts/phone-check';
import { IDENTITY_FLOW_STARTER_WORKFLOW_TYPE, IDENTITY_FLOW_WORKFLOW_TYPE } from '../../client/identity-flow';
import { ChangeFilter, closingOf } from '../../client/watch';
import {
  deviceApprovalWorkflow,
  identityFlowStarterWorkflow,
  identityFlowWorkflow,
  phoneCheckWorkflow,
} from '../../workflows';

describe('closingOf', () => {
  it('follows a continue-as-new to the next run', () => {
    expect(closingOf({ workflowExecutionContinuedAsNewEventAttributes: { newExecutionRunId: 'run-2' } })).toEqual({
      closes: true,
      nextRunId: 'run-2',
    });
  });

  it('ends on completion, failure, timeout, cancel and termination', () => {
    expect(closingOf({ workflowExecutionCompletedEventAttributes: {} })).toEqual({
      closes: true,
      nextRunId: undefined,
    });
    expect(closingOf({ workflowExecutionFailedEventAttributes: { newExecutionRunId: '' } })).toEqual({
      closes: true,
      nextRunId: undefined,
    });
    expect(closingOf({ workflowExecutionTimedOutEventAttributes: {} }).closes).toBe(true);
    expect(closingOf({ workflowExecutionCanceledEventAttributes: {} })).toEqual({ closes: true });
    expect(closingOf({ workflowExecutionTerminatedEventAttributes: {} })).toEqual({ closes: true });
  });

  it('follows a retry run named by a failure', () => {
    expect(closingOf({ workflowExecutionFailedEventAttributes: { newExecutionRunId: 'run-3' } }).nextRunId).toBe(
      'run-3',
    );
  });

  it('does not end on any other event', () => {
    expect(closingOf({ workflowTaskCompletedEventAttributes: {} })).toEqual({ closes: false });
    expect(closingOf({ upsertWorkflowSearchAttributesEventAttributes: {} })).toEqual({ closes: false });
  });
});

describe('ChangeFilter', () => {
  it('lets a state through only when it differs from the previous one', () => {
    const filter = new ChangeFilter<{ status: string; attempts: number }>();
    expect(filter.changed({ status: 'WAITING', attempts: 3 })).toBe(true);
    expect(filter.changed({ status: 'WAITING', attempts: 3 })).toBe(false);
    expect(filter.changed({ status: 'WAITING', attempts: 2 })).toBe(true);
    expect(filter.changed({ status: 'WAITING', attempts: 3 })).toBe(true);
  });
});

describe('workflow type names', () => {
  it('match the functions the worker registers', () => {
    expect(deviceApprovalWorkflow.name).toBe(DEVICE_APPROVAL_WORKFLOW_TYPE);
    expect(phoneCheckWorkflow.name).toBe(PHONE_CHECK_WORKFLOW_TYPE);
    expect(identityFlowWorkflow.name).toBe(IDENTITY_FLOW_WORKFLOW_TYPE);
    expect(identityFlowStarterWorkflow.name).toBe(IDENTITY_FLOW_STARTER_WORKFLOW_TYPE);
  });
});
