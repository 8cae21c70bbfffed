/**
 * `npm run bench [-- --quick] [--parts 1,4] [--overhead-rounds R] [--overhead-flows N] [--waiting N]
 * [--rate-checks N] ...` (every option: `NUMBER_OPTIONS` below; an unknown one is refused): the project's
 * benchmarks on a stack of their own (a dev server on free ports with its database in a temporary
 * directory, the provider simulators, worker processes), written to benchmarks/results/latest.json,
 * latest.md and two PNG charts, and into docs/performance.md between its "bench:results" markers.
 * Issue 11's sections, each against its goal:
 *
 * 1. Overhead: completed device approvals and phone checks per second against same-shape
 *    baselines (benchmarks/baseline-workflows.ts, no project code) at the same concurrency, sides
 *    interleaved (A, B, B, A, ...: the first side alternates), nine short rounds, ratio per round,
 *    min and median; then a CPU profile of the
 *    project's worker process (`--cpu-prof`) says where its time goes.
 * 2. Memory per cached waiting approval (real device approval against a bare waiting workflow,
 *    each in a fresh worker process with an unbounded cache, interleaved) and waiting at scale:
 *    N approvals waiting on one worker with the configured cache (KYC_MAX_CACHED_WORKFLOWS):
 *    starts per second, worker RSS against the number waiting, idle CPU, database bytes per open
 *    approval, token → APPROVED latency while the rest wait, early tokens (none may be refused).
 * 3. History of long polling: events per identity flow at 10 to 10,000 polls (fast polling), runs
 *    (continue-as-new), provider requests per minute at the default polling policy.
 * 4. Provider rate: a burst of phone checks at PHONE_RATE_PER_SECOND=20 with one and with two
 *    worker processes: calls in every sliding one-second window at the gateway simulator, mean
 *    rate, checks lost.
 * 5. Callback latency: callback received → tracker completed with a 10-minute poll interval.
 *
 * Absolute numbers depend on the machine and on what else runs (the load average is recorded);
 * ratios within one run do less.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync, existsSync } from 'node:fs';
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
import { TRACKING_LIMITS, identityFlowStartOptions, identityFlowWorkflowId } from '../contracts/identity-flow';
import { PHONE_CHECK_WORKFLOW_TYPE, phoneCheckWorkflowId, phoneGatewayTaskQueue } from '../contracts/phone-check';
import { createDevCredentials } from '../scripts/lib/dev-credentials';
import { startDevServer } from '../scripts/lib/dev-server';
import { freePort } from '../scripts/lib/free-port';
import { grantedGatewaySlots } from '../scripts/lib/gateway-slots';
import { SimulatorControl } from '../simulators/framework/control-client';
import { PROJECT_ROOT, resolveTemporalCli } from '../scripts/lib/temporal-cli';
import { buildWorkflowBundle } from '../worker/bundle';
import { startWorkerProcess, type WorkerProcess } from '../scripts/lib/worker-process';
import { BankDeviceControl } from '../simulators/bank-device';
import { EsignControl } from '../simulators/esign';
import { startAllSimulators } from '../simulators/main';
import { gatewayCallTimes, meanRatePerSecond, peakInSlidingWindow } from '../simulators/phone-gateway/call-times';
import type { deviceApprovalWorkflow } from '../workflows/device-approval';
import type { identityFlowWorkflow } from '../workflows/identity-flow';
import type { phoneCheckWorkflow } from '../workflows/phone-check';
import {
  baselineTokenUpdate,
  type baselineDeviceApprovalWorkflow,
  type baselinePhoneCheckWorkflow,
  type baselineWaitingWorkflow,
} from './baseline-workflows';
import {
  MIB,
  cpuSeconds,
  paced,
  load1,
  median,
  percentile,
  pool,
  profileBreakdowns,
  round1,
  round3,
  rssBytes,
  sleep,
  waitUntil,
  type ProfileBreakdown,
} from './measure';
import { renderLineChart } from './png-chart';

const APPROVER_CPF = '52998224725';
/** Test data, not a real person: the simulator verifies any phone not ending in a listed suffix. */
const PHONE_FACTORS = { phone: '13812345600', idCard: '11010519491231002X', name: '张三' };
const GATEWAY_RATE = 20;

interface Options {
  quick: boolean;
  /** Rounds of the memory comparison (part 2a). */
  rounds: number;
  /** Rounds of the overhead comparison (part 1): more, shorter rounds, because its ratios move from one round to the next. */
  overheadRounds: number;
  /** Flows per side and round of the overhead comparison, and how many run at once. */
  overheadFlows: number;
  concurrency: number;
  /** Workflows per side and round of the memory comparison. */
  memoryWorkflows: number;
  /** Approvals waiting at once in the scale section. */
  waiting: number;
  tokens: number;
  /** Arrival rate of those tokens, per second. */
  tokensPerSecond: number;
  earlyTokens: number;
  idleSeconds: number;
  /** Phone checks in the rate burst. */
  rateChecks: number;
  /** Poll counts of the history section. */
  polls: number[];
  callbackFlows: number;
  /** Which parts run (--parts). */
  parts: Set<number>;
}

/**
 * `--parts 4` or `--parts 1,4`: run only these parts (1 overhead, 2 memory and waiting at scale,
 * 3 history, 4 provider rate, 5 callback latency; 3 and 5 share their worker and run together);
 * the others are carried over from benchmarks/results/latest.json and marked so. Default: all.
 */
function parseParts(argv: string[]): Set<number> {
  const index = argv.indexOf('--parts');
  if (index < 0) return new Set([1, 2, 3, 4, 5]);
  const parts = (argv[index + 1] ?? '').split(',').map(Number);
  if (parts.length === 0 || parts.some((part) => !Number.isInteger(part) || part < 1 || part > 5))
    throw new BenchOptionError('--parts must be a comma-separated list of part numbers from 1 to 5, e.g. --parts 1,4');
  const chosen = new Set(parts);
  if (chosen.has(3) || chosen.has(5)) [3, 5].forEach((part) => chosen.add(part));
  return chosen;
}

/** A command-line mistake: printed as one line, without a stack, before anything starts. */
class BenchOptionError extends Error {}

/** The options that take a positive whole number. */
const NUMBER_OPTIONS = [
  'rounds',
  'overhead-rounds',
  'overhead-flows',
  'concurrency',
  'memory-workflows',
  'waiting',
  'tokens',
  'tokens-per-second',
  'early-tokens',
  'idle-seconds',
  'rate-checks',
  'callback-flows',
] as const;

