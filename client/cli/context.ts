/** What every command gets: where to write, how (human or JSON), and a lazily connected library client. */
import { readFileSync } from 'node:fs';
import { parseJsonText, readInputText } from './input-file';
import type { Command } from 'commander';
import { withLocalSettings } from '../../common/local-profile';
import { loadTracingConfig, startTracing, type Tracing } from '../../common/tracing';
import { InvalidInputError } from '../../contracts/validation';
import { KycClient } from '../kyc-client';
import { normalisePersonNumber, type PersonNumber } from '../person-lookup';
import type { PersonLookupKind } from '../../contracts/person-lookup';
import type { LiveOutput } from './live';

export interface CliIo {
  stdout: LiveOutput;
  stderr: LiveOutput;
  env: NodeJS.ProcessEnv;
  /** Reads all of standard input (for `--input-file -`). */
  readStdin(): string;
}

export const processIo: CliIo = {
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
  readStdin: () => readFileSync(0, 'utf8'),
};

export interface GlobalOptions {
  json?: boolean;
  address?: string;
  namespace?: string;
  taskQueue?: string;
}

/**
 * One run of the CLI: hands each command its context and closes every connection at the end.
 * With tracing on (OTEL_* variables, common/tracing.ts) each call to Temporal starts a span whose
 * trace the workflow and its activities continue; the spans are sent before the CLI exits.
 */
export class CliSession {
  private readonly contexts: CliContext[] = [];
  private tracing: Tracing | undefined;
  private tracingLoaded = false;

  constructor(readonly io: CliIo) {}

  context(command: Command): CliContext {
    const context = new CliContext(this.io, command.optsWithGlobals<GlobalOptions>(), this);
    this.contexts.push(context);
    return context;
  }

  /** The session's tracing, started on first use; undefined when off. Throws `ConfigError` for bad OTEL_* values. */
  startTracing(env: NodeJS.ProcessEnv): Tracing | undefined {
    if (!this.tracingLoaded) {
      const config = loadTracingConfig(env, 'kyc-cli');
      this.tracingLoaded = true;
      this.tracing = config ? startTracing(config) : undefined;
    }
    return this.tracing;
  }

  async close(): Promise<void> {
    await Promise.all(this.contexts.map((context) => context.close()));
    // A collector that is down must not turn a finished command into a failure: one line, same exit code.
    const problem = await this.tracing?.shutdown();
    if (problem) this.io.stderr.write(`kyc: traces not exported: ${problem}\n`);
  }
}

export class CliContext {
  private client: KycClient | undefined;

  constructor(
    readonly io: CliIo,
    readonly options: GlobalOptions,
    private readonly session?: CliSession,
  ) {}

  get json(): boolean {
    return this.options.json === true;
  }

  /**
   * The environment with `--address`, `--namespace` and `--task-queue` applied, then the local
   * profile and key file for what is still missing (common/local-profile.ts), validated by the
   * library.
   */
  env(): NodeJS.ProcessEnv {
    // An empty variable counts as unset (common/environment.ts); an empty flag was typed on purpose.
    const empty = (['address', 'namespace', 'taskQueue'] as const).filter((name) => this.options[name]?.trim() === '');
    if (empty.length) {
      const flag = (name: string) => `--${name.replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`)}`;
      throw new InvalidInputError(
        'options',
        empty.map((name) => ({ field: flag(name), message: 'must not be empty (leave it out for the default)' })),
      );
    }
    const env = { ...this.io.env };
    if (this.options.address !== undefined) env.TEMPORAL_ADDRESS = this.options.address;
    if (this.options.namespace !== undefined) env.TEMPORAL_NAMESPACE = this.options.namespace;
    if (this.options.taskQueue !== undefined) env.KYC_TASK_QUEUE = this.options.taskQueue;
    return withLocalSettings(env).env;
  }

  async kyc(): Promise<KycClient> {
    if (!this.client) {
      const env = this.env();
      const tracing = this.session?.startTracing(env);
      this.client = await KycClient.connect({
        env,
        ...(tracing ? { interceptors: [tracing.clientInterceptor()] } : {}),
      });
    }
    return this.client;
  }

  async close(): Promise<void> {
    await this.client?.close();
  }

  /** Prints the human text, or the JSON value with `--json`. */
  print(human: string, json: unknown): void {
    this.io.stdout.write(this.json ? `${JSON.stringify(json, null, 2)}\n` : `${human}\n`);
  }

  /**
   * A personal number from a file (`-`: standard input), so it stays out of the shell's history
   * and the process list; `option` names the flag in errors. Never echoed.
   */
  readPersonNumber(kind: PersonLookupKind, path: string, option: string): PersonNumber {
    const read = readInputText(path, () => this.io.readStdin());
    if ('problem' in read) throw new InvalidInputError(`--${option}`, [{ field: option, message: read.problem }]);
    const text = read.text.replace(/^\uFEFF/, '').trim();
    if (text === '') throw new InvalidInputError(`--${option}`, [{ field: option, message: 'the file is empty' }]);
    return normalisePersonNumber(kind, text, option);
  }

  /** JSON from a file, or from standard input for `-` (BOM ignored; errors by line and column: input-file.ts). */
  readJsonFile(path: string): unknown {
    const problem = (message: string) => new InvalidInputError('--input-file', [{ field: 'input-file', message }]);
    const read = readInputText(path, () => this.io.readStdin());
    if ('problem' in read) throw problem(read.problem);
    const parsed = parseJsonText(read.text);
    if ('problem' in parsed) throw problem(parsed.problem);
    return parsed.value;
  }
}
