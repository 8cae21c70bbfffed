/**
 * `kyc dev bank|esign …`: development helpers that drive the local provider simulators (the demo
 * stack's) through their control routes over HTTP, so the README's examples can be followed end to
 * end: register an account with its approver, read the token the bank "sent", move a verification
 * flow on. They talk to loopback addresses only and never import simulator code (production code
 * stays apart from simulators/): the control API is HTTP on purpose.
 */
import { Command, Option } from 'commander';
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { InvalidInputError, parseInput } from '../../contracts/validation';
import { parseDeviceRef } from '../device-approval';
import { parseFlowRef } from '../identity-flow';
import type { CliContext, CliSession } from './context';
import { readVariable } from '../../common/environment';

/** The control API's path prefix on every simulator (simulators/framework/simulator.ts). */
const CONTROL_PREFIX = '/__control';
const DEFAULT_BANK_URL = 'http://127.0.0.1:7301';
const DEFAULT_ESIGN_URL = 'http://127.0.0.1:7302';
/** A published test CPF with valid check digits: the approver the README's approval.json names. */
export const TEST_APPROVER_CPF = '52998224725';
const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]', '::1']);

/** Thrown when a simulator cannot be reached or refuses a control call. */
export class SimulatorControlError extends Error {
  override readonly name = 'SimulatorControlError';
}

/**
 * The simulator's base URL from `variable` (default `fallback`), refused unless it is a loopback
 * http URL: these helpers must never reach a real provider.
 */
export function simulatorUrl(env: NodeJS.ProcessEnv, variable: string, fallback: string): string {
  const text = readVariable(env, variable) ?? fallback;
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new InvalidInputError(variable, [{ field: variable, message: 'is not a URL' }]);
  }
  if (url.protocol !== 'http:' || !LOOPBACK_HOSTS.has(url.hostname)) {
    throw new InvalidInputError(variable, [
      {
        field: variable,
        message: `must be a loopback http URL (kyc dev drives only the local simulators), got ${url.protocol}//${url.hostname}`,
      },
    ]);
  }
  return text.replace(/\/+$/, '');
}

async function control(baseUrl: string, method: string, path: string, body?: unknown): Promise<unknown> {
  let response: Response;
  try {
    response = await fetch(`${baseUrl}${CONTROL_PREFIX}${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(10_000),
    });
  } catch {
    throw new SimulatorControlError(`no simulator answers at ${baseUrl} (is \`npm run demo\` running?)`);
  }
  const text = await response.text();
  if (!response.ok) {
    throw new SimulatorControlError(
      `simulator at ${baseUrl} answered ${response.status} to ${method} ${path}: ${text}`,
    );
  }
  return text ? (JSON.parse(text) as unknown) : undefined;
}

const registerFileSchema = z.looseObject({
  accountKey: z.string().optional(),
  approverCpf: z.string().optional(),
});

function bankCommand(session: CliSession): Command {
  const bank = new Command('bank').description('the bank simulator (BANK_BASE_URL, default ' + DEFAULT_BANK_URL + ')');
  const url = (context: CliContext) => simulatorUrl(context.env(), 'BANK_BASE_URL', DEFAULT_BANK_URL);

  bank
    .command('register-account')
    .description(
      "register an account and its approver at the bank simulator (an unknown account's devices are refused)",
    )
    .option('--input-file <path>', 'take accountKey and approverCpf from this JSON file (e.g. your approval.json)')
    .option('--account-key <uuid>', 'the account (default: from --input-file, else a new one)')
    .action(async (options: { inputFile?: string; accountKey?: string }, command: Command) => {
      const context = session.context(command);
      const file =
        options.inputFile === undefined
          ? {}
          : parseInput(registerFileSchema, context.readJsonFile(options.inputFile), '--input-file');
      const accountKey = options.accountKey ?? file.accountKey ?? randomUUID();
      parseInput(z.uuid(), accountKey, 'accountKey');
      const approverCpf = file.approverCpf ?? TEST_APPROVER_CPF;
      await control(url(context), 'POST', '/accounts', { account_key: accountKey, approvers: [approverCpf] });
      context.print(`Registered account ${accountKey} at the bank simulator with one approver.`, {
        accountKey,
        approvers: 1,
      });
    });

  bank
    .command('sent-token')
    .description('show the token the bank simulator "sent" to the approver of a device (what the approver reads)')
    .argument('<approval>', 'device-approval/<accountKey>/<deviceKey>, <accountKey>/<deviceKey> or the device key')
    .action(async (approval: string, _options: unknown, command: Command) => {
      const context = session.context(command);
      const deviceKey = /^[0-9a-f-]{36}$/i.test(approval) ? approval : parseDeviceRef(approval).deviceKey;
      const sent = (await control(url(context), 'GET', `/tokens/${deviceKey.toLowerCase()}`)) as {
        token: string | null;
        contact_type: string;
        tokens_sent: number;
        failed_attempts: number;
        status: string;
      };
      context.print(
        [
          `token          ${sent.token ?? '(none sent)'}`,
          `sent by        ${sent.contact_type} (${sent.tokens_sent} sent)`,
          `wrong tries    ${sent.failed_attempts}`,
          `device status  ${sent.status}`,
        ].join('\n'),
        sent,
      );
    });
  return bank;
}

const FINAL_STEPS = ['ING', 'SUCCESS', 'FAIL'] as const;

function esignCommand(session: CliSession): Command {
  const esign = new Command('esign').description(
    'the e-signature simulator (ESIGN_BASE_URL, default ' + DEFAULT_ESIGN_URL + ')',
  );
  const url = (context: CliContext) => simulatorUrl(context.env(), 'ESIGN_BASE_URL', DEFAULT_ESIGN_URL);

  esign
    .command('progress')
    .description('move a flow on as the user would (ING: started, SUCCESS or FAIL: finished, with the signed callback)')
    .argument('<flow>', 'the provider flow id, or identity-flow/<flowId>')
    .addOption(new Option('--to <status>', 'the new flow status').choices(FINAL_STEPS).makeOptionMandatory())
    .option('--reason <text>', 'the fail reason (with --to FAIL)', 'declined by the user')
    .action(async (flow: string, options: { to: (typeof FINAL_STEPS)[number]; reason: string }, command: Command) => {
      const context = session.context(command);
      const flowId = parseFlowRef(flow);
      const change =
        options.to === 'FAIL'
          ? { flowStatus: 'FAIL', failReason: options.reason }
          : options.to === 'ING'
            ? { flowStatus: 'ING', addSubFlows: [{ subFlowType: 'INDIVIDUAL_TELECOM_3_FACTOR', status: 'ING' }] }
            : { flowStatus: 'SUCCESS' };
      const answer = (await control(url(context), 'POST', `/esign/flows/${flowId}/progress`, change)) as {
        deliveries: Array<{ status: number | null }>;
      };
      const callback = answer.deliveries[0];
      context.print(
        `Flow ${flowId} is now ${options.to}` +
          (callback ? `; signed callback answered HTTP ${callback.status ?? 'no answer'}` : '') +
          '.',
        { flowId, flowStatus: options.to, callbacks: answer.deliveries },
      );
    });
  return esign;
}

export function devCommand(session: CliSession): Command {
  return new Command('dev')
    .description('development helpers for the local simulators (loopback only): play the bank and the user')
    .addCommand(bankCommand(session))
    .addCommand(esignCommand(session));
}
