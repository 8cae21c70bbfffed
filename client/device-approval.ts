/**
 * Device two-factor approvals for callers: start (or attach to) the approval of one device, then
 * submit the approver's token, re-send it, cancel, read the state, wait for the end or watch it
 * change. Inputs and update arguments are validated here with the workflow's own schemas, so a
 * bad one fails in the caller's process naming the field; refusals come back as typed errors.
 */
import type { WorkflowHandle } from '@temporalio/client';
import { z } from 'zod';
import {
  APPROVAL_FAILURE,
  DEVICE_APPROVAL_ACCOUNT_KEY,
  DEVICE_APPROVAL_CONTACT_TYPE_KEY,
  DEVICE_APPROVAL_DEADLINE_APPROACHING_KEY,
  DEVICE_APPROVAL_INPUT_LABEL,
  DEVICE_APPROVAL_STATUS_KEY,
  DEVICE_APPROVAL_WORKFLOW_TYPE,
  approvalStateQuery,
  cancelApprovalUpdate,
  cancelArgsSchema,
  deviceApprovalInputSchema,
  deviceApprovalStartOptions,
  deviceApprovalWorkflowId,
  resendTokenArgsSchema,
  resendTokenUpdate,
  submitTokenArgsSchema,
  submitTokenUpdate,
  type CancelResult,
  type ContactType,
  type DeviceApprovalInput,
  type DeviceApprovalState,
  type DeviceApprovalStatus,
  type ResendTokenResult,
  type SubmitTokenResult,
  type TokenContactType,
} from '../contracts/device-approval';
import { uuidV4 } from '../contracts/identifiers';
import { PERSON_LOOKUP_KEY } from '../contracts/person-lookup';
import { InvalidInputError, parseInput } from '../contracts/validation';
import type { deviceApprovalWorkflow } from '../workflows/device-approval';
import type { KycContext } from './context';
import { bulkRequestId, runBulk, type BulkOptions, type BulkSummary } from './bulk';
import { AlreadyFinishedError, UpdateRefusedError } from './errors';
import { closedRunResult, latestExecutionStatus, withKycErrors } from './failures';
import { listExecutions, type ListedExecution } from './listing';
import { updateIdFor, type RequestOptions } from './request-ids';
import { startOrAttach, type StartOutcome } from './starting';
import { deviceApprovalMetadata } from './summaries';
import { personLookupAttributes, personLookupHashes, requireLookupKeys, type PersonNumber } from './person-lookup';
import {
  BUILTIN,
  and,
  equals,
  executionStatus,
  firstStartedBefore,
  oneOf,
  type ExecutionStatusValue,
} from './visibility';
import { watchWorkflow, type WatchOptions } from './watch';

const WORKFLOW_ID_PREFIX = deviceApprovalWorkflowId('a', 'b').slice(0, -'a/b'.length);

export interface DeviceRef {
  accountKey: string;
  deviceKey: string;
}

const deviceKeyPart = uuidV4.transform((value) => value.toLowerCase());
const deviceRefSchema = z.strictObject({ accountKey: deviceKeyPart, deviceKey: deviceKeyPart });

/**
 * Reads how a person names an approval: its workflow id (`device-approval/<account>/<device>`)
 * or just `<account>/<device>`. Throws `InvalidInputError` naming the bad part.
 */
export function parseDeviceRef(text: string): DeviceRef {
  const [accountKey, deviceKey, ...extra] = (
    text.startsWith(WORKFLOW_ID_PREFIX) ? text.slice(WORKFLOW_ID_PREFIX.length) : text
  ).split('/');
  if (deviceKey === undefined || extra.length > 0) {
    throw new InvalidInputError('approval', [
      { field: 'approval', message: 'must be <accountKey>/<deviceKey> or device-approval/<accountKey>/<deviceKey>' },
    ]);
  }
  return parseInput(deviceRefSchema, { accountKey, deviceKey }, 'approval');
}

export interface StartedApproval extends StartOutcome {
  handle: DeviceApprovalHandle;
}

export interface DeviceApprovalListFilter {
  status?: DeviceApprovalStatus;
  accountKey?: string;
  contactType?: ContactType;
  execution?: ExecutionStatusValue;
  /** Only approvals first started more than this long ago (`KycFirstStartedAt`), in milliseconds. */
  olderThanMs?: number;
  /** Only approvals that passed their "deadline approaching" point (`DeviceApprovalDeadlineApproaching`). */
  deadlineApproaching?: boolean;
  /**
   * Only approvals of this approver, found by the keyed hash of the CPF (`KycPersonLookup`), never
   * by the number: from `normalisePersonNumber('cpf', ...)`. Needs the lookup keys the approvals
   * were started with.
   */
  approverCpf?: PersonNumber;
  limit?: number;
  /** Search every task queue, not only the configured one. */
  allTaskQueues?: boolean;
}

