/**
 * `npm run chaos [-- --size ci|full] [--flows N] [--seed S] [--duration SECONDS] [--out DIR] [--fault-interval-ms MS]`
 * `npm run chaos -- --recheck <out>/record.json` checks a finished run's saved evidence again.
 *
 * Many flows of all three kinds at once on a stack of the run's own (chaos/stack.ts), while a
 * seeded schedule SIGKILLs and restarts workers, restarts the Temporal dev server on the same
 * database, and has the simulators inject every fault kind they support on a share of requests.
 * At the end the invariants are checked from the providers' side (chaos/checker.ts). Prints one
 * summary line, writes `<out>/latest.json` and `<out>/latest.md` (default test-output/chaos), and
 * exits 1 when any anomaly was found. The seed replays the plan (flows, kills, restarts, faults);
 * timing on a shared machine does not replay exactly.
 *
 * Sizes: `ci` 60 flows over 60 s, 2 worker kills, 1 server restart; `full` 1,000 flows over 7 min,
 * 6 worker kills, 2 server restarts.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { temporal } from '@temporalio/proto';
import { BANK_ROUTES, BankDeviceControl } from '../simulators/bank-device';
import { EsignControl } from '../simulators/esign';
import type { FaultRuleInput } from '../simulators/framework/faults';
import type { RequestLogEntry } from '../simulators/framework/request-log';
import { PHONE_GATEWAY_SLOTS_WORKFLOW_TYPE } from '../contracts/phone-gateway-slots';
import { PHONE_VERIFICATION_PATH } from '../providers/phone-gateway';
import { PROJECT_ROOT } from '../scripts/lib/temporal-cli';
import { checkInvariants, describeAnomaly, type ChaosRecord, type FlowOutcome } from './checker';
import { CHAOS_POLLING, CHAOS_PROVIDER_RETRY, driveFlow, type DriverContext } from './drivers';
import { Random, makeCpf, makePlan, type ChaosPlan } from './plan';
import { startChaosStack, type ChaosStack } from './stack';

const SIZES = {
  ci: { flows: 60, loadSeconds: 60, workerKills: 2, serverRestarts: 1 },
  full: { flows: 1000, loadSeconds: 420, workerKills: 6, serverRestarts: 2 },
} as const;

/** Server log text that shows its persistence falling behind (counted in the report). */
const SERVER_LOG_SIGNS = {
  deadlineExceeded: 'context deadline exceeded',
  sqliteInterrupted: 'interrupted (9)',
  shardStatusUnknown: 'shard status unknown',
};

/** The workers' HTTP timeout per provider call; injected delays go past it. */
const PROVIDER_TIMEOUT_MS = 4_000;
/** Slack in the callback/poll bound for workflow tasks waiting on a loaded two-core machine. */
const BOUND_SLACK_MS = 45_000;

interface Options {
  size: keyof typeof SIZES;
  flows: number;
  seed: number;
  loadMs: number;
  workerKills: number;
  serverRestarts: number;
  out: string;
  /** A new simulator fault rule this often instead of every 1-2 s (more faults, e.g. to show a broken build). */
  faultIntervalMs?: number;
}

function parseOptions(argv: string[]): Options {
  const value = (name: string): string | undefined => {
    const index = argv.indexOf(`--${name}`);
    return index < 0 ? undefined : argv[index + 1];
  };
  const positive = (name: string): number | undefined => {
    const text = value(name);
    if (text === undefined) return undefined;
    const number = Number(text);
    if (!Number.isInteger(number) || number <= 0)
      throw new Error(`--${name} must be a positive integer, got "${text}"`);
    return number;
  };
  const sizeName = value('size') ?? 'ci';
  if (!(sizeName in SIZES)) throw new Error(`--size must be ci or full, got "${sizeName}"`);
  const size = SIZES[sizeName as keyof typeof SIZES];
  const seedText = value('seed');
  const seed = seedText === undefined ? Math.floor(Math.random() * 2 ** 31) : Number(seedText);
  if (!Number.isInteger(seed) || seed < 0) throw new Error(`--seed must be a non-negative integer, got "${seedText}"`);
  return {
    size: sizeName as keyof typeof SIZES,
    flows: positive('flows') ?? size.flows,
    seed,
    loadMs: (positive('duration') ?? size.loadSeconds) * 1000,
    workerKills: size.workerKills,
    serverRestarts: size.serverRestarts,
    out: value('out') ?? join(PROJECT_ROOT, 'test-output', 'chaos'),
    faultIntervalMs: positive('fault-interval-ms'),
  };
}