/** Refuses what the options below would silently ignore: unknown flags, `--name=value`, stray words. */
function checkArguments(argv: string[]): void {
  const known = `--quick, --parts, ${NUMBER_OPTIONS.map((name) => `--${name}`).join(', ')}`;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--quick') continue;
    const name = arg.startsWith('--') ? arg.slice(2) : undefined;
    if (name === 'parts' || NUMBER_OPTIONS.includes(name as (typeof NUMBER_OPTIONS)[number])) {
      i++; // its value, checked where it is read
      continue;
    }
    if (name?.includes('='))
      throw new BenchOptionError(`${arg}: write the value after a space (--${name.split('=')[0]} <value>)`);
    throw new BenchOptionError(`unknown argument ${arg} (options: ${known})`);
  }
}

function parseOptions(argv: string[]): Options {
  checkArguments(argv);
  const quick = argv.includes('--quick');
  const number = (name: (typeof NUMBER_OPTIONS)[number], fallback: number): number => {
    const index = argv.indexOf(`--${name}`);
    if (index < 0) return fallback;
    const value = Number(argv[index + 1]);
    if (!Number.isInteger(value) || value <= 0) throw new BenchOptionError(`--${name} must be a positive integer`);
    return value;
  };
  return {
    quick,
    rounds: number('rounds', 3),
    overheadRounds: number('overhead-rounds', quick ? 3 : 9),
    overheadFlows: number('overhead-flows', quick ? 16 : 60),
    concurrency: number('concurrency', 8),
    memoryWorkflows: number('memory-workflows', quick ? 60 : 1000),
    waiting: number('waiting', quick ? 200 : 10_000),
    tokens: number('tokens', quick ? 40 : 1000),
    tokensPerSecond: number('tokens-per-second', 5),
    earlyTokens: number('early-tokens', quick ? 10 : 100),
    idleSeconds: number('idle-seconds', quick ? 10 : 60),
    rateChecks: number('rate-checks', quick ? 150 : 1000),
    polls: quick ? [10, 100, 1000] : [10, 100, 1000, 10_000],
    callbackFlows: number('callback-flows', quick ? 15 : 50),
    parts: parseParts(argv),
  };
}

/** Milliseconds spent loading code across a process's thread profiles. */
function sumStartup(profiles: ProfileBreakdown[]): number {
  return profiles.reduce((sum, p) => sum + (p.startupMs ?? 0), 0);
}

/** Bucket totals over all threads, project and baseline side by side, largest project share first. */
function profileRows(project: ProfileBreakdown[], baseline: ProfileBreakdown[]): Array<[string, number, number]> {
  const total = (profiles: ProfileBreakdown[]) => {
    const sums = new Map<string, number>();
    for (const p of profiles) for (const b of p.buckets) sums.set(b.name, (sums.get(b.name) ?? 0) + b.ms);
    return sums;
  };
  const a = total(project);
  const b = total(baseline);
  const rows = [...new Set([...a.keys(), ...b.keys()])].map(
    (name) => [name, a.get(name) ?? 0, b.get(name) ?? 0] as [string, number, number],
  );
  rows.sort((x, y) => y[1] - x[1]);
  const sum = (index: 1 | 2) => rows.reduce((acc, row) => acc + row[index], 0);
  return [...rows, ['**all busy time**', sum(1), sum(2)]];
}