export interface DeviceApprovalListItem extends ListedExecution, Partial<DeviceRef> {
  status?: string;
  contactType?: string;
}

export class DeviceApprovalHandle {
  readonly workflowId: string;

  constructor(
    private readonly context: KycContext,
    readonly device: DeviceRef,
  ) {
    this.workflowId = deviceApprovalWorkflowId(device.accountKey, device.deviceKey);
  }

  private get temporal(): WorkflowHandle<typeof deviceApprovalWorkflow> {
    return this.context.client.workflow.getHandle<typeof deviceApprovalWorkflow>(this.workflowId);
  }

  private at(operation: string, update?: string) {
    return { workflowId: this.workflowId, operation, update };
  }

  /**
   * The current state: the `state` query while the approval runs, the result once it ended
   * (which needs no worker).
   */
  async state(): Promise<DeviceApprovalState> {
    const status = await latestExecutionStatus(this.context, this.workflowId);
    if (status !== 'RUNNING') return closedRunResult(status, () => this.result());
    return this.queryState();
  }

  private queryState(): Promise<DeviceApprovalState> {
    const { client, queryTimeoutMs } = this.context;
    return withKycErrors(this.context, this.at('query state'), () =>
      client.connection.withDeadline(Date.now() + queryTimeoutMs, () => this.temporal.query(approvalStateQuery)),
    );
  }

  /** The final state; waits for the approval to end. */
  result(): Promise<DeviceApprovalState> {
    return withKycErrors(this.context, this.at('wait for the result'), () => this.temporal.result());
  }

  /** Sends the approver's token. Refusals (wrong state, deadline passed, bank down) throw `UpdateRefusedError`. */
  async submitToken(token: string, options: RequestOptions = {}): Promise<SubmitTokenResult> {
    const args = parseInput(submitTokenArgsSchema, { token }, 'submitToken');
    return this.update(submitTokenUpdate.name, () =>
      this.temporal.executeUpdate(submitTokenUpdate, {
        args: [args],
        updateId: updateIdFor(submitTokenUpdate.name, options.requestId),
      }),
    );
  }

  /** Asks the bank to send a new token (optionally by another channel). */
  async resendToken(options: RequestOptions & { contactType?: TokenContactType } = {}): Promise<ResendTokenResult> {
    const args = parseInput(
      resendTokenArgsSchema,
      options.contactType === undefined ? {} : { contactType: options.contactType },
      'resendToken',
    );
    return this.update(resendTokenUpdate.name, () =>
      this.temporal.executeUpdate(resendTokenUpdate, {
        args: [args],
        updateId: updateIdFor(resendTokenUpdate.name, options.requestId),
      }),
    );
  }

  /** Cancels the approval; the pending device is disabled (per the run's policy). Keep personal data out of `reason`. */
  async cancel(reason: string, options: RequestOptions = {}): Promise<CancelResult> {
    const args = parseInput(cancelArgsSchema, { reason }, 'cancel');
    return this.update(cancelApprovalUpdate.name, () =>
      this.temporal.executeUpdate(cancelApprovalUpdate, {
        args: [args],
        updateId: updateIdFor(cancelApprovalUpdate.name, options.requestId),
      }),
    );
  }

  private update<T>(name: string, call: () => Promise<T>): Promise<T> {
    return withKycErrors(this.context, this.at(name, name), call);
  }

  /** Every change of state until the approval ends (the last item is the final state). */
  watch(options: WatchOptions = {}): AsyncGenerator<DeviceApprovalState, void, undefined> {
    return watchWorkflow(
      this.context,
      { workflowId: this.workflowId, read: () => this.queryState(), readFinal: () => this.result() },
      options,
    );
  }
}

export class DeviceApprovals {
  constructor(private readonly context: KycContext) {}