// ---------------------------------------------------------------------------------------------
// Simulator faults on a seeded schedule

const ESIGN_ROUTES = [
  'POST /v2/identity/auth/web/indivAuthUrl',
  'POST /v2/identity/auth/web/orgAuthUrl',
  'GET /v2/identity/auth/api/common/:flowId/outline',
  'GET /v1/oauth2/access_token',
];
const PHONE_ROUTE = `POST ${PHONE_VERIFICATION_PATH}`;

type Target = 'bank' | 'esign' | 'phone';

function nextFault(random: Random): { target: Target; rule: FaultRuleInput } {
  const target = random.weighted<Target>([
    ['bank', 4],
    ['esign', 3],
    ['phone', 3],
  ]);
  const route =
    target === 'bank'
      ? random.pick(Object.values(BANK_ROUTES))
      : target === 'esign'
        ? random.pick(ESIGN_ROUTES)
        : PHONE_ROUTE;
  const busyAllowed = target === 'phone' || route === BANK_ROUTES.create || route === BANK_ROUTES.resend;
  const kind = random.weighted<FaultRuleInput['kind']>([
    ['status', 3],
    ['delay', 2],
    // An unreadable phone answer ends the check (it may have been billed): rarer there.
    ['malformed', target === 'phone' ? 0.3 : 1.5],
    ['rateLimit', 1.5],
    ['drop', 1.5],
    ['busy', busyAllowed ? 2 : 0],
  ]);
  const times = random.int(1, 2);
  switch (kind) {
    case 'status':
      return { target, rule: { route, kind, times, status: random.pick([500, 502, 503]) } };
    case 'delay':
      return { target, rule: { route, kind, times, delayMs: PROVIDER_TIMEOUT_MS + random.int(200, 3_000) } };
    case 'rateLimit':
      return { target, rule: { route, kind, times, retryAfterSeconds: 1 } };
    default:
      return { target, rule: { route, kind, times } };
  }
}

// ---------------------------------------------------------------------------------------------

function round(value: number, digits = 1): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}

async function pool<T>(items: T[], concurrency: number, task: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, items.length) }, async () => {
      while (next < items.length) await task(items[next++]!);
    }),
  );
}

/** Workflow task failures and workflows still running, for every workflow on the run's task queue. */
async function workflowHealth(stack: ChaosStack, taskQueue: string) {
  const failures: Array<{ workflowId: string; cause: string }> = [];
  const open: string[] = [];
  const executions: Array<{ workflowId: string; runId: string; running: boolean }> = [];
  for await (const execution of stack.kyc.temporal.workflow.list({ query: `TaskQueue = '${taskQueue}'` })) {
    executions.push({
      workflowId: execution.workflowId,
      runId: execution.runId,
      // The gateway's slot ledger lives on by design (it continues as new): not a flow left open.
      running: execution.status.name === 'RUNNING' && execution.type !== PHONE_GATEWAY_SLOTS_WORKFLOW_TYPE,
    });
  }
  const Event = temporal.api.enums.v1.EventType;
  const Cause = temporal.api.enums.v1.WorkflowTaskFailedCause;
  await pool(executions, 6, async ({ workflowId, runId, running }) => {
    if (running) open.push(workflowId);
    const history = await stack.kyc.temporal.workflow.getHandle(workflowId, runId).fetchHistory();
    for (const event of history.events ?? []) {
      if (event.eventType === Event.EVENT_TYPE_WORKFLOW_TASK_FAILED) {
        const cause = event.workflowTaskFailedEventAttributes?.cause ?? 0;
        failures.push({
          workflowId,
          cause: (Cause[cause] ?? String(cause)).replace('WORKFLOW_TASK_FAILED_CAUSE_', ''),
        });
      }
    }
  });
  return { failures, open, executions: executions.length };
}