// ---------------------------------------------------------------------------------------------

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  const startedAt = new Date();
  const work = mkdtempSync(join(tmpdir(), 'kyc-bench-'));
  const dbFile = join(work, 'temporal.db');
  const log = (message: string) =>
    console.log(`[bench ${((Date.now() - startedAt.getTime()) / 1000).toFixed(0)}s load ${load1()}] ${message}`);
  const loads: Record<string, number> = { start: load1() };

  const cliPath = resolveTemporalCli();
  const server = await startDevServer({ cliPath, dbFile, logFile: join(work, 'server.log') });
  const credentials = await createDevCredentials();
  // One worker process (the callback section's) listens here; the e-signature simulator calls it.
  const callbackPort = await freePort();
  const simulators = await startAllSimulators({
    credentials,
    defaultNotifyUrl: `http://127.0.0.1:${callbackPort}/callbacks/esign`,
  });
  const bank = new BankDeviceControl(simulators.controls.bank);
  const esign = new EsignControl(simulators.controls.esign);
  const workers: WorkerProcess[] = [];
  try {
    const baseEnv = { ...simulators.workerEnv, TEMPORAL_ADDRESS: server.address };
    const config = loadConfig({ ...baseEnv, KYC_TASK_QUEUE: 'bench' });
    const dataConverter = createDataConverter(config.payloadEncryption);
    const connection = await Connection.connect({ address: server.address });
    const client = new Client({
      connection,
      namespace: config.temporal.namespace,
      dataConverter,
    });
    // The baseline worker has no payload codec, as a hand-written workflow would not.
    const plainClient = new Client({ connection, namespace: config.temporal.namespace });
    const systemInfo = await connection.workflowService.getSystemInfo({});
    const cliVersion = execFileSync(cliPath, ['--version']).toString().trim();

    log('bundling the production and the baseline workflows once');
    const bundles = {
      project: join(work, 'project-bundle.js'),
      baseline: join(work, 'baseline-bundle.js'),
    };
    const logger = new DefaultLogger('WARN');
    // The project's bundle is the one `npm run build` ships (worker/bundle.ts).
    writeFileSync(bundles.project, await buildWorkflowBundle(logger));
    writeFileSync(
      bundles.baseline,
      (await bundleWorkflowCode({ workflowsPath: require.resolve('./baseline-workflows'), logger })).code,
    );

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
      extra: { maxCached?: number; env?: Record<string, string>; nodeArgs?: string[]; callbackPort?: number } = {},
    ): Promise<WorkerProcess> {
      const worker = await startWorkerProcess({
        env: {
          ...process.env,
          ...baseEnv,
          KYC_TASK_QUEUE: taskQueue,
          KYC_WORKFLOW_BUNDLE: bundles[variant],
          ...(extra.maxCached !== undefined ? { KYC_MAX_CACHED_WORKFLOWS: String(extra.maxCached) } : {}),
          KYC_LOG_LEVEL: 'WARN',
          CALLBACK_LISTEN_PORT: String(extra.callbackPort ?? (await freePort())),
          ...extra.env,
        },
        logFile: join(work, `worker-${taskQueue}.log`),
        entry: variant === 'baseline' ? 'bench-baseline' : undefined,
        nodeArgs: extra.nodeArgs,
      });
      workers.push(worker);
      return worker;
    }
    const stopWorker = async (worker: WorkerProcess) => {
      await worker.kill('SIGTERM');
      workers.splice(workers.indexOf(worker), 1);
    };
    const unique = (name: string) => `bench-${name}-${Date.now().toString(36)}`;

    const countWaiting = async (taskQueue: string) =>
      (
        await client.workflow.count(
          `TaskQueue = '${taskQueue}' AND ${DEVICE_APPROVAL_STATUS_KEY.name} = 'WAITING_FOR_TOKEN' AND ExecutionStatus = 'Running'`,
        )
      ).count;

    // -------------------------------------------------------------------------------------------
    // 1. Overhead: completed flows per second, project against baseline, interleaved.
    /**
     * Waits for the bank's SMS (the simulator's record of the token it sent). The simulator holds
     * the read until the token is sent, as a phone is pushed the SMS: polling it every few
     * milliseconds from eight flows at once cost the shared cores more than the flows measured.
     */
    async function tokenFor(deviceKey: string): Promise<string> {
      for (;;) {
        const token = await bank.sentToken(deviceKey, { waitMs: 5_000 }).then(
          (sent) => sent.token,
          () => undefined,
        );
        if (token) return token;
        await sleep(10);
      }
    }
    const flows = {
      projectDevice: async (taskQueue: string): Promise<void> => {
        const request = approval();
        const handle = await client.workflow.start<typeof deviceApprovalWorkflow>(
          'deviceApprovalWorkflow',
          deviceApprovalStartOptions(request, taskQueue),
        );
        const token = await tokenFor(request.deviceKey);
        const outcome = await handle.executeUpdate(submitTokenUpdate, { args: [{ token }] });
        if (outcome.outcome !== 'accepted') throw new Error(`token not accepted: ${outcome.outcome}`);
        const state = await handle.result();
        if (state.status !== 'APPROVED') throw new Error(`approval ended ${state.status}`);
      },
      baselineDevice: async (taskQueue: string): Promise<void> => {
        const handle = await plainClient.workflow.start<typeof baselineDeviceApprovalWorkflow>(
          'baselineDeviceApprovalWorkflow',
          { workflowId: `baseline-device/${randomUUID()}`, taskQueue },
        );
        await handle.executeUpdate(baselineTokenUpdate, { args: [{ token: '123456' }] });
        await handle.result();
      },
      projectPhone: async (taskQueue: string): Promise<void> => {
        const handle = await client.workflow.start<typeof phoneCheckWorkflow>(PHONE_CHECK_WORKFLOW_TYPE, {
          workflowId: phoneCheckWorkflowId(randomUUID()),
          taskQueue,
          args: [PHONE_FACTORS],
        });
        const result = await handle.result();
        if (result.outcome !== 'VERIFIED') throw new Error(`phone check ended ${result.outcome}`);
      },
      baselinePhone: async (taskQueue: string): Promise<void> => {
        const handle = await plainClient.workflow.start<typeof baselinePhoneCheckWorkflow>(
          'baselinePhoneCheckWorkflow',
          {
            workflowId: `baseline-phone/${randomUUID()}`,
            taskQueue,
          },
        );
        await handle.result();
      },
    };
    /** Flows per second over `count` flows run `concurrency` at a time. */
    async function throughput(flow: (taskQueue: string) => Promise<void>, taskQueue: string): Promise<number> {
      const t0 = performance.now();
      await pool(options.overheadFlows, options.concurrency, () => flow(taskQueue));
      return (options.overheadFlows * 1000) / (performance.now() - t0);
    }

    const pick = <T>(values: T[], key: (value: T) => number) => ({
      min: round3(Math.min(...values.map(key))),
      median: round3(median(values.map(key))),
    });
    /** What this run measured, part by part; the parts not run are taken from the last results (--parts). */
    const measured: Partial<
      Pick<
        Results,
        'overhead' | 'memoryPerWaitingWorkflow' | 'waitingAtScale' | 'providerRate' | 'history' | 'callbackLatency'
      >
    > = {};
    let rateCurves: Array<Array<[number, number]>> | undefined;
    if (options.parts.has(1)) {
      log('overhead: project and baseline workers');
      // The gateway's limit is raised here: this part measures the code, not the provider's rate.
      const overheadEnv = { PHONE_RATE_PER_SECOND: '1000' };
      const projectQueue = unique('overhead-project');
      const baselineQueue = unique('overhead-baseline');
      const projectWorker = await startWorker('project', projectQueue, { env: overheadEnv });
      const baselineWorker = await startWorker('baseline', baselineQueue);
      // Warm-up: the first flows load code and open connections.
      await pool(4, 4, () => flows.projectDevice(projectQueue));
      await pool(4, 4, () => flows.projectPhone(projectQueue));
      await pool(4, 4, () => flows.baselineDevice(baselineQueue));
      await pool(4, 4, () => flows.baselinePhone(baselineQueue));
      const overheadRounds: OverheadRound[] = [];
      /** Both sides of one comparison, in the round's order; returns [project, baseline] flows per second. */
      const bothSides = async (
        projectFirst: boolean,
        project: () => Promise<number>,
        baseline: () => Promise<number>,
      ): Promise<[number, number]> => {
        if (projectFirst) {
          const p = await project();
          return [p, await baseline()];
        }
        const b = await baseline();
        return [await project(), b];
      };
      for (let round = 1; round <= options.overheadRounds; round++) {
        // The side that runs first alternates (A B, B A, ...), so a drift within a round (the
        // server's database growing, another process waking up) does not always favour one side.
        const projectFirst = round % 2 === 1;
        const cpu0 = { project: cpuSeconds(projectWorker.child.pid!), baseline: cpuSeconds(baselineWorker.child.pid!) };
        const [projectDevice, baselineDevice] = await bothSides(
          projectFirst,
          () => throughput(flows.projectDevice, projectQueue),
          () => throughput(flows.baselineDevice, baselineQueue),
        );
        const [projectPhone, baselinePhone] = await bothSides(
          projectFirst,
          () => throughput(flows.projectPhone, projectQueue),
          () => throughput(flows.baselinePhone, baselineQueue),
        );
        const cpu = {
          project: cpuSeconds(projectWorker.child.pid!) - cpu0.project,
          baseline: cpuSeconds(baselineWorker.child.pid!) - cpu0.baseline,
        };
        overheadRounds.push({
          round,
          first: projectFirst ? 'project' : 'baseline',
          load: load1(),
          device: {
            project: round1(projectDevice),
            baseline: round1(baselineDevice),
            ratio: round3(projectDevice / baselineDevice),
          },
          phone: {
            project: round1(projectPhone),
            baseline: round1(baselinePhone),
            ratio: round3(projectPhone / baselinePhone),
          },
          workerCpuMsPerFlow: {
            project: Math.round((cpu.project * 1000) / (2 * options.overheadFlows)),
            baseline: Math.round((cpu.baseline * 1000) / (2 * options.overheadFlows)),
          },
        });
        log(`overhead round ${round}: ${JSON.stringify(overheadRounds.at(-1))}`);
      }
      await stopWorker(projectWorker);
      await stopWorker(baselineWorker);

      log('overhead: CPU profiles of the project and the baseline worker (one more round of each flow)');
      // Both sides profiled the same way, so the table says where the project's extra time goes.
      const profileOf = async (variant: 'project' | 'baseline'): Promise<ProfileBreakdown[]> => {
        const profileDir = join(work, `profile-${variant}`);
        mkdirSync(profileDir);
        const profiledQueue = unique(`overhead-profiled-${variant}`);
        const profiled = await startWorker(variant, profiledQueue, {
          env: overheadEnv,
          nodeArgs: ['--cpu-prof', '--cpu-prof-dir', profileDir],
        });
        const [device, phone] =
          variant === 'project'
            ? [flows.projectDevice, flows.projectPhone]
            : [flows.baselineDevice, flows.baselinePhone];
        await pool(4, 4, () => device(profiledQueue));
        await throughput(device, profiledQueue);
        await throughput(phone, profiledQueue);
        await stopWorker(profiled);
        return profileBreakdowns(profileDir);
      };
      const profiles = await profileOf('project');
      const baselineProfiles = await profileOf('baseline');
      loads.afterOverhead = load1();
      measured.overhead = {
        flowsPerSideAndRound: options.overheadFlows,
        concurrency: options.concurrency,
        rounds: overheadRounds,
        deviceRatio: pick(overheadRounds, (r) => r.device.ratio),
        phoneRatio: pick(overheadRounds, (r) => r.phone.ratio),
        profile: profiles,
        baselineProfile: baselineProfiles,
        profiledFlowsPerKind: options.overheadFlows,
      };
    }

    if (options.parts.has(2)) {
      // -------------------------------------------------------------------------------------------
      // 2a. Memory per cached waiting workflow: project against baseline, interleaved.
      const memoryRounds: Array<{ round: number; projectMiB: number; baselineMiB: number; ratio: number }> = [];
      for (let round = 1; round <= options.rounds; round++) {
        const perWorkflow: Record<string, number> = {};
        for (const variant of ['project', 'baseline'] as const) {
          const taskQueue = unique(`mem-${variant}-${round}`);
          const worker = await startWorker(variant, taskQueue, { maxCached: 100_000 });
          const pid = worker.child.pid!;
          await sleep(1000);
          const before = rssBytes(pid);
          const handles: Array<{ query(name: string): Promise<unknown> }> = [];
          await pool(options.memoryWorkflows, 32, async () => {
            if (variant === 'project') {
              handles.push(
                await client.workflow.start<typeof deviceApprovalWorkflow>(
                  'deviceApprovalWorkflow',
                  deviceApprovalStartOptions(approval(), taskQueue),
                ),
              );
            } else {
              handles.push(
                await plainClient.workflow.start<typeof baselineWaitingWorkflow>('baselineWaitingWorkflow', {
                  workflowId: `baseline/${randomUUID()}`,
                  taskQueue,
                }),
              );
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
            // A busy machine can time a query out before the worker answers: ask again.
            for (let attempt = 1; ; attempt++) {
              try {
                await handles[index]!.query('__stack_trace');
                return;
              } catch (error) {
                if (attempt >= 5) throw error;
              }
            }
          });
          await sleep(options.quick ? 2000 : 5000);
          const after = rssBytes(pid);
          perWorkflow[variant] = (after - before) / MIB / options.memoryWorkflows;
          log(
            `memory round ${round} ${variant}: RSS ${round1(before / MIB)} → ${round1(after / MIB)} MiB, ` +
              `${round3(perWorkflow[variant])} MiB per waiting workflow`,
          );
          await stopWorker(worker);
        }
        memoryRounds.push({
          round,
          projectMiB: round3(perWorkflow.project!),
          baselineMiB: round3(perWorkflow.baseline!),
          ratio: round3(perWorkflow.project! / perWorkflow.baseline!),
        });
      }
      loads.afterMemory = load1();

      // -------------------------------------------------------------------------------------------
      // 2b. Waiting at scale with the configured cache.
      const scaleQueue = unique('scale');
      // Quick mode waits fewer approvals than the default cache holds: a smaller cache keeps eviction in the picture.
      const maxCached = Number(
        process.env.KYC_MAX_CACHED_WORKFLOWS ??
          (options.quick ? Math.floor(options.waiting / 2) : DEFAULT_MAX_CACHED_WORKFLOWS),
      );
      const scaleWorker = await startWorker('project', scaleQueue, { maxCached });
      const pid = scaleWorker.child.pid!;
      await sleep(1000);
      const dbBytes = () =>
        [dbFile, `${dbFile}-wal`].reduce((sum, file) => sum + (existsSync(file) ? statSync(file).size : 0), 0);
      const rssBefore = rssBytes(pid);
      const dbBefore = dbBytes();
      const requests: DeviceApprovalInput[] = Array.from({ length: options.waiting }, approval);
      log(`starting ${options.waiting} approvals (worker cache ${maxCached})`);
      const startT0 = Date.now();
      const rssCurve: Array<[number, number]> = [[0, round1(rssBefore / MIB)]];
      await pool(options.waiting, 64, async (index) => {
        await client.workflow.start<typeof deviceApprovalWorkflow>(
          'deviceApprovalWorkflow',
          deviceApprovalStartOptions(requests[index], scaleQueue),
        );
      });
      const startSeconds = (Date.now() - startT0) / 1000;
      await waitUntil(
        async () => {
          const waiting = await countWaiting(scaleQueue);
          rssCurve.push([waiting, round1(rssBytes(pid) / MIB)]);
          return waiting >= options.waiting;
        },
        'every approval to wait for its token',
        60 * 60_000,
      );
      const allWaitingSeconds = (Date.now() - startT0) / 1000;
      const rssAfter = rssBytes(pid);
      log(`all ${options.waiting} waiting after ${round1(allWaitingSeconds)} s; RSS ${round1(rssAfter / MIB)} MiB`);
      const cpuIdle0 = cpuSeconds(pid);
      await sleep(options.idleSeconds * 1000);
      const idleCpu = cpuSeconds(pid) - cpuIdle0;
      const rssIdle = rssBytes(pid);
      const dbAfter = dbBytes();

      log(`tokens for ${options.tokens} of them: half to the first started, half to the last started`);
      // With more waiting than the cache holds, the first started were evicted (their token's task
      // replays their history first) and the last started are still cached: alternating between
      // them tells the cache's share of the latency from the machine's.
      const tokenTargets = Array.from({ length: options.tokens }, (_, i) =>
        i % 2 === 0
          ? { index: i / 2, group: 'first' as const }
          : { index: options.waiting - 1 - (i - 1) / 2, group: 'last' as const },
      );
      const latencies: number[] = [];
      const groupLatencies = { first: [] as number[], last: [] as number[] };
      let tokenFailures = 0;
      // The approver's app has its token before it submits it (not timed): token → APPROVED.
      const tokens = new Map<string, string>();
      await pool(tokenTargets.length, 16, async (i) => {
        const request = requests[tokenTargets[i]!.index]!;
        tokens.set(request.deviceKey, await tokenFor(request.deviceKey));
      });
      const loadBeforeTokens = load1();
      // Approvers type their tokens independently: arrivals at a fixed rate (open loop), so each
      // latency is what one approver sees while the rest wait, not the queue of a closed loop.
      await paced(tokenTargets.length, options.tokensPerSecond, async (i) => {
        const { index, group } = tokenTargets[i]!;
        const request = requests[index]!;
        const handle = client.workflow.getHandle(`device-approval/${accountKey}/${request.deviceKey}`);
        const t0 = performance.now();
        try {
          const outcome = await handle.executeUpdate(submitTokenUpdate, {
            args: [{ token: tokens.get(request.deviceKey)! }],
          });
          const elapsed = performance.now() - t0;
          if (outcome.outcome === 'accepted') {
            latencies.push(elapsed);
            groupLatencies[group].push(elapsed);
          } else tokenFailures++;
        } catch {
          tokenFailures++;
        }
      });
      latencies.sort((a, b) => a - b);
      const groupSummary = (values: number[]) => {
        const sorted = [...values].sort((a, b) => a - b);
        return { count: sorted.length, p50: round1(percentile(sorted, 50)), p99: round1(percentile(sorted, 99)) };
      };
      const rssTokens = rssBytes(pid);

      log(`${options.earlyTokens} tokens typed while the bank still answers the creation call`);
      await bank.slow('create', 1500, options.earlyTokens, 'after');
      let earlyAccepted = 0;
      const earlyRefused: Record<string, number> = {};
      await pool(options.earlyTokens, 16, async () => {
        const request = approval();
        const handle = await client.workflow.start<typeof deviceApprovalWorkflow>(
          'deviceApprovalWorkflow',
          deviceApprovalStartOptions(request, scaleQueue),
        );
        const token = await tokenFor(request.deviceKey);
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
      await stopWorker(scaleWorker);
      loads.afterScale = load1();
      measured.memoryPerWaitingWorkflow = {
        workflowsPerSide: options.memoryWorkflows,
        rounds: memoryRounds,
        projectMiB: pick(memoryRounds, (r) => r.projectMiB),
        baselineMiB: pick(memoryRounds, (r) => r.baselineMiB),
        ratio: pick(memoryRounds, (r) => r.ratio),
      };
      measured.waitingAtScale = {
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
        rssCurve,
        idleWindowSeconds: options.idleSeconds,
        idleCpuSeconds: round3(idleCpu),
        databaseBytesPerOpenApproval: Math.round((dbAfter - dbBefore) / options.waiting),
        tokens: {
          submitted: options.tokens,
          perSecond: options.tokensPerSecond,
          accepted: latencies.length,
          failed: tokenFailures,
          loadAverage: loadBeforeTokens,
          firstStarted: groupSummary(groupLatencies.first),
          lastStarted: groupSummary(groupLatencies.last),
          latencyMs: {
            p50: round1(percentile(latencies, 50)),
            p95: round1(percentile(latencies, 95)),
            p99: round1(percentile(latencies, 99)),
            max: round1(latencies.at(-1) ?? NaN),
          },
        },
        earlyTokens: { submitted: options.earlyTokens, accepted: earlyAccepted, refused: earlyRefused },
      };
    }

    if (options.parts.has(4)) {
      // -------------------------------------------------------------------------------------------
      // 4. Provider rate: a burst of phone checks with one and with two worker processes.
      const rateRuns: RateRun[] = [];
      const rateCurvesMeasured: Array<Array<[number, number]>> = [];
      // The gateway stamps each call as its event loop takes it: in a process of its own, not in
      // this one, which sends the whole burst's starts and result requests at once.
      const gatewayPort = await freePort();
      workers.push(
        await startWorkerProcess({
          entry: 'bench-gateway',
          env: { ...process.env, BENCH_GATEWAY_PORT: String(gatewayPort), PHONE_TOKEN: credentials.phoneToken },
          logFile: join(work, 'gateway-simulator.log'),
        }),
      );
      const rateGatewayUrl = `http://127.0.0.1:${gatewayPort}`;
      const rateGateway = new SimulatorControl(rateGatewayUrl);
      for (const processes of [1, 2]) {
        const taskQueue = unique(`rate-${processes}`);
        const rateWorkers: WorkerProcess[] = [];
        for (let i = 0; i < processes; i++)
          rateWorkers.push(
            await startWorker('project', taskQueue, {
              env: { PHONE_RATE_PER_SECOND: String(GATEWAY_RATE), PHONE_BASE_URL: rateGatewayUrl },
            }),
          );
        await rateGateway.reset();
        log(`rate: ${options.rateChecks} phone checks at once, ${processes} worker process(es)`);
        const t0 = Date.now();
        const handles = await Promise.all(
          Array.from({ length: options.rateChecks }, () =>
            client.workflow.start<typeof phoneCheckWorkflow>(PHONE_CHECK_WORKFLOW_TYPE, {
              workflowId: phoneCheckWorkflowId(randomUUID()),
              taskQueue,
              args: [PHONE_FACTORS],
            }),
          ),
        );
        let completed = 0;
        let unanswered = 0;
        await Promise.all(
          handles.map(async (handle) => {
            const result = await handle.result().catch(() => undefined);
            if (result?.outcome === 'VERIFIED') completed++;
            unanswered += result?.unansweredCalls ?? 0;
          }),
        );
        const seconds = (Date.now() - t0) / 1000;
        const times = await gatewayCallTimes(rateGateway);
        const first = Math.min(...times);
        // The schedule as the ledger decided it, to tell it from the arrival stamps.
        const slots = await grantedGatewaySlots(client, dataConverter, phoneGatewayTaskQueue(taskQueue));
        rateCurvesMeasured.push(
          times
            .map((t) => t - first)
            .sort((a, b) => a - b)
            .map(
              (t, index, sorted) => [t / 1000, index + 1 - sorted.findIndex((s) => s > t - 1000)] as [number, number],
            ),
        );
        rateRuns.push({
          processes,
          checks: options.rateChecks,
          completed,
          lost: options.rateChecks - completed,
          gatewayCalls: times.length,
          unansweredCalls: unanswered,
          peakPerSlidingSecond: peakInSlidingWindow(times, 1000),
          meanPerSecond: round1(meanRatePerSecond(times)),
          slots: slots.length,
          slotsPeakPerSlidingSecond: peakInSlidingWindow(slots, 1000),
          firstCallAfterSeconds: round1((first - t0) / 1000),
          allDoneSeconds: round1(seconds),
          load: load1(),
        });
        log(`rate: ${JSON.stringify(rateRuns.at(-1))}`);
        for (const worker of rateWorkers) await stopWorker(worker);
      }

      measured.providerRate = { limitPerSecond: GATEWAY_RATE, runs: rateRuns };
      rateCurves = rateCurvesMeasured;
    }
    if (options.parts.has(3) || options.parts.has(5)) {
      // -------------------------------------------------------------------------------------------
      // 3. History of long polling and 5. callback latency, on one worker that receives callbacks.
      const identityQueue = unique('identity');
      const identityWorker = await startWorker('project', identityQueue, { callbackPort });
      const historyRuns: HistoryRun[] = [];
      for (const polls of options.polls) {
        const { flowId } = await esign.createFlow();
        await esign.progress(flowId, { flowStatus: 'ING', callback: false });
        const t0 = Date.now();
        await client.workflow.start<typeof identityFlowWorkflow>('identityFlowWorkflow', {
          ...identityFlowStartOptions(flowId, identityQueue),
          args: [{ flowId, polling: { initialIntervalMs: 1, backoffCoefficient: 1, maxIntervalMs: 1 } }],
        });
        await waitUntil(async () => (await esign.outlineReads(flowId)) >= polls, `${polls} polls`, 30 * 60_000);
        await esign.progress(flowId, { flowStatus: 'SUCCESS', callback: false });
        const handle = client.workflow.getHandle<typeof identityFlowWorkflow>(identityFlowWorkflowId(flowId));
        await handle.result();
        let runs = 0;
        let events = 0;
        let lastRunEvents = 0;
        for await (const execution of client.workflow.list({
          query: `WorkflowId = '${identityFlowWorkflowId(flowId)}'`,
        })) {
          runs++;
          const count =
            (await client.workflow.getHandle(execution.workflowId, execution.runId).fetchHistory()).events?.length ?? 0;
          events += count;
          if (execution.status.name === 'COMPLETED') lastRunEvents = count;
        }
        historyRuns.push({
          polls: await esign.outlineReads(flowId),
          events,
          runs,
          lastRunEvents,
          seconds: round1((Date.now() - t0) / 1000),
        });
        log(`history: ${JSON.stringify(historyRuns.at(-1))}`);
      }
      const defaults = TRACKING_LIMITS.polling;
      const requestsPerMinute = {
        atFirstInterval: round1(60_000 / defaults.initialIntervalMs.default),
        atMaxInterval: round1(60_000 / defaults.maxIntervalMs.default),
      };

      log(`callback latency over ${options.callbackFlows} flows (10-minute poll interval)`);
      const callbackLatencies: number[] = [];
      await pool(options.callbackFlows, 5, async () => {
        const { flowId } = await esign.createFlow();
        await esign.progress(flowId, { flowStatus: 'ING', callback: false });
        const handle = await client.workflow.start<typeof identityFlowWorkflow>('identityFlowWorkflow', {
          ...identityFlowStartOptions(flowId, identityQueue),
          args: [{ flowId, polling: { initialIntervalMs: 600_000, maxIntervalMs: 600_000 } }],
        });
        await waitUntil(async () => (await esign.outlineReads(flowId)) >= 1, 'the first poll', 120_000);
        await sleep(200);
        await esign.progress(flowId, { flowStatus: 'SUCCESS', callback: false });
        const calledBack = Date.now();
        const [delivery] = await esign.sendCallbacks(flowId);
        if (delivery?.status !== 200) throw new Error(`callback answered ${delivery?.status}`);
        await handle.result();
        const closeTime = (await handle.describe()).closeTime;
        callbackLatencies.push(closeTime!.getTime() - calledBack);
      });
      callbackLatencies.sort((a, b) => a - b);
      await stopWorker(identityWorker);
      loads.end = load1();
      measured.history = { runs: historyRuns, requestsPerMinuteAtDefaults: requestsPerMinute };
      measured.callbackLatency = {
        flows: options.callbackFlows,
        pollIntervalMs: 600_000,
        latencyMs: {
          p50: round1(percentile(callbackLatencies, 50)),
          p99: round1(percentile(callbackLatencies, 99)),
          max: round1(callbackLatencies.at(-1) ?? NaN),
        },
      };
    }

    // -------------------------------------------------------------------------------------------
    const previous = options.parts.size < 5 ? readPreviousResults() : undefined;
    const partsFromEarlierRuns: Record<string, string> = {};
    /** A part this run skipped (--parts), as the last results had it, with the run that measured it. */
    function earlier<K extends keyof Results>(key: K, part: number): Results[K] {
      if (!previous)
        throw new Error(`part ${part} was not run and benchmarks/results/latest.json has no earlier results`);
      partsFromEarlierRuns[String(part)] = previous.partsFromEarlierRuns?.[String(part)] ?? previous.startedAt;
      return previous[key];
    }
    const results: Results = {
      startedAt: startedAt.toISOString(),
      mode: options.quick ? 'quick' : 'full',
      durationSeconds: Math.round((Date.now() - startedAt.getTime()) / 1000),
      machine: {
        cores: cpus().length,
        cpuModel: cpus()[0]?.model ?? 'unknown',
        memoryGiB: round1(totalmem() / 1024 ** 3),
        node: process.version,
        temporalServer: systemInfo.serverVersion,
        temporalCli: cliVersion,
        note: 'shared machine: other processes were running; compare ratios rather than absolute values',
      },
      loadAverage: loads,
      overhead: measured.overhead ?? earlier('overhead', 1),
      memoryPerWaitingWorkflow: measured.memoryPerWaitingWorkflow ?? earlier('memoryPerWaitingWorkflow', 2),
      waitingAtScale: measured.waitingAtScale ?? earlier('waitingAtScale', 2),
      providerRate: measured.providerRate ?? earlier('providerRate', 4),
      history: measured.history ?? earlier('history', 3),
      callbackLatency: measured.callbackLatency ?? earlier('callbackLatency', 5),
      partsFromEarlierRuns,
    };
    writeResults(results, rateCurves);
    log('done: benchmarks/results/latest.json, latest.md, the charts, docs/performance.md');
  } finally {
    for (const worker of [...workers]) await worker.kill('SIGTERM').catch(() => undefined);
    await simulators.close();
    await server.stop();
    rmSync(work, { recursive: true, force: true });
  }
}

interface OverheadRound {
  round: number;
  /** Which side ran first in this round (older results: the project always did). */
  first?: 'project' | 'baseline';
  load: number;
  device: { project: number; baseline: number; ratio: number };
  phone: { project: number; baseline: number; ratio: number };
  workerCpuMsPerFlow: { project: number; baseline: number };
}

interface RateRun {
  processes: number;
  checks: number;
  completed: number;
  lost: number;
  gatewayCalls: number;
  unansweredCalls: number;
  peakPerSlidingSecond: number;
  meanPerSecond: number;
  /** Send slots the ledger granted (calls plus slots given up), and their peak per sliding second. */
  slots: number;
  slotsPeakPerSlidingSecond: number;
  firstCallAfterSeconds: number;
  allDoneSeconds: number;
  load: number;
}

interface HistoryRun {
  polls: number;
  events: number;
  runs: number;
  lastRunEvents: number;
  seconds: number;
}

type MinMedian = { min: number; median: number };

interface Results {
  startedAt: string;
  mode: string;
  durationSeconds: number;
  machine: Record<string, string | number>;
  loadAverage: Record<string, number>;
  overhead: {
    flowsPerSideAndRound: number;
    concurrency: number;
    rounds: OverheadRound[];
    deviceRatio: MinMedian;
    phoneRatio: MinMedian;
    profile: ProfileBreakdown[];
    /** The baseline worker profiled the same way. */
    baselineProfile: ProfileBreakdown[];
    /** Device approvals, then phone checks, in each profiled round (after 4 warm-up approvals). */
    profiledFlowsPerKind: number;
  };
  memoryPerWaitingWorkflow: {
    workflowsPerSide: number;
    rounds: Array<{ round: number; projectMiB: number; baselineMiB: number; ratio: number }>;
    projectMiB: MinMedian;
    baselineMiB: MinMedian;
    ratio: MinMedian;
  };
  waitingAtScale: {
    waiting: number;
    maxCachedWorkflows: number;
    startsPerSecond: number;
    allWaitingAfterSeconds: number;
    workerRssMiB: { before: number; allWaiting: number; afterIdle: number; afterTokens: number };
    rssCurve: Array<[number, number]>;
    idleWindowSeconds: number;
    idleCpuSeconds: number;
    databaseBytesPerOpenApproval: number;
    tokens: {
      submitted: number;
      /** Arrival rate of the tokens (open loop), per second. */
      perSecond: number;
      accepted: number;
      failed: number;
      loadAverage: number;
      firstStarted: { count: number; p50: number; p99: number };
      lastStarted: { count: number; p50: number; p99: number };
      latencyMs: Record<string, number>;
    };
    earlyTokens: { submitted: number; accepted: number; refused: Record<string, number> };
  };
  providerRate: { limitPerSecond: number; runs: RateRun[] };
  history: { runs: HistoryRun[]; requestsPerMinuteAtDefaults: { atFirstInterval: number; atMaxInterval: number } };
  callbackLatency: { flows: number; pollIntervalMs: number; latencyMs: Record<string, number> };
  /** Parts (by number) this run did not measure (--parts), and the start of the run that did. */
  partsFromEarlierRuns?: Record<string, string>;
}

/** The results the last run wrote, for the parts a `--parts` run skips. */
function readPreviousResults(): Results | undefined {
  const file = join(PROJECT_ROOT, 'benchmarks', 'results', 'latest.json');
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Results) : undefined;
}

