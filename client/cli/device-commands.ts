/** `kyc device start|token|resend|cancel|status|list|watch`: device two-factor approvals. */
import { Command, Option } from 'commander';
import {
  CONTACT_TYPES,
  DEVICE_APPROVAL_INPUT_LABEL,
  DEVICE_APPROVAL_STATUSES,
  deviceApprovalInputSchema,
  deviceApprovalWorkflowId,
  submitTokenArgsSchema,
  type DeviceApprovalState,
  type DeviceApprovalStatus,
  type ContactType,
} from '../../contracts/device-approval';
import { InvalidInputError, parseInput } from '../../contracts/validation';
import { requireSomeInput } from './input-file';
import { parseDeviceRef, type DeviceApprovalHandle } from '../device-approval';
import { readAfterStart } from '../starting';
import type { CliContext, CliSession } from './context';
import { parseCount, parseDuration, parsePercent } from './durations';
import { liveMode, showLive } from './live';
import {
  approvalLine,
  renderApprovalList,
  bulkProgressLine,
  renderApprovalState,
  renderBulkPlan,
  renderBulkSummary,
  renderCancelResult,
  renderResendResult,
  renderStart,
  renderTokenResult,
} from './render';
import { interruptSignal, throwIfInterrupted } from './signals';
import { awaitWorkflow } from './waiting';

const APPROVAL_ARGUMENT = ['<approval>', 'the approval: <accountKey>/<deviceKey> or its workflow id'] as const;
const REQUEST_ID_HELP = 'your id for this request; repeat it on a retry and the server runs the update only once';

interface StartOptions {
  accountKey?: string;
  deviceKey?: string;
  sessionId?: string;
  approverCpf?: string;
  contactType?: string;
  imageKey?: string;
  deadline?: number;
  maxAttempts?: number;
  maxResends?: number;
  resendCooldown?: number;
  remindAfter?: number;
  deadlineWarning?: number;
  inputFile?: string;
  wait: boolean;
}

/** The flags that carry the input's own fields (the policy flags alone are no input). */
const START_INPUT_FLAGS = [
  'accountKey',
  'deviceKey',
  'sessionId',
  'approverCpf',
  'contactType',
  'imageKey',
] as const satisfies readonly (keyof StartOptions)[];

/** The workflow input from `--input-file` (if any) with the flags laid over it; zod checks it later. */
function startInput(context: CliContext, options: StartOptions): Record<string, unknown> {
  const fromFile = options.inputFile === undefined ? {} : context.readJsonFile(options.inputFile);
  const base = typeof fromFile === 'object' && fromFile !== null ? (fromFile as Record<string, unknown>) : {};
  const defined = (entries: Record<string, unknown>) =>
    Object.fromEntries(Object.entries(entries).filter(([, value]) => value !== undefined));
  const basePolicy = typeof base.policy === 'object' && base.policy !== null ? base.policy : {};
  const policy = {
    ...basePolicy,
    ...defined({
      approvalDeadlineMs: options.deadline,
      maxTokenAttempts: options.maxAttempts,
      maxResends: options.maxResends,
      resendCooldownMs: options.resendCooldown,
      remindAfterMs: options.remindAfter,
      deadlineWarningPercent: options.deadlineWarning,
    }),
  };
  return {
    ...base,
    ...defined({
      accountKey: options.accountKey,
      deviceKey: options.deviceKey,
      sessionId: options.sessionId,
      approverCpf: options.approverCpf,
      contactType: options.contactType,
      imageKey: options.imageKey,
    }),
    policy,
  };
}

/** Follows the new approval until the bank has answered the creation (it leaves CREATING). */
async function settled(handle: DeviceApprovalHandle): Promise<DeviceApprovalState> {
  let latest: DeviceApprovalState | undefined;
  for await (const state of handle.watch()) {
    latest = state;
    if (state.status !== 'CREATING') break;
  }
  return latest ?? handle.state();
}