/** `--recheck <record.json>`: the checker again over a run's saved evidence (without the log check). */
function recheck(file: string): void {
  const record = JSON.parse(readFileSync(file, 'utf8'), (key, value: unknown) =>
    key === 'to' && value === null ? Infinity : value,
  ) as ChaosRecord;
  const summary = checkInvariants(record);
  for (const anomaly of summary.anomalies) console.log(describeAnomaly(anomaly));
  console.log(`chaos recheck: ${summary.anomalies.length} anomalies; allowed ${JSON.stringify(summary.allowed)}`);
  process.exit(summary.anomalies.length === 0 ? 0 : 1);
}

async function main(): Promise<void> {
  const recheckIndex = process.argv.indexOf('--recheck');
  if (recheckIndex >= 0) return recheck(process.argv[recheckIndex + 1] ?? '');
  const options = parseOptions(process.argv.slice(2));
  const startedAt = Date.now();
  const loadBefore = loadavg();
  const work = mkdtempSync(join(tmpdir(), 'kyc-chaos-'));
  const log = (message: string) => console.log(`[chaos ${((Date.now() - startedAt) / 1000).toFixed(0)}s] ${message}`);
  const plan: ChaosPlan = makePlan({
    seed: options.seed,
    flows: options.flows,
    loadMs: options.loadMs,
    workerKills: options.workerKills,
    serverRestarts: options.serverRestarts,
  });
  log(
    `seed ${options.seed}: ${plan.flows.length} flows over ${options.loadMs / 1000} s, ${plan.events.length} stack faults; work folder ${work}`,
  );

  const taskQueue = `chaos-${options.seed}`;
  const stack = await startChaosStack({ work, taskQueue, providerTimeoutMs: PROVIDER_TIMEOUT_MS, log });
  // Interrupted (Ctrl-C, a CI timeout): stop the workers and the server this run started.
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      log(`${signal}: stopping the stack`);
      // Workers and server only: closing the client under calls in flight would throw.
      void Promise.allSettled(stack.workers.map((slot) => slot.kill()))
        .then(() => stack.server.stop())
        .finally(() => process.exit(130));
    });
  }
  const stackReadyAt = Date.now();
  const bank = new BankDeviceControl(stack.simulators.controls.bank);
  const esign = new EsignControl(stack.simulators.controls.esign);
  const controls = stack.simulators.controls;

  const random = new Random(options.seed ^ 0x5eed);
  const accountKey = random.uuid();
  const approverCpfs = Array.from({ length: 8 }, () => makeCpf(random));
  await bank.registerAccount({ account_key: accountKey, approvers: approverCpfs });
  const context: DriverContext = {
    kyc: stack.kyc,
    bank,
    esign,
    workers: stack.workers,
    accountKey,
    approverCpfs,
    seed: options.seed,
    personal: [],
  };

  // --- the load --------------------------------------------------------------------------------
  const loadStart = Date.now();
  let finished = 0;
  const outcomes = Promise.all(
    plan.flows.map(async (script, index) => {
      // Each flow draws from its own generator: the plan replays whatever the timing.
      const flowRandom = new Random((options.seed + 7919 * (index + 1)) >>> 0);
      await sleep(script.startAt);
      const outcome = await driveFlow(context, script, flowRandom, index);
      finished += 1;
      return outcome;
    }),
  );

  // --- simulator faults, every 1-2 s while the load runs -------------------------------------------
  let injecting = true;
  const faultRandom = new Random((options.seed ^ 0xfa17) >>> 0);
  const injector = (async () => {
    while (injecting) {
      const { target, rule } = nextFault(faultRandom);
      await controls[target].injectFault(rule).catch(() => undefined);
      await sleep(options.faultIntervalMs ?? faultRandom.int(1_000, 2_000));
    }
  })();

  // --- stack faults: kills and restarts ----------------------------------------------------------
  let workerKills = 0;
  let serverRestarts = 0;
  const stackFaults = (async () => {
    for (const event of plan.events) {
      const wait = loadStart + event.at - Date.now();
      if (wait > 0) await sleep(wait);
      if (event.kind === 'kill-worker') {
        const slot = stack.workers[event.slot ?? 0]!;
        log(`SIGKILL worker ${slot.index} (${finished}/${plan.flows.length} flows done); back in ${event.downMs} ms`);
        await slot.kill();
        workerKills += 1;
        await sleep(event.downMs);
        await slot.restart();
        log(`worker ${slot.index} restarted`);
      } else {
        log(`restarting the dev server (${finished}/${plan.flows.length} flows done), down ${event.downMs} ms`);
        await stack.restartServer(event.downMs);
        serverRestarts += 1;
        log('dev server back on the same port and database');
      }
    }
  })();

  const progress = setInterval(() => log(`${finished}/${plan.flows.length} flows done`), 30_000);
  await stackFaults;
  await sleep(Math.max(0, loadStart + options.loadMs - Date.now()));
  injecting = false;
  await injector;
  await Promise.all(Object.values(controls).map((control) => control.clearFaults()));
  log('load window over: no new faults; waiting for every flow to end');
  const flows: FlowOutcome[] = await outcomes;
  clearInterval(progress);
  const loadEnd = Date.now();
  log(`all ${flows.length} flows ended; checking`);

  // --- evidence -------------------------------------------------------------------------------------
  const health = await workflowHealth(stack, taskQueue);
  const requests = {
    bank: [...stack.simulators.bank.app.sim.requests.entries],
    esign: [...stack.simulators.esign.app.sim.requests.entries],
    phone: [...stack.simulators.phone.app.sim.requests.entries],
  };
  const deliveries = await esign.deliveries();
  const now = Date.now();
  const workerDeaths = stack.workers.flatMap((slot) =>
    slot.deaths.map((death) => ({ ...death, to: Math.min(death.to, now) })),
  );
  await stack.close();
  const loadAfter = loadavg();

  const requestLogText = JSON.stringify(requests);
  const serverLogText = readFileSync(stack.serverLogFile, 'utf8');
  // How the server's SQLite kept up: calls past their deadline, and the stall of an earlier full run.
  const serverLog = Object.fromEntries(
    Object.entries(SERVER_LOG_SIGNS).map(([name, sign]) => [name, serverLogText.split(sign).length - 1]),
  ) as Record<keyof typeof SERVER_LOG_SIGNS, number>;
  log(
    `dev server log: ${serverLog.deadlineExceeded} deadline exceeded, ${serverLog.sqliteInterrupted} SQLite interrupted (9), ` +
      `${serverLog.shardStatusUnknown} shard status unknown`,
  );
  const record: ChaosRecord = {
    flows,
    requests,
    callbacks: deliveries.map(({ flowId, tamper, status, at }) => ({ flowId, tamper, status, at })),
    serverDown: stack.serverDown,
    workerDeaths,
    // The poll interval and a dead poller's heartbeat timeout, plus slack for a shared, loaded
    // machine (workflow tasks wait for a CPU); a lost callback is caught only by polling, so a
    // poller that stopped would exceed it by far.
    pollBoundMs: CHAOS_POLLING.maxIntervalMs + CHAOS_POLLING.heartbeatTimeoutMs + BOUND_SLACK_MS,
    faultedReadCostMs: PROVIDER_TIMEOUT_MS + CHAOS_PROVIDER_RETRY.maxIntervalMs,
    workflowTaskFailures: health.failures,
    openWorkflows: health.open,
    logs: [
      ...stack.workers.map((slot) => ({
        source: `worker ${slot.index} log`,
        text: readFileSync(slot.logFile, 'utf8'),
      })),
      { source: 'dev server log', text: serverLogText },
      { source: 'simulator request logs', text: requestLogText },
      { source: 'e-signature callback deliveries', text: JSON.stringify(deliveries) },
    ],
    personalValues: [
      ...approverCpfs.map((value) => ({ kind: 'CPF', value, flow: `bank account ${accountKey}` })),
      ...context.personal,
    ],
  };
  mkdirSync(options.out, { recursive: true });
  // The evidence as checked (request logs hold no personal data; the logs and the personal values
  // do, so they stay out of it): `--recheck <file>` runs the checker on it again.
  writeFileSync(join(options.out, 'record.json'), JSON.stringify({ ...record, logs: [], personalValues: [] }));
  const summary = checkInvariants(record);

  // --- report -----------------------------------------------------------------------------------------
  const count = <T>(items: T[], key: (item: T) => string) =>
    items.reduce<Record<string, number>>((acc, item) => ((acc[key(item)] = (acc[key(item)] ?? 0) + 1), acc), {});
  const allRequests: RequestLogEntry[] = [...requests.bank, ...requests.esign, ...requests.phone];
  const faults = count(
    allRequests.filter((entry) => entry.fault),
    (entry) => entry.fault!,
  );
  const faultTotal = Object.values(faults).reduce((sum, n) => sum + n, 0);
  const flowsByKind = count(flows, (flow) => flow.kind);
  const outcomesByKind: Record<string, Record<string, number>> = {};
  for (const flow of flows) {
    const key = `${flow.kind}${flow.variant ? ` ${flow.variant}` : ''}`;
    outcomesByKind[key] ??= {};
    outcomesByKind[key][flow.observed] = (outcomesByKind[key][flow.observed] ?? 0) + 1;
  }
  const wallSeconds = round((Date.now() - startedAt) / 1000);
  const report = {
    seed: options.seed,
    size: options.size,
    flows: flows.length,
    flowsByKind,
    outcomes: outcomesByKind,
    faultsInjected: faults,
    providerRequests: { bank: requests.bank.length, esign: requests.esign.length, phone: requests.phone.length },
    workerKills,
    serverRestarts,
    workerStarts: stack.workers.reduce((sum, slot) => sum + slot.starts, 0),
    serverLog,
    workflowsChecked: health.executions,
    callbacks: summary.callbacks,
    allowed: summary.allowed,
    anomalies: summary.anomalies.length,
    anomalyDetails: summary.anomalies.map(describeAnomaly),
    wallSeconds,
    stackStartSeconds: round((stackReadyAt - startedAt) / 1000),
    loadSeconds: round((loadEnd - loadStart) / 1000),
    machine: {
      cpus: cpus().length,
      loadAverageBefore: loadBefore.map((l) => round(l, 2)),
      loadAverageAfter: loadAfter.map((l) => round(l, 2)),
    },
  };
  writeFileSync(join(options.out, 'latest.json'), `${JSON.stringify(report, null, 2)}\n`);
  writeFileSync(join(options.out, 'latest.md'), markdown(report));
  for (const text of report.anomalyDetails) console.log(text);
  const line =
    `chaos: ${summary.anomalies.length === 0 ? 'PASS' : 'FAIL'} seed ${options.seed}, ${flows.length} flows ` +
    `(device ${flowsByKind.device ?? 0}, identity ${flowsByKind.identity ?? 0}, phone ${flowsByKind.phone ?? 0}), ` +
    `${faultTotal} faults injected, ${workerKills} worker kills, ${serverRestarts} server restarts, ` +
    `${summary.anomalies.length} anomalies, ${wallSeconds} s`;
  console.log(line);
  writeFileSync(join(options.out, 'summary.txt'), `${line}\n`);
  rmSync(work, { recursive: true, force: true });
  process.exit(summary.anomalies.length === 0 ? 0 : 1);
}

