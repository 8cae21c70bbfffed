/**
 * `npm run bench [-- --quick] [--waiting N] [--rounds R]`: the project's benchmarks on a stack of
 * their own (a dev server on free ports with its database in a temporary directory, the provider
 * simulators, worker processes), written to benchmarks/results/latest.json and latest.md, and
 * into docs/performance.md between its "bench:results" markers.
 *
 * 1. Memory per cached waiting approval: the real device approval against a bare waiting workflow
 *    (benchmarks/baseline-workflows.ts), each in a fresh worker process with an unbounded cache,
 *    sides interleaved (A, B, A, B, ...), ratio per round, min and median.
 * 2. Waiting at scale: N approvals waiting for tokens on one worker with the configured cache
 *    (KYC_MAX_CACHED_WORKFLOWS): starts per second, worker RSS before, after and after an idle
 *    window, worker CPU during the idle window, database bytes per open approval, then tokens for
 *    some of them (token → APPROVED latency while the rest wait), and tokens typed while the bank
 *    still answers the creation call (none may be refused).
 *
 * Absolute numbers depend on the machine and on what else runs; ratios within one run do less.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync, existsSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { Client, Connection, WorkflowUpdateFailedError } from '@temporalio/client';
import { DefaultLogger, bundleWorkflowCode } from '@temporalio/worker';
import { createDataConverter } from '../common/data-converter';
import { loadConfig, DEFAULT_MAX_CACHED_WORKFLOWS } from '../common/config';
import {
  DEVICE_APPROVAL_STATUS_KEY,
  deviceApprovalStartOptions,
  submitTokenUpdate,
  type DeviceApprovalInput,
} from '../contracts/device-approval';
import { createDevCredentials } from '../scripts/lib/dev-credentials';
import { startDevServer } from '../scripts/lib/dev-server';
import { freePort } from '../scripts/lib/free-port';
import { PROJECT_ROOT, resolveTemporalCli } from '../scripts/lib/temporal-cli';
import { startWorkerProcess, type WorkerProcess } from '../scripts/lib/worker-process';
import { BankDeviceControl } from '../simulators/bank-device';
import { startAllSimulators } from '../simulators/main';
import type { deviceApprovalWorkflow } from '../workflows/device-approval';
import type { baselineWaitingWorkflow } from './baseline-workflows';

const APPROVER_CPF = '52998224725';
const MIB = 1024 * 1024;

interface Options {
  quick: boolean;
  rounds: number;
  /** Workflows per side and round of the memory comparison. */
  memoryWorkflows: number;
  /** Approvals waiting at once in the scale section. */
  waiting: number;
  tokens: number;
  earlyTokens: number;
  idleSeconds: number;
}

function parseOptions(argv: string[]): Options {
  const quick = argv.includes('--quick');
  const number = (name: string, fallback: number): number => {
    const index = argv.indexOf(`--${name}`);
    if (index < 0) return fallback;
    const value = Number(argv[index + 1]);
    if (!Number.isInteger(value) || value <= 0) throw new Error(`--${name} must be a positive integer`);
    return value;
  };
  return {
    quick,
    rounds: number('rounds', 3),
    memoryWorkflows: number('memory-workflows', quick ? 300 : 1000),
    waiting: number('waiting', quick ? 1000 : 10_000),
    tokens: number('tokens', quick ? 200 : 1000),
    earlyTokens: number('early-tokens', quick ? 30 : 100),
    idleSeconds: number('idle-seconds', quick ? 15 : 60),
  };
}

// ---------------------------------------------------------------------------------------------
// Small measuring tools

/** Resident set size of a process, from /proc (Linux). */
function rssBytes(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8').match(/^VmRSS:\s+(\d+) kB/m);
  if (!line) throw new Error(`no VmRSS for process ${pid}`);
  return Number(line[1]) * 1024;
}

const CLOCK_TICKS = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;

/** User + system CPU seconds a process has used so far, from /proc (Linux). */
function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

function median(values: number[]): number {
  return percentile(
    [...values].sort((a, b) => a - b),
    50,
  );
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Runs `task` for 0..count-1 with at most `concurrency` at once. */
async function pool(count: number, concurrency: number, task: (index: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, count) }, async () => {
      while (next < count) await task(next++);
    }),
  );
}