const mm = (value: MinMedian) => `${value.min} / ${value.median}`;

function markdown(results: Results): string {
  const m = results.machine;
  const o = results.overhead;
  const mem = results.memoryPerWaitingWorkflow;
  const s = results.waitingAtScale;
  const refused = Object.entries(s.earlyTokens.refused)
    .map(([type, count]) => `${count} ${type}`)
    .join(', ');
  const mainProfile = o.profile[0];
  return [
    `Run ${results.startedAt} (${results.mode}, ${results.durationSeconds} s): ${m.cores} cores (${m.cpuModel}), ${m.memoryGiB} GiB, Node ${m.node}, ` +
      `Temporal server ${m.temporalServer} (${m.temporalCli}). ${m.note}. Load average (1 min) at start, after each part, at the end: ` +
      `${Object.entries(results.loadAverage)
        .map(([at, value]) => `${value} (${at})`)
        .join(', ')}.`,
    ...Object.entries(
      Object.entries(results.partsFromEarlierRuns ?? {}).reduce<Record<string, string[]>>((byRun, [part, run]) => {
        (byRun[run] ??= []).push(part);
        return byRun;
      }, {}),
    ).map(
      ([run, parts]) =>
        `\n_Part${parts.length > 1 ? 's' : ''} ${parts.join(', ')}: from the run of ${run} (not rerun by this one)._`,
    ),
    '',
    `**1. Overhead** (completed flows per second, ${o.flowsPerSideAndRound} per side and round, ${o.concurrency} at once, sides interleaved; goal: ratio ≥ 0.8):`,
    '',
    '| round | first | load | device approval: project / baseline | ratio | phone check: project / baseline | ratio | worker CPU ms per flow: project / baseline |',
    '| ----- | ----- | ---: | ----------------------------------: | ----: | ------------------------------: | ----: | ----------------------------------------: |',
    ...o.rounds.map(
      (r) =>
        `| ${r.round} | ${r.first ?? 'project'} | ${r.load} | ${r.device.project} / ${r.device.baseline} | ${r.device.ratio} | ${r.phone.project} / ${r.phone.baseline} | ${r.phone.ratio} | ${r.workerCpuMsPerFlow.project} / ${r.workerCpuMsPerFlow.baseline} |`,
    ),
    `| min / median | | | | ${mm(o.deviceRatio)} | | ${mm(o.phoneRatio)} | |`,
    '',
    ...(mainProfile
      ? [
          `Where the workers' time goes (CPU profiles of one more round, ${o.profiledFlowsPerKind} device approvals and ${o.profiledFlowsPerKind} phone checks per side; self time of all threads, loading code left out: project ${sumStartup(o.profile)} ms, baseline ${sumStartup(o.baselineProfile)} ms):`,
          '',
          '| code | project ms | baseline ms |',
          '| ---- | ---------: | ----------: |',
          ...profileRows(o.profile, o.baselineProfile).map(
            ([name, project, baseline]) => `| ${name} | ${project} | ${baseline} |`,
          ),
          '',
        ]
      : []),
    `**2. Memory per cached waiting workflow** (${mem.workflowsPerSide} per side and round, unbounded cache, sides interleaved):`,
    '',
    '| round | device approval (MiB) | bare waiting workflow (MiB) | ratio |',
    '| ----- | --------------------: | --------------------------: | ----: |',
    ...mem.rounds.map((r) => `| ${r.round} | ${r.projectMiB} | ${r.baselineMiB} | ${r.ratio} |`),
    `| min / median | ${mm(mem.projectMiB)} | ${mm(mem.baselineMiB)} | ${mm(mem.ratio)} |`,
    '',
    `**2. Waiting at scale** (${s.waiting} device approvals on one worker, \`KYC_MAX_CACHED_WORKFLOWS=${s.maxCachedWorkflows}\`):`,
    '',
    '| measure | value | goal |',
    '| ------- | ----: | ---- |',
    `| starts per second | ${s.startsPerSecond} | — |`,
    `| all waiting after | ${s.allWaitingAfterSeconds} s | — |`,
    `| worker RSS before / all waiting / after ${s.idleWindowSeconds} s idle / after tokens | ${s.workerRssMiB.before} / ${s.workerRssMiB.allWaiting} / ${s.workerRssMiB.afterIdle} / ${s.workerRssMiB.afterTokens} MiB | < 500 MiB, independent of the number waiting |`,
    `| worker CPU during ${s.idleWindowSeconds} s idle | ${s.idleCpuSeconds} s | ≈ 0 |`,
    `| database bytes per open approval | ${s.databaseBytesPerOpenApproval} | — |`,
    `| token → APPROVED p50 / p95 / p99 / max (${s.tokens.submitted} arriving at ${s.tokens.perSecond}/s, ${s.tokens.accepted} accepted, ${s.tokens.failed} failed; load ${s.tokens.loadAverage}) | ${s.tokens.latencyMs.p50} / ${s.tokens.latencyMs.p95} / ${s.tokens.latencyMs.p99} / ${s.tokens.latencyMs.max} ms | p99 < 1000 ms |`,
    `| token → APPROVED p50 / p99 for the first started (evicted when more wait than the cache holds) / the last started (cached) | ${s.tokens.firstStarted.p50} / ${s.tokens.firstStarted.p99} ms / ${s.tokens.lastStarted.p50} / ${s.tokens.lastStarted.p99} ms | — |`,
    `| tokens typed while the bank still answered the creation call | ${s.earlyTokens.accepted} of ${s.earlyTokens.submitted} accepted${refused ? `, refused: ${refused}` : ''} | none refused |`,
    '',
    '![Worker RSS against approvals waiting](../benchmarks/results/rss-vs-waiting.png)',
    '',
    `*Worker RSS (MiB, vertical) against approvals waiting (horizontal), cache ${s.maxCachedWorkflows}; dashed: the 500 MiB goal.*`,
    '',
    `**3. History of long polling** (a flow that stays ING, polled every 1 ms; goal: flat, continue-as-new bounded):`,
    '',
    '| polls | history events (all runs) | runs | events of the last run | seconds |',
    '| ----: | ------------------------: | ---: | ---------------------: | ------: |',
    ...results.history.runs.map((r) => `| ${r.polls} | ${r.events} | ${r.runs} | ${r.lastRunEvents} | ${r.seconds} |`),
    '',
    `Provider requests per minute per flow at the default polling policy: ${results.history.requestsPerMinuteAtDefaults.atFirstInterval} at first, backing off to ${results.history.requestsPerMinuteAtDefaults.atMaxInterval}.`,
    '',
    `**4. Provider rate** (\`PHONE_RATE_PER_SECOND=${results.providerRate.limitPerSecond}\`, all checks started at once; goal: peak ≤ ${results.providerRate.limitPerSecond} in every sliding second, mean ≥ 18, none lost):`,
    '',
    '| worker processes | checks | completed | lost | gateway calls | peak in a sliding second | mean per second | slots granted / their peak | first call after | all done after | load |',
    '| ---------------: | -----: | --------: | ---: | ------------: | -----------------------: | --------------: | -------------------------: | ---------------: | -------------: | ---: |',
    ...results.providerRate.runs.map(
      (r) =>
        `| ${r.processes} | ${r.checks} | ${r.completed} | ${r.lost} | ${r.gatewayCalls} | ${r.peakPerSlidingSecond} | ${r.meanPerSecond} | ${r.slots} / ${r.slotsPeakPerSlidingSecond} | ${r.firstCallAfterSeconds} s | ${r.allDoneSeconds} s | ${r.load} |`,
    ),
    '',
    '![Gateway calls in the trailing second](../benchmarks/results/gateway-rate.png)',
    '',
    `*Gateway calls in the trailing second (vertical) against seconds since the first call (horizontal): blue one worker process, green two; dashed: the limit.*`,
    '',
    `**5. Callback latency** (callback received → tracker completed, ${results.callbackLatency.flows} flows, poll interval 10 minutes): p50 ${results.callbackLatency.latencyMs.p50} ms, p99 ${results.callbackLatency.latencyMs.p99} ms, max ${results.callbackLatency.latencyMs.max} ms (goal: p99 < 1000 ms).`,
    '',
  ].join('\n');
}

