/** `kyc phone check|status|list`: the phone three-factor check (carrier verification gateway). */
import { Command, Option } from 'commander';
import {
  phoneCheckInputSchema,
  phoneCheckWorkflowId,
  type PhoneCheckOutcomeAttribute,
} from '../../contracts/phone-check';
import { InvalidInputError, parseInput } from '../../contracts/validation';
import { requireSomeInput } from './input-file';
import { PHONE_CHECK_OUTCOME_VALUES } from '../phone-check';
import { parseRequestId } from '../request-ids';
import type { CliContext, CliSession } from './context';
import { parseCount, parseDuration } from './durations';
import { awaitWorkflow } from './waiting';
import { renderPhoneList, renderPhoneResult, renderPhoneStatus } from './render';

interface CheckOptions {
  requestId: string;
  phone?: string;
  idCard?: string;
  name?: string;
  inputFile?: string;
  maxAttempts?: number;
  retryInterval?: number;
  maxRetryInterval?: number;
  unansweredCall?: string;
}

function checkInput(context: CliContext, options: CheckOptions): Record<string, unknown> {
  const fromFile = options.inputFile === undefined ? {} : context.readJsonFile(options.inputFile);
  const base = typeof fromFile === 'object' && fromFile !== null ? (fromFile as Record<string, unknown>) : {};
  const retry: Record<string, unknown> = typeof base.retry === 'object' && base.retry !== null ? { ...base.retry } : {};
  if (options.maxAttempts !== undefined) retry.maximumAttempts = options.maxAttempts;
  if (options.retryInterval !== undefined) retry.initialIntervalMs = options.retryInterval;
  if (options.maxRetryInterval !== undefined) retry.maximumIntervalMs = options.maxRetryInterval;
  return {
    ...base,
    ...(options.phone === undefined ? {} : { phone: options.phone }),
    ...(options.idCard === undefined ? {} : { idCard: options.idCard }),
    ...(options.name === undefined ? {} : { name: options.name }),
    ...(options.unansweredCall === undefined ? {} : { unansweredCall: options.unansweredCall }),
    retry,
  };
}

export function phoneCommand(session: CliSession): Command {
  const phone = new Command('phone').description('phone three-factor check (carrier verification gateway)');

  phone
    .command('check')
    .description(
      'check that a mobile number, a resident ID number and a name belong together; a repeated request id returns the first answer',
    )
    .requiredOption('--request-id <id>', 'your id for this check (the workflow id is phone-check/<id>)')
    .option('--phone <number>', 'mainland mobile number (never printed)')
    .option('--id-card <number>', 'resident ID number (never printed)')
    .option('--name <name>', 'name as registered with the carrier (never printed)')
    .option('--input-file <path>', "the factors as JSON {phone, idCard, name} ('-' reads standard input)")
    .option('--max-attempts <n>', 'gateway attempts while it is busy or unreachable', parseCount)
    .option('--retry-interval <duration>', 'first wait between attempts, e.g. 1s', parseDuration)
    .option('--max-retry-interval <duration>', 'longest wait between attempts, e.g. 60s', parseDuration)
    .addOption(
      new Option(
        '--unanswered-call <policy>',
        'after a gateway call that got no answer (it may have been billed): call again, or fail',
      ).choices(['retry', 'fail']),
    )
    .addHelpText(
      'after',
      '\nThe factors are personal data: prefer --input-file - (standard input) so they stay off the command line.',
    )
    .action(async (options: CheckOptions, command: Command) => {
      requireSomeInput(
        command,
        [options.inputFile, options.phone, options.idCard, options.name].some((given) => given !== undefined),
        'phone check input',
        '--phone, --id-card and --name',
      );
      const context = session.context(command);
      // Validated before connecting: a bad factor fails here, naming the field, whatever the server's state.
      const input = parseInput(phoneCheckInputSchema, checkInput(context, options), 'phone check input');
      parseRequestId(options.requestId, 'phone check');
      const kyc = await context.kyc();
      const run = await awaitWorkflow(
        context,
        kyc,
        {
          workflowId: phoneCheckWorkflowId(options.requestId),
          flow: 'phone check',
          followCommand: `kyc phone status ${options.requestId}`,
        },
        () => kyc.phoneChecks.run(input, options.requestId),
      );
      context.print(renderPhoneResult(run.workflowId, run.started, run.result), run);
    });

  phone
    .command('status')
    .description(
      'show where a check stands without waiting: running, or its result; a check that ended without one exits 6',
    )
    .argument('<request-id>', 'the request id the check was made under (the workflow id is phone-check/<id>)')
    .action(async (requestId: string, _options: unknown, command: Command) => {
      const context = session.context(command);
      parseRequestId(requestId, 'phone check');
      const status = await (await context.kyc()).phoneChecks.status(requestId);
      context.print(renderPhoneStatus(status), status);
    });

  phone
    .command('list')
    .description('list checks by outcome (newest started first)')
    .addOption(new Option('--outcome <outcome>', 'only this outcome').choices(PHONE_CHECK_OUTCOME_VALUES))
    .option(
      '--phone-file <path>',
      "only checks of the mobile number in this file ('-': standard input); found by its keyed hash (KYC_LOOKUP_KEYS), never printed",
    )
    .option(
      '--id-card-file <path>',
      "only checks of the resident ID number in this file ('-': standard input); found by its keyed hash, never printed",
    )
    .option('--limit <n>', 'at most this many', parseCount, 50)
    .option('--all-task-queues', 'include checks of every task queue, not only KYC_TASK_QUEUE')
    .action(
      async (
        options: {
          outcome?: PhoneCheckOutcomeAttribute;
          phoneFile?: string;
          idCardFile?: string;
          limit: number;
          allTaskQueues?: boolean;
        },
        command: Command,
      ) => {
        const context = session.context(command);
        if (options.phoneFile !== undefined && options.idCardFile !== undefined) {
          throw new InvalidInputError('--phone-file', [
            { field: 'phone-file', message: 'give --phone-file or --id-card-file, not both' },
          ]);
        }
        const person =
          options.phoneFile !== undefined
            ? context.readPersonNumber('phone', options.phoneFile, 'phone-file')
            : options.idCardFile !== undefined
              ? context.readPersonNumber('residentId', options.idCardFile, 'id-card-file')
              : undefined;
        const items = await (
          await context.kyc()
        ).phoneChecks.list({
          outcome: options.outcome,
          person,
          limit: options.limit,
          allTaskQueues: options.allTaskQueues,
        });
        context.print(renderPhoneList(items), items);
      },
    );

  return phone;
}