async function waitUntil(check: () => Promise<boolean>, what: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(500);
  }
}

const round1 = (value: number) => Math.round(value * 10) / 10;
const round3 = (value: number) => Math.round(value * 1000) / 1000;

// ---------------------------------------------------------------------------------------------

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  const startedAt = new Date();
  const work = mkdtempSync(join(tmpdir(), 'kyc-bench-'));
  const dbFile = join(work, 'temporal.db');
  const log = (message: string) =>
    console.log(`[bench ${((Date.now() - startedAt.getTime()) / 1000).toFixed(0)}s] ${message}`);

  const cliPath = resolveTemporalCli();
  const server = await startDevServer({ cliPath, dbFile, logFile: join(work, 'server.log') });
  const credentials = await createDevCredentials();
  const simulators = await startAllSimulators({ credentials });
  const bank = new BankDeviceControl(simulators.controls.bank);
  const workers: WorkerProcess[] = [];
  try {
    const baseEnv = { ...simulators.workerEnv, TEMPORAL_ADDRESS: server.address };
    const config = loadConfig({ ...baseEnv, KYC_TASK_QUEUE: 'bench' });
    const connection = await Connection.connect({ address: server.address });
    const client = new Client({
      connection,
      namespace: config.temporal.namespace,
      dataConverter: createDataConverter(config.payloadEncryption),
    });
    const systemInfo = await connection.workflowService.getSystemInfo({});
    const cliVersion = execFileSync(cliPath, ['--version']).toString().trim();

    log('bundling the production and the baseline workflows once');
    const bundles = {
      project: join(work, 'project-bundle.js'),
      baseline: join(work, 'baseline-bundle.js'),
    };
    const logger = new DefaultLogger('WARN');
    for (const [variant, workflowsPath] of [
      ['project', require.resolve('../workflows')],
      ['baseline', require.resolve('./baseline-workflows')],
    ] as const) {
      writeFileSync(bundles[variant], (await bundleWorkflowCode({ workflowsPath, logger })).code);
    }

    const accountKey = randomUUID();
    await bank.registerAccount({ account_key: accountKey, approvers: [APPROVER_CPF] });
    const approval = (): DeviceApprovalInput => ({
      accountKey,
      deviceKey: randomUUID(),
      sessionId: randomUUID(),
      approverCpf: APPROVER_CPF,
      contactType: 'sms',
      policy: { approvalDeadlineMs: 24 * 60 * 60 * 1000 },
    });

    async function startWorker(
      variant: keyof typeof bundles,
      taskQueue: string,
      maxCached: number,
    ): Promise<WorkerProcess> {
      const worker = await startWorkerProcess({
        env: {
          ...process.env,
          ...baseEnv,
          KYC_TASK_QUEUE: taskQueue,
          KYC_WORKFLOW_BUNDLE: bundles[variant],
          KYC_MAX_CACHED_WORKFLOWS: String(maxCached),
          KYC_LOG_LEVEL: 'WARN',
          CALLBACK_LISTEN_PORT: String(await freePort()),
        },
        logFile: join(work, `worker-${taskQueue}.log`),
      });
      workers.push(worker);
      await sleep(2000);
      return worker;
    }

    const countWaiting = async (taskQueue: string) =>
      (
        await client.workflow.count(
          `TaskQueue = '${taskQueue}' AND ${DEVICE_APPROVAL_STATUS_KEY.name} = 'WAITING_FOR_TOKEN' AND ExecutionStatus = 'Running'`,
        )
      ).count;

    // -------------------------------------------------------------------------------------------
    // 1. Memory per cached waiting workflow: project against baseline, interleaved.
    const memoryRounds: Array<{ round: number; projectMiB: number; baselineMiB: number; ratio: number }> = [];
    for (let round = 1; round <= options.rounds; round++) {
      const perWorkflow: Record<string, number> = {};
      for (const variant of ['project', 'baseline'] as const) {
        const taskQueue = `bench-mem-${variant}-${round}-${Date.now().toString(36)}`;
        const worker = await startWorker(variant, taskQueue, 100_000);
        const pid = worker.child.pid!;
        const before = rssBytes(pid);
        const handles: Array<{ query(name: string): Promise<unknown> }> = [];
        await pool(options.memoryWorkflows, 32, async () => {
          if (variant === 'project') {
            const handle = await client.workflow.start<typeof deviceApprovalWorkflow>(
              'deviceApprovalWorkflow',
              deviceApprovalStartOptions(approval(), taskQueue),
            );
            handles.push(handle);
          } else {
            const handle = await client.workflow.start<typeof baselineWaitingWorkflow>('baselineWaitingWorkflow', {
              workflowId: `baseline/${randomUUID()}`,
              taskQueue,
            });
            handles.push(handle);
          }
        });
        if (variant === 'project') {
          await waitUntil(
            async () => (await countWaiting(taskQueue)) >= options.memoryWorkflows,
            'the approvals to wait',
            600_000,
          );
        }
        // A query needs the workflow in the worker: every one has had its first task by now.
        await pool(handles.length, 16, async (index) => {
          await handles[index]!.query('__stack_trace');
        });
        await sleep(5000);
        const after = rssBytes(pid);
        perWorkflow[variant] = (after - before) / MIB / options.memoryWorkflows;
        log(
          `memory round ${round} ${variant}: RSS ${round1(before / MIB)} → ${round1(after / MIB)} MiB, ` +
            `${round3(perWorkflow[variant])} MiB per waiting workflow`,
        );
        await worker.kill('SIGTERM');
      }
      memoryRounds.push({
        round,
        projectMiB: round3(perWorkflow.project!),
        baselineMiB: round3(perWorkflow.baseline!),
        ratio: round3(perWorkflow.project! / perWorkflow.baseline!),
      });
    }

    // -------------------------------------------------------------------------------------------
    // 2. Waiting at scale with the configured cache.
    const taskQueue = `bench-scale-${Date.now().toString(36)}`;
    const maxCached = Number(process.env.KYC_MAX_CACHED_WORKFLOWS ?? DEFAULT_MAX_CACHED_WORKFLOWS);
    const worker = await startWorker('project', taskQueue, maxCached);
    const pid = worker.child.pid!;
    const dbBytes = () =>
      [dbFile, `${dbFile}-wal`].reduce((sum, file) => sum + (existsSync(file) ? statSync(file).size : 0), 0);
    const rssBefore = rssBytes(pid);
    const dbBefore = dbBytes();
    const requests: DeviceApprovalInput[] = Array.from({ length: options.waiting }, approval);
    log(`starting ${options.waiting} approvals (worker cache ${maxCached})`);
    const startT0 = Date.now();
    await pool(options.waiting, 64, async (index) => {
      await client.workflow.start<typeof deviceApprovalWorkflow>(
        'deviceApprovalWorkflow',
        deviceApprovalStartOptions(requests[index], taskQueue),
      );
    });
    const startSeconds = (Date.now() - startT0) / 1000;
    await waitUntil(
      async () => (await countWaiting(taskQueue)) >= options.waiting,
      'every approval to wait for its token',
      30 * 60_000,
    );
    const allWaitingSeconds = (Date.now() - startT0) / 1000;
    const rssAfter = rssBytes(pid);
    log(`all ${options.waiting} waiting after ${round1(allWaitingSeconds)} s; RSS ${round1(rssAfter / MIB)} MiB`);
    const cpuIdle0 = cpuSeconds(pid);
    await sleep(options.idleSeconds * 1000);
    const idleCpu = cpuSeconds(pid) - cpuIdle0;
    const rssIdle = rssBytes(pid);
    const dbAfter = dbBytes();

    log(`tokens for ${options.tokens} of them`);
    const latencies: number[] = [];
    let tokenFailures = 0;
    await pool(options.tokens, 16, async (index) => {
      const request = requests[index]!;
      const { token } = await bank.sentToken(request.deviceKey);
      const handle = client.workflow.getHandle(`device-approval/${accountKey}/${request.deviceKey}`);
      const t0 = performance.now();
      try {
        const outcome = await handle.executeUpdate(submitTokenUpdate, { args: [{ token: token! }] });
        if (outcome.outcome === 'accepted') latencies.push(performance.now() - t0);
        else tokenFailures++;
      } catch {
        tokenFailures++;
      }
    });
    latencies.sort((a, b) => a - b);
    const rssTokens = rssBytes(pid);

    log(`${options.earlyTokens} tokens typed while the bank still answers the creation call`);
    await bank.slow('create', 1500, options.earlyTokens, 'after');
    let earlyAccepted = 0;
    const earlyRefused: Record<string, number> = {};
    await pool(options.earlyTokens, 16, async () => {
      const request = approval();
      const handle = await client.workflow.start<typeof deviceApprovalWorkflow>(
        'deviceApprovalWorkflow',
        deviceApprovalStartOptions(request, taskQueue),
      );
      let token: string | null | undefined;
      while (!token) {
        token = await bank.sentToken(request.deviceKey).then(
          (sent) => sent.token,
          () => undefined,
        );
        if (!token) await sleep(20);
      }
      try {
        const outcome = await handle.executeUpdate(submitTokenUpdate, { args: [{ token }] });
        if (outcome.outcome === 'accepted') earlyAccepted++;
        else earlyRefused[outcome.outcome] = (earlyRefused[outcome.outcome] ?? 0) + 1;
      } catch (error) {
        const type =
          error instanceof WorkflowUpdateFailedError && error.cause && 'type' in error.cause
            ? String(error.cause.type)
            : 'error';
        earlyRefused[type] = (earlyRefused[type] ?? 0) + 1;
      }
    });

    const results = {
      startedAt: startedAt.toISOString(),
      mode: options.quick ? 'quick' : 'full',
      machine: {
        cores: cpus().length,
        cpuModel: cpus()[0]?.model ?? 'unknown',
        memoryGiB: round1(totalmem() / 1024 ** 3),
        node: process.version,
        temporalServer: systemInfo.serverVersion,
        temporalCli: cliVersion,
        note: 'shared machine: other processes were running; compare ratios rather than absolute values',
      },
      memoryPerWaitingWorkflow: {
        workflowsPerSide: options.memoryWorkflows,
        cache: 'unbounded (every workflow stays cached)',
        rounds: memoryRounds,
        projectMiB: {
          min: Math.min(...memoryRounds.map((r) => r.projectMiB)),
          median: median(memoryRounds.map((r) => r.projectMiB)),
        },
        baselineMiB: {
          min: Math.min(...memoryRounds.map((r) => r.baselineMiB)),
          median: median(memoryRounds.map((r) => r.baselineMiB)),
        },
        ratio: { min: Math.min(...memoryRounds.map((r) => r.ratio)), median: median(memoryRounds.map((r) => r.ratio)) },
      },
      waitingAtScale: {
        waiting: options.waiting,
        maxCachedWorkflows: maxCached,
        startsPerSecond: round1(options.waiting / startSeconds),
        allWaitingAfterSeconds: round1(allWaitingSeconds),
        workerRssMiB: {
          before: round1(rssBefore / MIB),
          allWaiting: round1(rssAfter / MIB),
          afterIdle: round1(rssIdle / MIB),
          afterTokens: round1(rssTokens / MIB),
        },
        idleWindowSeconds: options.idleSeconds,
        idleCpuSeconds: round3(idleCpu),
        databaseBytesPerOpenApproval: Math.round((dbAfter - dbBefore) / options.waiting),
        tokens: {
          submitted: options.tokens,
          accepted: latencies.length,
          failed: tokenFailures,
          latencyMs: {
            p50: round1(percentile(latencies, 50)),
            p95: round1(percentile(latencies, 95)),
            p99: round1(percentile(latencies, 99)),
            max: round1(latencies.at(-1) ?? NaN),
          },
        },
        earlyTokens: { submitted: options.earlyTokens, accepted: earlyAccepted, refused: earlyRefused },
      },
    };
    writeResults(results);
    log('done: benchmarks/results/latest.json, latest.md, docs/performance.md');
  } finally {
    for (const worker of workers) await worker.kill('SIGTERM').catch(() => undefined);
    await simulators.close();
    await server.stop();
    rmSync(work, { recursive: true, force: true });
  }
}