type Report = {
  seed: number;
  size: string;
  flows: number;
  flowsByKind: Record<string, number>;
  outcomes: Record<string, Record<string, number>>;
  faultsInjected: Record<string, number>;
  workerKills: number;
  serverRestarts: number;
  callbacks: { delivered: number; lost: number; forgedRefused: number; slowestMs: number };
  allowed: Record<string, number>;
  serverLog: Record<keyof typeof SERVER_LOG_SIGNS, number>;
  anomalies: number;
  anomalyDetails: string[];
  wallSeconds: number;
  loadSeconds: number;
  stackStartSeconds: number;
  providerRequests: Record<string, number>;
  machine: { cpus: number; loadAverageBefore: number[]; loadAverageAfter: number[] };
};

function markdown(report: Report): string {
  const rows: Array<[string, string]> = [
    ['seed', String(report.seed)],
    ['size', `${report.size} (${report.flows} flows)`],
    [
      'flows by kind',
      Object.entries(report.flowsByKind)
        .map(([k, n]) => `${k} ${n}`)
        .join(', '),
    ],
    [
      'faults injected (requests affected)',
      Object.entries(report.faultsInjected)
        .map(([k, n]) => `${k} ${n}`)
        .join(', ') || 'none',
    ],
    [
      'provider requests',
      Object.entries(report.providerRequests)
        .map(([k, n]) => `${k} ${n}`)
        .join(', '),
    ],
    ['worker kills (SIGKILL)', String(report.workerKills)],
    ['server restarts', String(report.serverRestarts)],
    [
      'callbacks delivered / lost to a dead receiver / forged refused',
      `${report.callbacks.delivered} / ${report.callbacks.lost} / ${report.callbacks.forgedRefused}`,
    ],
    [
      'allowed by policy',
      Object.entries(report.allowed)
        .map(([k, n]) => `${k} ${n}`)
        .join(', '),
    ],
    [
      'dev server log lines: deadline exceeded / SQLite interrupted (9) / shard status unknown',
      `${report.serverLog.deadlineExceeded} / ${report.serverLog.sqliteInterrupted} / ${report.serverLog.shardStatusUnknown}`,
    ],
    ['**anomalies**', `**${report.anomalies}**`],
    [
      'wall time',
      `${report.wallSeconds} s (stack start ${report.stackStartSeconds} s, load until the last flow ended ${report.loadSeconds} s)`,
    ],
    [
      'machine',
      `${report.machine.cpus} cores, load average ${report.machine.loadAverageBefore.join(' ')} before, ${report.machine.loadAverageAfter.join(' ')} after`,
    ],
  ];
  const outcomeRows = Object.entries(report.outcomes)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(
      ([kind, byStatus]) =>
        `| ${kind} | ${Object.entries(byStatus)
          .map(([s, n]) => `${s} ${n}`)
          .join(', ')} |`,
    );
  return [
    '| | |',
    '| --- | --- |',
    ...rows.map(([k, v]) => `| ${k} | ${v} |`),
    '',
    '| flow | final states |',
    '| --- | --- |',
    ...outcomeRows,
    '',
    ...(report.anomalyDetails.length ? ['```', ...report.anomalyDetails, '```', ''] : []),
  ].join('\n');
}

main().catch((error: unknown) => {
  console.error(error);
  console.log(`chaos: ERROR ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`);
  process.exit(1);
});
