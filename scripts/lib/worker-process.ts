/**
 * Runs the worker entry point (`worker/main.ts`), or another of the project's entry points (the
 * standalone callback receiver, `worker/callback-main.ts`), or a given command (a built image's
 * `node lib/worker/main.js`), as a child process and resolves once it prints its ready line. tsx
 * runs as a loader, not through its CLI (which forks), so the child's pid is the worker itself and
 * a signal reaches it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { join } from 'node:path';
import { CALLBACK_RECEIVER_READY_LINE, WORKER_READY_LINE } from '../../worker/ready';
import { PROJECT_ROOT } from './temporal-cli';

export interface WorkerProcess {
  child: ChildProcess;
  /** Everything the worker printed so far (tests check it holds no personal data). */
  output(): string;
  /** What it printed on stdout alone (the JSON log lines with KYC_LOG_FORMAT=json). */
  stdout(): string;
  /** Sends the signal (SIGKILL by default) and waits for the process to end. */
  kill(signal?: NodeJS.Signals): Promise<void>;
}

/** The entry points this can run, by name: their source file and the line each prints when ready. */
const ENTRY_POINTS = {
  worker: { file: join('worker', 'main.ts'), readyLine: WORKER_READY_LINE },
  'callback-receiver': { file: join('worker', 'callback-main.ts'), readyLine: CALLBACK_RECEIVER_READY_LINE },
  /** The benchmark's baseline worker (benchmarks/baseline-worker.ts), which prints the worker's ready line. */
  'bench-baseline': { file: join('benchmarks', 'baseline-worker.ts'), readyLine: WORKER_READY_LINE },
  /** The benchmark's phone gateway simulator in its own process (benchmarks/gateway-simulator.ts). */
  'bench-gateway': { file: join('benchmarks', 'gateway-simulator.ts'), readyLine: WORKER_READY_LINE },
} as const;

export async function startWorkerProcess(options: {
  env: NodeJS.ProcessEnv;
  logFile?: string;
  readyTimeoutMs?: number;
  /** Which entry point (default `worker`). */
  entry?: keyof typeof ENTRY_POINTS;
  /** Extra node flags, e.g. `--cpu-prof` (for the default command). */
  nodeArgs?: string[];
  /** Another way to start it, e.g. a built image's `node lib/worker/main.js` in its folder (prints the entry's ready line); default: the entry's source through tsx. */
  command?: { argv: string[]; cwd: string };
}): Promise<WorkerProcess> {
  const entry = ENTRY_POINTS[options.entry ?? 'worker'];
  const [file, ...args] = options.command?.argv ?? [
    process.execPath,
    ...(options.nodeArgs ?? []),
    '--import',
    'tsx',
    join(PROJECT_ROOT, entry.file),
  ];
  const child = spawn(file!, args, {
    cwd: options.command?.cwd ?? PROJECT_ROOT,
    env: options.env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  if (options.logFile) {
    const log = createWriteStream(options.logFile, { flags: 'a' });
    child.stdout.pipe(log);
    child.stderr.pipe(log);
  }
  let output = '';
  let stdout = '';
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const timeoutMs = options.readyTimeoutMs ?? 90_000;
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${entry.file} was not ready after ${timeoutMs} ms:\n${output}`)), timeoutMs);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes(entry.readyLine)) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${entry.file} exited with code ${code} before it was ready:\n${output}`));
    });
  });
  return {
    child,
    output: () => output,
    stdout: () => stdout,
    async kill(signal = 'SIGKILL') {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill(signal);
      await exited;
    },
  };
}