interface BulkCancelOptions {
  reason: string;
  requestId?: string;
  accountKey?: string;
  waiting?: boolean;
  status?: DeviceApprovalStatus;
  olderThan?: number;
  limit: number;
  rate: number;
  yes?: boolean;
}

/** `kyc device cancel --reason r <filters> [--yes]`: lists the matches, and cancels them with --yes. */
async function bulkCancel(context: CliContext, options: BulkCancelOptions): Promise<void> {
  if (options.requestId !== undefined) {
    throw new InvalidInputError('--request-id', [
      { field: 'request-id', message: 'is for one approval; a bulk cancel derives one per approval' },
    ]);
  }
  if (!options.accountKey && !options.waiting && !options.status && options.olderThan === undefined) {
    throw new InvalidInputError('cancel', [
      {
        field: 'approval',
        message: 'name an approval, or filter with --account-key, --waiting, --status or --older-than',
      },
    ]);
  }
  if (options.rate < 1) throw new InvalidInputError('--rate', [{ field: 'rate', message: 'must be at least 1' }]);
  const approvals = (await context.kyc()).deviceApprovals;
  const matches = await approvals.list({
    accountKey: options.accountKey,
    status: options.waiting ? 'WAITING_FOR_TOKEN' : options.status,
    execution: 'Running',
    olderThanMs: options.olderThan,
    limit: options.limit,
  });
  const ids = matches.map((item) => item.workflowId);
  if (!options.yes) {
    context.print(renderBulkPlan('cancel', ids), { dryRun: true, count: ids.length, workflowIds: ids });
    return;
  }
  const summary = await approvals.cancelMany(ids, options.reason, {
    ratePerSecond: options.rate,
    onProgress: (progress, last) => context.io.stderr.write(`${bulkProgressLine(progress, last)}\n`),
  });
  context.print(renderBulkSummary('cancelled', summary), summary);
}

