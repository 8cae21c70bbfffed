/** `kyc identity start|track|status|stop|watch|list`: identity-verification flows (e-signature platform). */
import { Command, Option } from 'commander';
import { identityFlowStarterWorkflowId, trackIdentityFlowInputSchema } from '../../contracts/identity-flow';
import { InvalidInputError, parseInput } from '../../contracts/validation';
import {
  IDENTITY_FLOW_STATUS_VALUES,
  parseFlowRef,
  parseIdentityStart,
  type IdentityFlowStatusValue,
} from '../identity-flow';
import type { CliSession } from './context';
import { parseCount, parseDuration } from './durations';
import { liveMode, showLive } from './live';
import {
  bulkProgressLine,
  identityLine,
  renderBulkPlan,
  renderBulkSummary,
  renderIdentityList,
  renderIdentityStart,
  renderIdentityView,
  renderStart,
  renderStopOutcome,
} from './render';
import { interruptSignal, throwIfInterrupted } from './signals';
import { awaitWorkflow } from './waiting';

const FLOW_ARGUMENT = ['<flow>', 'the provider flow id, or the tracking workflow id identity-flow/<flowId>'] as const;

interface TrackingFlags {
  deadline?: number;
  pollInterval?: number;
  maxPollInterval?: number;
}

function withTrackingFlags(command: Command): Command {
  return command
    .option('--deadline <duration>', 'give up (EXPIRED) after this long, e.g. 7d', parseDuration)
    .option('--poll-interval <duration>', 'first interval between provider reads, e.g. 5s', parseDuration)
    .option('--max-poll-interval <duration>', 'longest interval while nothing changes, e.g. 5m', parseDuration);
}

/** Only the flags that were given, so the workflow's own defaults fill in the rest. */
function trackingOptions(flags: TrackingFlags): Record<string, unknown> {
  const polling: Record<string, number> = {};
  if (flags.pollInterval !== undefined) polling.initialIntervalMs = flags.pollInterval;
  if (flags.maxPollInterval !== undefined) polling.maxIntervalMs = flags.maxPollInterval;
  return {
    ...(flags.deadline === undefined ? {} : { deadlineMs: flags.deadline }),
    ...(Object.keys(polling).length ? { polling } : {}),
  };
}