type Results = {
  startedAt: string;
  mode: string;
  machine: Record<string, string | number>;
  memoryPerWaitingWorkflow: {
    workflowsPerSide: number;
    rounds: Array<{ round: number; projectMiB: number; baselineMiB: number; ratio: number }>;
    projectMiB: { min: number; median: number };
    baselineMiB: { min: number; median: number };
    ratio: { min: number; median: number };
  };
  waitingAtScale: {
    waiting: number;
    maxCachedWorkflows: number;
    startsPerSecond: number;
    allWaitingAfterSeconds: number;
    workerRssMiB: { before: number; allWaiting: number; afterIdle: number; afterTokens: number };
    idleWindowSeconds: number;
    idleCpuSeconds: number;
    databaseBytesPerOpenApproval: number;
    tokens: { submitted: number; accepted: number; failed: number; latencyMs: Record<string, number> };
    earlyTokens: { submitted: number; accepted: number; refused: Record<string, number> };
  };
};

function markdown(results: Results): string {
  const m = results.machine;
  const mem = results.memoryPerWaitingWorkflow;
  const s = results.waitingAtScale;
  const refused = Object.entries(s.earlyTokens.refused)
    .map(([type, count]) => `${count} ${type}`)
    .join(', ');
  return [
    `Run ${results.startedAt} (${results.mode}): ${m.cores} cores (${m.cpuModel}), ${m.memoryGiB} GiB, Node ${m.node}, ` +
      `Temporal server ${m.temporalServer} (${m.temporalCli}). ${m.note}.`,
    '',
    `**Memory per cached waiting workflow** (${mem.workflowsPerSide} per side and round, unbounded cache, sides interleaved):`,
    '',
    '| round | device approval (MiB) | bare waiting workflow (MiB) | ratio |',
    '| ----- | --------------------: | --------------------------: | ----: |',
    ...mem.rounds.map((r) => `| ${r.round} | ${r.projectMiB} | ${r.baselineMiB} | ${r.ratio} |`),
    `| min / median | ${mem.projectMiB.min} / ${mem.projectMiB.median} | ${mem.baselineMiB.min} / ${mem.baselineMiB.median} | ${mem.ratio.min} / ${mem.ratio.median} |`,
    '',
    `**Waiting at scale** (${s.waiting} device approvals on one worker, \`KYC_MAX_CACHED_WORKFLOWS=${s.maxCachedWorkflows}\`):`,
    '',
    '| measure | value | goal |',
    '| ------- | ----: | ---- |',
    `| starts per second | ${s.startsPerSecond} | — |`,
    `| all waiting after | ${s.allWaitingAfterSeconds} s | — |`,
    `| worker RSS before / all waiting / after ${s.idleWindowSeconds} s idle / after tokens | ${s.workerRssMiB.before} / ${s.workerRssMiB.allWaiting} / ${s.workerRssMiB.afterIdle} / ${s.workerRssMiB.afterTokens} MiB | < 500 MiB, independent of the number waiting |`,
    `| worker CPU during ${s.idleWindowSeconds} s idle | ${s.idleCpuSeconds} s | ≈ 0 |`,
    `| database bytes per open approval | ${s.databaseBytesPerOpenApproval} | — |`,
    `| token → APPROVED p50 / p95 / p99 / max (${s.tokens.accepted} of ${s.tokens.submitted} accepted, ${s.tokens.failed} failed) | ${s.tokens.latencyMs.p50} / ${s.tokens.latencyMs.p95} / ${s.tokens.latencyMs.p99} / ${s.tokens.latencyMs.max} ms | p99 < 1000 ms |`,
    `| tokens typed while the bank still answered the creation call | ${s.earlyTokens.accepted} of ${s.earlyTokens.submitted} accepted${refused ? `, refused: ${refused}` : ''} | none refused |`,
    '',
  ].join('\n');
}

function writeResults(results: Results): void {
  const dir = join(PROJECT_ROOT, 'benchmarks', 'results');
  writeFileSync(join(dir, 'latest.json'), `${JSON.stringify(results, null, 2)}\n`);
  const table = markdown(results);
  writeFileSync(join(dir, 'latest.md'), table);
  const docPath = join(PROJECT_ROOT, 'docs', 'performance.md');
  const begin = '<!-- bench:results:begin -->';
  const end = '<!-- bench:results:end -->';
  const doc = readFileSync(docPath, 'utf8');
  const from = doc.indexOf(begin);
  const to = doc.indexOf(end);
  if (from < 0 || to < from) throw new Error(`docs/performance.md has no ${begin} … ${end} block`);
  writeFileSync(docPath, `${doc.slice(0, from + begin.length)}\n\n${table}\n${doc.slice(to)}`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