export function deviceCommand(session: CliSession): Command {
  const device = new Command('device').description('device two-factor approvals (bank device API)');

  device
    .command('start')
    .description('start the approval of a new device, or attach to the one already running for it')
    .option('--account-key <uuid>', 'the account the device is added to')
    .option('--device-key <uuid>', 'the device key from the device scan')
    .option('--session-id <uuid>', 'the session id from the device scan')
    .option(
      '--approver-cpf <cpf>',
      "the approver's CPF (sent to the bank only; prefer --input-file to keep it off the command line)",
    )
    .addOption(new Option('--contact-type <type>', 'how the approver is reached').choices(CONTACT_TYPES))
    .option('--image-key <uuid>', 'the face image key (liveness only)')
    .option('--deadline <duration>', 'time the approver has to type the token, e.g. 15m', parseDuration)
    .option('--max-attempts <n>', 'wrong tokens allowed before the approval is LOCKED', parseCount)
    .option('--max-resends <n>', 'token re-sends allowed', parseCount)
    .option('--resend-cooldown <duration>', 'minimum time between two tokens, e.g. 60s', parseDuration)
    .option(
      '--remind-after <duration>',
      'reminders: re-send the token by itself when none was typed this long after the last one was sent, e.g. 4h (uses the re-sends, waits out the cool-down; off by default)',
      parseDuration,
    )
    .option(
      '--deadline-warning <percent>',
      'mark the approval "deadline approaching" at this share of the deadline, e.g. 80% (off by default)',
      parsePercent,
    )
    .option('--input-file <path>', "the workflow input as JSON ('-' reads standard input); flags override it")
    .option('--no-wait', 'return at once instead of waiting for the bank to answer the creation')
    .addHelpText(
      'after',
      '\nExample:\n  kyc device start --account-key <uuid> --device-key <uuid> --session-id <uuid> --contact-type sms --input-file approver.json',
    )
    .action(async (options: StartOptions, command: Command) => {
      requireSomeInput(
        command,
        options.inputFile !== undefined || START_INPUT_FLAGS.some((key) => options[key] !== undefined),
        DEVICE_APPROVAL_INPUT_LABEL,
        '--account-key, --device-key, --session-id, --approver-cpf and --contact-type (and --image-key for liveness)',
      );
      const context = session.context(command);
      const input = parseInput(deviceApprovalInputSchema, startInput(context, options), DEVICE_APPROVAL_INPUT_LABEL);
      const kyc = await context.kyc();
      const workflowId = deviceApprovalWorkflowId(input.accountKey, input.deviceKey);
      const { outcome, state } = await awaitWorkflow(
        context,
        kyc,
        { workflowId, flow: 'device approval', followCommand: `kyc device watch ${workflowId}` },
        async () => {
          const outcome = await kyc.deviceApprovals.start(input);
          // The approval exists now: a failed read of its state must not look like a failed start.
          const state = await readAfterStart(
            {
              workflowId: outcome.workflowId,
              started: outcome.started,
              flow: 'device approval',
              operation: 'start device approval',
              statusCommand: `kyc device status ${outcome.workflowId}`,
            },
            () => (options.wait && !outcome.finished ? settled(outcome.handle) : outcome.handle.state()),
          );
          return { outcome, state };
        },
      );
      const { handle: _handle, ...summary } = outcome;
      context.print(`${renderStart('device approval', outcome)}\n${renderApprovalState(outcome.workflowId, state)}`, {
        ...summary,
        state,
      });
    });

  device
    .command('token')
    .description("submit the approver's token")
    .argument(...APPROVAL_ARGUMENT)
    .argument('<token>', 'the 6-character token the approver received (never printed)')
    .option('--request-id <id>', REQUEST_ID_HELP)
    .action(async (approval: string, token: string, options: { requestId?: string }, command: Command) => {
      const context = session.context(command);
      parseDeviceRef(approval);
      parseInput(submitTokenArgsSchema, { token }, 'submitToken');
      const handle = (await context.kyc()).deviceApprovals.get(approval);
      const result = await handle.submitToken(token, { requestId: options.requestId });
      context.print(renderTokenResult(result), { workflowId: handle.workflowId, ...result });
    });

  device
    .command('resend')
    .description('ask the bank to send the approver a new token')
    .argument(...APPROVAL_ARGUMENT)
    .addOption(new Option('--via <channel>', 'send it by another channel').choices(['sms', 'email']))
    .option('--request-id <id>', REQUEST_ID_HELP)
    .action(async (approval: string, options: { via?: 'sms' | 'email'; requestId?: string }, command: Command) => {
      const context = session.context(command);
      parseDeviceRef(approval);
      const handle = (await context.kyc()).deviceApprovals.get(approval);
      const result = await handle.resendToken({ contactType: options.via, requestId: options.requestId });
      context.print(renderResendResult(result), { workflowId: handle.workflowId, ...result });
    });

  device
    .command('cancel')
    .description(
      'cancel one approval, or every running approval a filter matches (dry run unless --yes); the pending devices are disabled',
    )
    .argument('[approval]', `${APPROVAL_ARGUMENT[1]}; omit it to cancel by filter`)
    .requiredOption('--reason <text>', 'why (shown in the history: no personal data)')
    .option('--request-id <id>', REQUEST_ID_HELP)
    .option('--account-key <uuid>', 'bulk: approvals of this account')
    .option('--waiting', 'bulk: approvals waiting for a token')
    .addOption(new Option('--status <status>', 'bulk: approvals in this status').choices(DEVICE_APPROVAL_STATUSES))
    .option('--older-than <duration>', 'bulk: approvals first started longer ago than this, e.g. 2h', parseDuration)
    .option('--limit <n>', 'bulk: at most this many', parseCount, 1000)
    .option('--rate <n>', 'bulk: cancels per second at most (each disables a device at the bank)', parseCount, 5)
    .option('--yes', 'bulk: do it (without it, only list what would be cancelled)')
    .action(async (approval: string | undefined, options: BulkCancelOptions, command: Command) => {
      const context = session.context(command);
      if (approval !== undefined) {
        parseDeviceRef(approval);
        const handle = (await context.kyc()).deviceApprovals.get(approval);
        const result = await handle.cancel(options.reason, { requestId: options.requestId });
        context.print(renderCancelResult(result), { workflowId: handle.workflowId, ...result });
        return;
      }
      await bulkCancel(context, options);
    });

  device
    .command('status')
    .description('show the state of an approval')
    .argument(...APPROVAL_ARGUMENT)
    .action(async (approval: string, _options: unknown, command: Command) => {
      const context = session.context(command);
      parseDeviceRef(approval);
      const handle = (await context.kyc()).deviceApprovals.get(approval);
      const state = await handle.state();
      context.print(renderApprovalState(handle.workflowId, state), { workflowId: handle.workflowId, state });
    });

  device
    .command('list')
    .description('list approvals by status, account or contact type (newest started first)')
    .addOption(new Option('--status <status>', 'only approvals in this status').choices(DEVICE_APPROVAL_STATUSES))
    .option('--waiting', 'only running approvals waiting for a token (same as --status WAITING_FOR_TOKEN --running)')
    .option('--running', 'only approvals whose workflow is still running')
    .option('--account-key <uuid>', 'only this account')
    .addOption(new Option('--contact-type <type>', 'only this contact type').choices(CONTACT_TYPES))
    .option('--older-than <duration>', 'only approvals first started longer ago than this, e.g. 2h', parseDuration)
    .option('--deadline-approaching', 'only approvals past their "deadline approaching" point (--deadline-warning)')
    .option(
      '--approver-cpf-file <path>',
      "only approvals of the approver whose CPF is in this file ('-': standard input); found by its keyed hash (KYC_LOOKUP_KEYS), never printed",
    )
    .option('--limit <n>', 'at most this many', parseCount, 50)
    .option('--all-task-queues', 'include approvals of every task queue, not only KYC_TASK_QUEUE')
    .action(
      async (
        options: {
          status?: DeviceApprovalStatus;
          waiting?: boolean;
          running?: boolean;
          accountKey?: string;
          contactType?: ContactType;
          olderThan?: number;
          deadlineApproaching?: boolean;
          approverCpfFile?: string;
          limit: number;
          allTaskQueues?: boolean;
        },
        command: Command,
      ) => {
        const context = session.context(command);
        const approverCpf =
          options.approverCpfFile === undefined
            ? undefined
            : context.readPersonNumber('cpf', options.approverCpfFile, 'approver-cpf-file');
        const items = await (
          await context.kyc()
        ).deviceApprovals.list({
          approverCpf,
          status: options.waiting ? 'WAITING_FOR_TOKEN' : options.status,
          execution: options.waiting || options.running ? 'Running' : undefined,
          accountKey: options.accountKey,
          contactType: options.contactType,
          olderThanMs: options.olderThan,
          deadlineApproaching: options.deadlineApproaching,
          limit: options.limit,
          allTaskQueues: options.allTaskQueues,
        });
        context.print(renderApprovalList(items), items);
      },
    );

  device
    .command('watch')
    .description('follow an approval live until it ends')
    .argument(...APPROVAL_ARGUMENT)
    .action(async (approval: string, _options: unknown, command: Command) => {
      const context = session.context(command);
      parseDeviceRef(approval);
      const handle = (await context.kyc()).deviceApprovals.get(approval);
      const signal = interruptSignal();
      await showLive(
        handle.watch({ signal }),
        {
          line: (state, now) => approvalLine(state, now),
          block: (state, now) => renderApprovalState(handle.workflowId, state, now),
        },
        session.io.stdout,
        liveMode(session.io.stdout, context.json),
      );
      throwIfInterrupted(signal);
    });

  return device;
}