function niceTicks(max: number, count = 5): number[] {
  const raw = max / count;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((f) => f * magnitude).find((s) => s >= raw)!;
  return Array.from({ length: Math.floor(max / step) + 1 }, (_, i) => i * step);
}

/** The charts; the gateway chart only when this run measured the rate (its curves are not kept in the results). */
function writeCharts(dir: string, results: Results, rateCurves: Array<Array<[number, number]>> | undefined): void {
  const curve = results.waitingAtScale.rssCurve;
  const maxWaiting = Math.max(1, ...curve.map(([x]) => x));
  const maxRss = Math.max(550, ...curve.map(([, y]) => y)) * 1.1;
  writeFileSync(
    join(dir, 'rss-vs-waiting.png'),
    renderLineChart({
      width: 560,
      height: 260,
      x: { min: 0, max: maxWaiting, ticks: niceTicks(maxWaiting) },
      y: { min: 0, max: maxRss, ticks: niceTicks(maxRss) },
      series: [{ points: curve, color: [30, 100, 200] }],
      rules: [{ y: 500, color: [200, 40, 40] }],
    }),
  );
  if (!rateCurves) return;
  const maxT = Math.max(1, ...rateCurves.flat().map(([x]) => x));
  const limit = results.providerRate.limitPerSecond;
  writeFileSync(
    join(dir, 'gateway-rate.png'),
    renderLineChart({
      width: 560,
      height: 260,
      x: { min: 0, max: maxT, ticks: niceTicks(maxT) },
      y: { min: 0, max: limit * 1.5, ticks: niceTicks(limit * 1.5) },
      series: rateCurves.map((points, index) => ({
        points,
        color: index === 0 ? ([30, 100, 200] as const) : ([40, 160, 80] as const),
      })),
      rules: [{ y: limit, color: [200, 40, 40] }],
    }),
  );
}