export function identityCommand(session: CliSession): Command {
  const identity = new Command('identity').description('identity-verification flows (e-signature platform)');

  withTrackingFlags(
    identity
      .command('start')
      .description(
        "start a new verification flow for your request id and print the user's link; a repeated request attaches",
      )
      .requiredOption('--context-id <id>', 'your opaque request id (never a name, document or phone number)')
      .addOption(
        new Option('--object-type <type>', 'who is verified')
          .choices(['INDIVIDUAL', 'ORGANIZATION'])
          .default('INDIVIDUAL'),
      )
      .option('--redirect-url <url>', 'where the provider sends the user afterwards'),
  ).action(
    async (
      options: TrackingFlags & { contextId: string; objectType: 'INDIVIDUAL' | 'ORGANIZATION'; redirectUrl?: string },
      command: Command,
    ) => {
      const context = session.context(command);
      const input = parseIdentityStart({
        contextId: options.contextId,
        objectType: options.objectType,
        ...(options.redirectUrl === undefined ? {} : { redirectUrl: options.redirectUrl }),
        ...trackingOptions(options),
      });
      const kyc = await context.kyc();
      const started = await awaitWorkflow(
        context,
        kyc,
        {
          workflowId: identityFlowStarterWorkflowId(input.contextId),
          flow: 'identity flow start',
          // A repeated start attaches and prints the flow and the user's link.
          followCommand: `kyc identity start --context-id ${input.contextId}`,
        },
        () => kyc.identityFlows.start(input),
      );
      const { handle: _handle, ...summary } = started;
      context.print(renderIdentityStart(started, started.flow), summary);
    },
  );

  withTrackingFlags(
    identity
      .command('track')
      .description('track a flow started elsewhere until it ends; attaches when it is already tracked')
      .argument(...FLOW_ARGUMENT),
  ).action(async (flow: string, options: TrackingFlags, command: Command) => {
    const context = session.context(command);
    const input = parseInput(
      trackIdentityFlowInputSchema,
      { flowId: parseFlowRef(flow), ...trackingOptions(options) },
      'identity flow input',
    );
    const outcome = await (await context.kyc()).identityFlows.track(input);
    const { handle: _handle, ...summary } = outcome;
    context.print(renderStart('identity-flow tracking', outcome), summary);
  });

  identity
    .command('status')
    .description('show the latest outline of a flow; a closed flow shows its result, or fails (exit 6) as it ended')
    .argument(...FLOW_ARGUMENT)
    .action(async (flow: string, _options: unknown, command: Command) => {
      const context = session.context(command);
      parseFlowRef(flow);
      const handle = (await context.kyc()).identityFlows.get(flow);
      const view = await handle.status();
      context.print(renderIdentityView(handle.workflowId, view), { workflowId: handle.workflowId, view });
    });

  identity
    .command('stop')
    .description(
      'stop tracking a flow, or every tracked flow a filter matches (dry run unless --yes): workflow cancellation, the provider flow is untouched',
    )
    .argument('[flow]', `${FLOW_ARGUMENT[1]}; omit it to stop by filter`)
    .addOption(new Option('--status <status...>', 'bulk: flows in these statuses').choices(IDENTITY_FLOW_STATUS_VALUES))
    .option('--older-than <duration>', 'bulk: flows first started longer ago than this, e.g. 2d', parseDuration)
    .option('--limit <n>', 'bulk: at most this many', parseCount, 1000)
    .option('--rate <n>', 'bulk: stops per second at most', parseCount, 5)
    .option('--yes', 'bulk: do it (without it, only list what would be stopped)')
    .action(
      async (
        flow: string | undefined,
        options: { status?: IdentityFlowStatusValue[]; olderThan?: number; limit: number; rate: number; yes?: boolean },
        command: Command,
      ) => {
        const context = session.context(command);
        const flows = (await context.kyc()).identityFlows;
        if (flow !== undefined) {
          parseFlowRef(flow);
          const result = await flows.get(flow).stop();
          context.print(renderStopOutcome(result), result);
          return;
        }
        if (!options.status && options.olderThan === undefined) {
          throw new InvalidInputError('stop', [
            { field: 'flow', message: 'name a flow, or filter with --status or --older-than' },
          ]);
        }
        if (options.rate < 1) throw new InvalidInputError('--rate', [{ field: 'rate', message: 'must be at least 1' }]);
        const matches = await flows.list({
          status: options.status,
          olderThanMs: options.olderThan,
          execution: 'Running',
          limit: options.limit,
        });
        const ids = matches.map((item) => item.workflowId);
        if (!options.yes) {
          context.print(renderBulkPlan('stop', ids), { dryRun: true, count: ids.length, workflowIds: ids });
          return;
        }
        const summary = await flows.stopMany(ids, {
          ratePerSecond: options.rate,
          onProgress: (progress, last) => context.io.stderr.write(`${bulkProgressLine(progress, last)}\n`),
        });
        context.print(renderBulkSummary('stopped', summary), summary);
      },
    );

  identity
    .command('watch')
    .description('follow a flow live until it ends')
    .argument(...FLOW_ARGUMENT)
    .action(async (flow: string, _options: unknown, command: Command) => {
      const context = session.context(command);
      parseFlowRef(flow);
      const handle = (await context.kyc()).identityFlows.get(flow);
      const signal = interruptSignal();
      await showLive(
        handle.watch({ signal }),
        { line: (view) => identityLine(view), block: (view, now) => renderIdentityView(handle.workflowId, view, now) },
        session.io.stdout,
        liveMode(session.io.stdout, context.json),
      );
      throwIfInterrupted(signal);
    });

  identity
    .command('list')
    .description('list tracked flows by status and age (newest started first)')
    .addOption(new Option('--status <status...>', 'only flows in these statuses').choices(IDENTITY_FLOW_STATUS_VALUES))
    .option('--in-progress', 'only flows still being tracked')
    .option('--older-than <duration>', 'only flows whose tracking started longer ago than this, e.g. 2h', parseDuration)
    .option('--limit <n>', 'at most this many', parseCount, 50)
    .option('--all-task-queues', 'include flows of every task queue, not only KYC_TASK_QUEUE')
    .action(
      async (
        options: {
          status?: IdentityFlowStatusValue[];
          inProgress?: boolean;
          olderThan?: number;
          limit: number;
          allTaskQueues?: boolean;
        },
        command: Command,
      ) => {
        const context = session.context(command);
        const items = await (
          await context.kyc()
        ).identityFlows.list({
          status: options.status,
          execution: options.inProgress ? 'Running' : undefined,
          olderThanMs: options.olderThan,
          limit: options.limit,
          allTaskQueues: options.allTaskQueues,
        });
        context.print(renderIdentityList(items), items);
      },
    );

  return identity;
}