  /**
   * Starts the approval of one device, or attaches to the one already running for it. Throws
   * `InvalidInputError` for a bad input, before any call. When this device's approval already
   * completed it is not started again (a new device scan gives a new device key): the outcome
   * says `finished` and the handle reads the final state.
   */
  async start(input: DeviceApprovalInput): Promise<StartedApproval> {
    const { client, config } = this.context;
    const options = deviceApprovalStartOptions(input, config.taskQueue);
    const request = parseInput(deviceApprovalInputSchema, input, DEVICE_APPROVAL_INPUT_LABEL);
    const outcome = await startOrAttach(this.context, options.workflowId, 'start device approval', () =>
      client.workflow.start<typeof deviceApprovalWorkflow>(DEVICE_APPROVAL_WORKFLOW_TYPE, {
        ...options,
        typedSearchAttributes: [
          ...options.typedSearchAttributes,
          ...personLookupAttributes([{ kind: 'cpf', value: request.approverCpf }], this.context.lookupKeys),
        ],
        ...deviceApprovalMetadata(request, options.workflowId, config.codecEndpoint),
      }),
    );
    return { ...outcome, handle: this.get(request) };
  }

  get(device: DeviceRef | string): DeviceApprovalHandle {
    const ref = typeof device === 'string' ? device : `${device.accountKey}/${device.deviceKey}`;
    return new DeviceApprovalHandle(this.context, parseDeviceRef(ref));
  }

  async list(filter: DeviceApprovalListFilter = {}): Promise<DeviceApprovalListItem[]> {
    const accountKey =
      filter.accountKey === undefined ? undefined : parseInput(uuidV4, filter.accountKey, 'accountKey').toLowerCase();
    const query = and(
      equals(BUILTIN.WorkflowType, DEVICE_APPROVAL_WORKFLOW_TYPE),
      filter.status ? equals(DEVICE_APPROVAL_STATUS_KEY, filter.status) : undefined,
      accountKey ? equals(DEVICE_APPROVAL_ACCOUNT_KEY, accountKey) : undefined,
      filter.contactType ? equals(DEVICE_APPROVAL_CONTACT_TYPE_KEY, filter.contactType) : undefined,
      filter.execution ? executionStatus(filter.execution) : undefined,
      filter.olderThanMs === undefined ? undefined : firstStartedBefore(new Date(Date.now() - filter.olderThanMs)),
      filter.deadlineApproaching ? equals(DEVICE_APPROVAL_DEADLINE_APPROACHING_KEY, true) : undefined,
      filter.approverCpf
        ? oneOf(PERSON_LOOKUP_KEY, personLookupHashes([filter.approverCpf], requireLookupKeys(this.context.lookupKeys)))
        : undefined,
      filter.allTaskQueues ? undefined : equals(BUILTIN.TaskQueue, this.context.config.taskQueue),
    );
    const listed = await listExecutions(this.context, query, filter.limit);
    return listed.map(({ execution, info }) => {
      const [accountKey, deviceKey] = execution.workflowId.slice(WORKFLOW_ID_PREFIX.length).split('/');
      return {
        ...execution,
        accountKey,
        deviceKey,
        status: info.typedSearchAttributes.get(DEVICE_APPROVAL_STATUS_KEY),
        contactType: info.typedSearchAttributes.get(DEVICE_APPROVAL_CONTACT_TYPE_KEY),
      };
    });
  }

  /**
   * Cancels each listed approval with the `cancel` update (the device is disabled), one at a time
   * at `options.ratePerSecond`. Each carries `bulkRequestId(workflowId, reason)`, so running the
   * same bulk cancel again does not act twice. Approvals that already ended count as `alreadyEnded`.
   */
  cancelMany(workflowIds: readonly string[], reason: string, options: BulkOptions = {}): Promise<BulkSummary> {
    parseInput(cancelArgsSchema, { reason }, 'cancel');
    return runBulk(
      workflowIds,
      async (workflowId) => {
        try {
          const result = await this.get(workflowId).cancel(reason, { requestId: bulkRequestId(workflowId, reason) });
          return { outcome: 'done', detail: result.deviceDisabled ? 'device disabled' : 'device NOT disabled' };
        } catch (error) {
          if (error instanceof AlreadyFinishedError) return { outcome: 'alreadyEnded', detail: error.status };
          if (error instanceof UpdateRefusedError && error.failureType === APPROVAL_FAILURE.invalidState) {
            return { outcome: 'alreadyEnded', detail: error.reason };
          }
          throw error;
        }
      },
      options,
    );
  }

  /** Approvals that sit waiting for the approver's token, oldest first. */
  async waitingForToken(filter: Omit<DeviceApprovalListFilter, 'status' | 'execution'> = {}) {
    const found = await this.list({ ...filter, status: 'WAITING_FOR_TOKEN', execution: 'Running' });
    return found.sort((a, b) => a.startTime.getTime() - b.startTime.getTime());
  }
}
