/**
 * The `kyc` command: builds the commander program over the library and runs it, turning every
 * error into one line on stderr (or a JSON object with `--json`) and a distinct exit code.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command, CommanderError } from 'commander';
import { CliSession, processIo, type CliIo } from './context';
import { devCommand } from './dev-commands';
import { deviceCommand } from './device-commands';
import { EXIT, errorAsJson, exitCodeFor, type ExitCode } from './exit-codes';
import { ReadAfterStartError } from '../errors';
import { identityCommand } from './identity-commands';
import { phoneCommand } from './phone-commands';
import { renderStart } from './render';

const EXIT_CODES_HELP = `
Exit codes:
  0  done
  2  invalid arguments or input (the message names the field)
  3  refused by the workflow, or it already finished
  4  no such workflow
  5  configuration invalid (e.g. no payload key) or Temporal server unreachable
  6  the workflow failed (no result)
  7  done, but the answer cannot be decoded with these payload keys (do not repeat it)
  8  started (or attached), but reading its state afterwards failed: it runs; the message
     names the workflow and the command that reads it (a repeated start only attaches)
  1  anything else

Configuration: the options above, then the environment (TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE,
KYC_TASK_QUEUE, KYC_PAYLOAD_KEYS or KYC_PAYLOAD_KEYS_FILE), then the Temporal profile in
TEMPORAL_CONFIG_FILE or the one \`npm run demo\` writes (.data/temporal.toml) with the payload
key file next to it (.data/payload-keys), then the defaults (127.0.0.1:7233, default, kyc).
Payloads are always encrypted: without a key nothing is sent.`;

/** The package's version: package.json two folders up from source (client/cli/), three from the build (lib/client/cli/). */
function packageVersion(): string {
  for (const up of [
    ['..', '..'],
    ['..', '..', '..'],
  ]) {
    const path = join(__dirname, ...up, 'package.json');
    if (existsSync(path)) return (JSON.parse(readFileSync(path, 'utf8')) as { version?: string }).version ?? '0.0.0';
  }
  return '0.0.0';
}

/**
 * What commander may quote in a usage error that the program itself defines, not the user: every
 * command's name and aliases, argument names (`missing required argument 'request-id'`) and option
 * flags (`option '--deadline <duration>' argument missing`), across the whole command tree.
 */
export function programNames(program: Command): Set<string> {
  const names = new Set<string>();
  const visit = (command: Command) => {
    names.add(command.name());
    for (const alias of command.aliases()) names.add(alias);
    for (const argument of command.registeredArguments) names.add(argument.name());
    for (const option of command.options) {
      for (const name of [option.flags, option.long, option.short]) if (name) names.add(name);
    }
    for (const sub of command.commands) visit(sub);
  };
  visit(program);
  return names;
}

/**
 * Commander's usage errors quote what was typed (`unknown option '--idcard=1101…'`, `argument
 * '5299…' is invalid`, `unknown command '…'`), which may be a CPF, phone, ID number or name typed
 * in the wrong place. A quoted text is kept only when the program defines it (`names`, from
 * `programNames`: a command, argument or option name); `--flag=value` keeps `--flag=…`, a typed
 * `--flag` alone stays (a flag name, no value); anything else quoted becomes '…', and any other
 * run of 6+ digits is masked.
 */
export function redactUsageError(text: string, names: ReadonlySet<string> = new Set()): string {
  return text
    .replace(/'([^'\n]*)'/g, (_quoted, inner: string) => {
      if (names.has(inner) || /^--?[A-Za-z][\w-]*$/.test(inner)) return `'${inner}'`;
      const flag = /^(--?[A-Za-z][\w-]*)=/.exec(inner);
      return flag ? `'${flag[1]}=…'` : "'…'";
    })
    .replace(/\d[\d\s.\-_]{4,}\d/g, '…');
}

export function buildProgram(session: CliSession): Command {
  const { io } = session;
  const program = new Command('kyc')
    .description('Start, drive and inspect the KYC workflows (device approval, identity flow, phone check).')
    .version(packageVersion(), '-V, --version', 'print the version')
    .option('--json', 'print JSON instead of text (watch prints one JSON document per change)')
    .option('--address <host:port>', 'Temporal server (default: TEMPORAL_ADDRESS)')
    .option('--namespace <name>', 'Temporal namespace (default: TEMPORAL_NAMESPACE)')
    .option('--task-queue <name>', "the workers' task queue (default: KYC_TASK_QUEUE)")
    .addHelpText('after', EXIT_CODES_HELP)
    .showHelpAfterError('(add --help for usage)')
    .configureOutput({
      writeOut: (text) => io.stdout.write(text),
      writeErr: (text) => io.stderr.write(text),
      outputError: (text, write) => write(redactUsageError(text, programNames(program))),
    })
    .exitOverride();
  for (const sub of [deviceCommand(session), identityCommand(session), phoneCommand(session), devCommand(session)]) {
    program.addCommand(sub);
  }
  // Subcommands inherit the output and exit handling, so their usage errors reach the same exit codes.
  const inherit = (command: Command) => {
    for (const sub of command.commands) {
      sub.copyInheritedSettings(command);
      inherit(sub);
    }
  };
  inherit(program);
  return program;
}

function reportError(io: CliIo, error: unknown, json: boolean): void {
  if (error instanceof ReadAfterStartError) {
    // The start succeeded: its line (and the workflow id) is output like any start's, before the error.
    const outcome = { workflowId: error.workflowId, started: error.started };
    io.stdout.write(json ? `${JSON.stringify(outcome, null, 2)}\n` : `${renderStart(error.flow, outcome)}\n`);
  }
  if (json) {
    io.stderr.write(`${JSON.stringify({ error: errorAsJson(error) })}\n`);
    return;
  }
  const message = error instanceof Error ? error.message : String(error);
  io.stderr.write(`kyc: ${message}\n`);
}

export async function runCli(argv: readonly string[], io: CliIo = processIo): Promise<ExitCode> {
  const session = new CliSession(io);
  const program = buildProgram(session);
  const json = argv.includes('--json');
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return EXIT.ok;
  } catch (error) {
    const code = exitCodeFor(error);
    // Commander has already printed its own usage errors and help.
    if (!(error instanceof CommanderError)) reportError(io, error, json);
    return code;
  } finally {
    await session.close();
  }
}