function writeResults(results: Results, rateCurves: Array<Array<[number, number]>> | undefined): void {
  const dir = join(PROJECT_ROOT, 'benchmarks', 'results');
  writeFileSync(join(dir, 'latest.json'), `${JSON.stringify(results, null, 2)}\n`);
  writeCharts(dir, results, rateCurves);
  const table = markdown(results);
  writeFileSync(join(dir, 'latest.md'), table.replaceAll('../benchmarks/results/', './'));
  const docPath = join(PROJECT_ROOT, 'docs', 'performance.md');
  const begin = '<!-- bench:results:begin -->';
  const end = '<!-- bench:results:end -->';
  const doc = readFileSync(docPath, 'utf8');
  const from = doc.indexOf(begin);
  const to = doc.indexOf(end);
  if (from < 0 || to < from) throw new Error(`docs/performance.md has no ${begin} … ${end} block`);
  writeFileSync(docPath, `${doc.slice(0, from + begin.length)}\n\n${table}\n${doc.slice(to)}`);
  // The written files are committed: give them the repository's formatting (npm run format:check).
  execFileSync(
    process.execPath,
    [
      require.resolve('prettier/bin/prettier.cjs'),
      '--write',
      join(dir, 'latest.json'),
      join(dir, 'latest.md'),
      docPath,
    ],
    { stdio: 'ignore' },
  );
}

main().catch((error: unknown) => {
  console.error(error instanceof BenchOptionError ? `bench: ${error.message}` : error);
  process.exit(1);
});
