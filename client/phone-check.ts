/**
 * The phone three-factor check for callers: validate the factors here (a bad one fails in the
 * caller's process, naming the field, before anything reaches Temporal or the gateway), start or
 * attach to the check named by the caller's request id, and return its typed result. A check that
 * already completed is never started again: its stored result is returned, so a billed answer is
 * never bought twice.
 */
import type { WorkflowHandle } from '@temporalio/client';
import {
  PHONE_CHECK_ID_CONFLICT_POLICY,
  PHONE_CHECK_ID_REUSE_POLICY,
  PHONE_CHECK_OUTCOMES,
  PHONE_CHECK_WORKFLOW_TYPE,
  PhoneCheckOutcomeKey,
  phoneCheckInputSchema,
  phoneCheckWorkflowId,
  type PhoneCheckInput,
  type PhoneCheckOutcomeAttribute,
  type PhoneCheckWorkflowResult,
} from '../contracts/phone-check';
import { firstStartedAtAttribute } from '../contracts/first-started-at';
import { parseInput } from '../contracts/validation';
import type { phoneCheckWorkflow } from '../workflows/phone-check';
import type { KycContext } from './context';
import { closedRunResult, latestExecutionStatus, withKycErrors } from './failures';
import { listExecutions, type ListedExecution } from './listing';
import { parseRequestId } from './request-ids';
import { readAfterStart, startOrAttach, type StartOutcome } from './starting';
import { phoneCheckMetadata } from './summaries';
import { BUILTIN, and, equals, type ExecutionStatusValue, executionStatus, oneOf } from './visibility';
import { personLookupAttributes, personLookupHashes, requireLookupKeys, type PersonNumber } from './person-lookup';
import { PERSON_LOOKUP_KEY } from '../contracts/person-lookup';

export const PHONE_CHECK_OUTCOME_VALUES: readonly PhoneCheckOutcomeAttribute[] = [
  ...PHONE_CHECK_OUTCOMES,
  'INPUT_REJECTED',
  'CANCELLED',
  'FAILED',
];

export interface PhoneCheckRun {
  workflowId: string;
  /** False when an earlier request with the same id had already started (or finished) the check. */
  started: boolean;
  result: PhoneCheckWorkflowResult;
}

export interface PhoneCheckStatus {
  workflowId: string;
  /** Temporal's execution status of the latest run: RUNNING or COMPLETED. */
  execution: string;
  /** Present once the check completed. */
  result?: PhoneCheckWorkflowResult;
}

export interface PhoneCheckListFilter {
  outcome?: PhoneCheckOutcomeAttribute;
  /**
   * Only checks of this phone number or resident ID number, found by its keyed hash
   * (`KycPersonLookup`), never by the number: from `normalisePersonNumber`. Needs the lookup keys
   * the checks were started with.
   */
  person?: PersonNumber;
  execution?: ExecutionStatusValue;
  limit?: number;
  /** Search every task queue, not only the configured one. */
  allTaskQueues?: boolean;
}

export interface PhoneCheckListItem extends ListedExecution {
  requestId: string;
  outcome?: string;
}

export class PhoneChecks {
  constructor(private readonly context: KycContext) {}

  /** Starts the check (or attaches to it) without waiting for the answer. */
  async start(input: PhoneCheckInput, requestId: string): Promise<StartOutcome> {
    const parsed = parseInput(phoneCheckInputSchema, input, 'phone check input');
    const id = parseRequestId(requestId, 'phone check');
    const workflowId = phoneCheckWorkflowId(id);
    const { client, config } = this.context;
    return startOrAttach(this.context, workflowId, 'start phone check', () =>
      client.workflow.start<typeof phoneCheckWorkflow>(PHONE_CHECK_WORKFLOW_TYPE, {
        workflowId,
        taskQueue: config.taskQueue,
        args: [parsed],
        workflowIdConflictPolicy: PHONE_CHECK_ID_CONFLICT_POLICY,
        workflowIdReusePolicy: PHONE_CHECK_ID_REUSE_POLICY,
        typedSearchAttributes: [
          firstStartedAtAttribute(new Date()),
          ...personLookupAttributes(
            [
              { kind: 'phone', value: parsed.phone },
              { kind: 'residentId', value: parsed.idCard },
            ],
            this.context.lookupKeys,
          ),
        ],
        ...phoneCheckMetadata(id, parsed.retry),
      }),
    );
  }

  /** Runs the check to its typed result (or attaches to the one already made under this request id). */
  async run(input: PhoneCheckInput, requestId: string): Promise<PhoneCheckRun> {
    const { workflowId, started } = await this.start(input, requestId);
    // The check was started (and may be billed): a failed read must not look like a failed start.
    const result = await readAfterStart(
      {
        workflowId,
        started,
        flow: 'phone check',
        operation: 'start phone check',
        statusCommand: `kyc phone status ${requestId}`,
      },
      () => this.result(requestId),
    );
    return { workflowId, started, result };
  }

  /** The result of the check made under this request id; throws `FlowFailedError` when it failed. */
  async result(requestId: string): Promise<PhoneCheckWorkflowResult> {
    const workflowId = phoneCheckWorkflowId(requestId);
    return withKycErrors(this.context, { workflowId, operation: 'phone check result' }, () =>
      this.handle(workflowId).result(),
    );
  }

  /**
   * Where the check made under this request id stands, without waiting: `RUNNING` (no result yet),
   * or its close status with the result; a check that failed, was terminated, cancelled or timed
   * out throws `FlowFailedError` with that status.
   */
  async status(requestId: string): Promise<PhoneCheckStatus> {
    const workflowId = phoneCheckWorkflowId(parseRequestId(requestId, 'phone check'));
    const execution = await latestExecutionStatus(this.context, workflowId);
    if (execution === 'RUNNING') return { workflowId, execution };
    return { workflowId, execution, result: await closedRunResult(execution, () => this.result(requestId)) };
  }

  async list(filter: PhoneCheckListFilter = {}): Promise<PhoneCheckListItem[]> {
    const query = and(
      equals(BUILTIN.WorkflowType, PHONE_CHECK_WORKFLOW_TYPE),
      filter.outcome ? equals(PhoneCheckOutcomeKey, filter.outcome) : undefined,
      filter.person
        ? oneOf(PERSON_LOOKUP_KEY, personLookupHashes([filter.person], requireLookupKeys(this.context.lookupKeys)))
        : undefined,
      filter.execution ? executionStatus(filter.execution) : undefined,
      filter.allTaskQueues ? undefined : equals(BUILTIN.TaskQueue, this.context.config.taskQueue),
    );
    const listed = await listExecutions(this.context, query, filter.limit);
    return listed.map(({ execution, info }) => ({
      ...execution,
      requestId: execution.workflowId.replace(/^phone-check\//, ''),
      outcome: info.typedSearchAttributes.get(PhoneCheckOutcomeKey),
    }));
  }

  private handle(workflowId: string): WorkflowHandle<typeof phoneCheckWorkflow> {
    return this.context.client.workflow.getHandle<typeof phoneCheckWorkflow>(workflowId);
  }
}
