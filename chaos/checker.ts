/**
 * The invariants of a chaos run, checked from the providers' side: the simulators' request logs
 * (simulators/framework/request-log.ts), the e-signature callback deliveries and the bank's device
 * states, against what each flow's script implies. Pure: `npm run chaos` feeds it a live run, and
 * test/unit/chaos-checker.test.ts feeds it recorded logs of a broken build.
 *
 * Every anomaly names the workflow id and the provider requests that show it; none prints a
 * personal value (a leak is reported by kind, source and line number).
 */
import type { RequestLogEntry } from '../simulators/framework/request-log';

/** Result codes the gateway bills (providers/phone-gateway: 0 verified, -4 mismatch). */
const BILLED_RESULTS = new Set([0, -4]);
/** Faults answered before the route ran: the provider did nothing. */
const ANSWERED_BY_FAULT = new Set(['status', 'malformed', 'rateLimit']);
/** Faults after which the route ran but the caller got no answer. */
const UNANSWERED_FAULTS = new Set(['delay', 'drop']);
/** How a check that stopped at an unanswered call shows (the innermost failure type is the call's). */
const UNANSWERED_FAILURES = new Set(['FAILED:PhoneGatewayUnanswered', 'FAILED:PhoneGatewayTimeout']);
/** The identity starter's attempt timeout of the platform's start call (workflows/identity-flow.ts). */
const START_ATTEMPT_MS = 60_000;

export interface FlowOutcome {
  name: string;
  kind: 'device' | 'identity' | 'phone';
  variant?: string;
  workflowId: string;
  /** The final state the script implies: a device status, an identity status, a phone outcome or FAILED. */
  expected: string;
  /** The final state observed: the same vocabulary, `FAILED:<type>` for a failed check, `RUNNING` when unfinished. */
  observed: string;
  /** Device approvals: keys and the device's status at the bank at the end. */
  accountKey?: string;
  deviceKey?: string;
  bankStatus?: string;
  expectedBankStatus?: string;
  /** Phone checks: the gateway's subject (hash of the number), the policy and the result's count. */
  subject?: string;
  unansweredCall?: 'retry' | 'fail';
  unansweredCalls?: number;
  maximumAttempts?: number;
  /** Identity flows: provider flow id, the caller's context id, when the provider flow ended and the workflow closed. */
  flowId?: string;
  contextId?: string;
  finalAt?: number;
  closedAt?: number;
  /** What the driver could not do (a client call that kept failing). */
  problems?: string[];
}

export interface CallbackRecord {
  flowId: string;
  tamper: string;
  status: number | null;
  at: number;
}

export interface Interval {
  from: number;
  to: number;
  what: string;
}

export interface ChaosRecord {
  flows: FlowOutcome[];
  requests: { bank: RequestLogEntry[]; esign: RequestLogEntry[]; phone: RequestLogEntry[] };
  callbacks: CallbackRecord[];
  /** Times nothing could make progress for some flows: the server down, a worker dead. */
  serverDown: Interval[];
  workerDeaths: Interval[];
  /** The longest a finished provider flow may take to be seen (poll interval, heartbeat timeout, slack). */
  pollBoundMs: number;
  /** What one faulted provider read adds to that (timeout plus retry interval). */
  faultedReadCostMs: number;
  workflowTaskFailures: Array<{ workflowId: string; cause: string }>;
  openWorkflows: string[];
  logs: Array<{ source: string; text: string }>;
  /** Every personal value the run used, with the workflow id of its flow (never printed). */
  personalValues: Array<{ kind: string; value: string; flow: string }>;
}

export interface Anomaly {
  invariant: string;
  workflowId: string;
  message: string;
  /** The provider requests that show it. */
  requests: RequestLogEntry[];
}

export interface CheckSummary {
  anomalies: Anomaly[];
  /** Things allowed by a documented policy, counted apart. */
  allowed: {
    /** A create that reached the bank while an earlier one for the device was still being processed. */
    racedDeviceCreates: number;
    /** Billed phone answers bought again after a call whose answer never reached the worker (counted in the result). */
    billedRepeatsAfterUnansweredCall: number;
    /** Billed phone answers bought again because a killed worker or the server restart lost the activity's completion (docs/phone-check.md). */
    billedRepeatsAfterStackFault: number;
    /** Extra e-signature flows left in INIT by a start retried after a lost answer (docs/identity-flow.md). */
    orphanEsignStarts: number;
    /** Workflow task failures the server caused on purpose (a signal arriving during completion). */
    benignWorkflowTaskFailures: number;
  };
  /** `slowestMs`: the longest time from a provider flow's end to its workflow's close. */
  callbacks: { delivered: number; lost: number; forgedRefused: number; slowestMs: number };
}

export function describeRequest(entry: RequestLogEntry): string {
  const time = new Date(entry.at).toISOString().slice(11, 23);
  const params = Object.entries({ ...entry.params, ...(entry.notes ?? {}) })
    .map(([key, value]) => `${key}=${value}`)
    .join(' ');
  const fault = entry.fault ? ` [fault: ${entry.fault}]` : '';
  return `#${entry.seq} ${time} ${entry.route}${params ? ` ${params}` : ''} -> ${entry.status || 'dropped'}${fault}`;
}

export function describeAnomaly(anomaly: Anomaly): string {
  const lines = [`[${anomaly.invariant}] ${anomaly.workflowId}: ${anomaly.message}`];
  for (const entry of anomaly.requests) lines.push(`    ${describeRequest(entry)}`);
  return lines.join('\n');
}

const handled = (entry: RequestLogEntry) => !(entry.fault && ANSWERED_BY_FAULT.has(entry.fault));

/** A worker death or server outage between `from` and `to`: a provider's answer may have been lost with it. */
function stackFaultBetween(record: ChaosRecord, from: number, to: number): boolean {
  return [...record.workerDeaths, ...record.serverDown].some((outage) => outage.from <= to && outage.to >= from);
}

function overlapMs(intervals: Interval[], from: number, to: number): number {
  return intervals.reduce(
    (sum, interval) => sum + Math.max(0, Math.min(to, interval.to) - Math.max(from, interval.from)),
    0,
  );
}

export function checkInvariants(record: ChaosRecord): CheckSummary {
  const anomalies: Anomaly[] = [];
  const allowed = {
    racedDeviceCreates: 0,
    billedRepeatsAfterUnansweredCall: 0,
    billedRepeatsAfterStackFault: 0,
    orphanEsignStarts: 0,
    benignWorkflowTaskFailures: 0,
  };
  const callbacks = { delivered: 0, lost: 0, forgedRefused: 0, slowestMs: 0 };
  const add = (invariant: string, workflowId: string, message: string, requests: RequestLogEntry[] = []) =>
    anomalies.push({ invariant, workflowId, message, requests });

  const bankByDevice = new Map<string, RequestLogEntry[]>();
  for (const entry of record.requests.bank) {
    const key = entry.params.device_key ?? (entry.notes?.device_key as string | undefined);
    if (!key) continue;
    const list = bankByDevice.get(key) ?? [];
    list.push(entry);
    bankByDevice.set(key, list);
  }
  const phoneBySubject = new Map<string, RequestLogEntry[]>();
  for (const entry of record.requests.phone) {
    const subject = entry.notes?.subject as string | undefined;
    if (!subject) continue;
    const list = phoneBySubject.get(subject) ?? [];
    list.push(entry);
    phoneBySubject.set(subject, list);
  }

  for (const flow of record.flows) {
    const problems = flow.problems?.length ? ` (driver: ${flow.problems.join('; ')})` : '';

    // --- every flow reached the final state its script implies --------------------------------
    if (flow.kind === 'device') {
      const requests = bankByDevice.get(flow.deviceKey ?? '') ?? [];
      if (flow.observed !== flow.expected) {
        add(
          'final-state',
          flow.workflowId,
          `${flow.name} (${flow.variant}) ended ${flow.observed}, its script implies ${flow.expected}${problems}`,
          requests,
        );
      }

      // --- exactly one device created per approval ---------------------------------------------
      const creates = requests.filter((entry) => entry.route.startsWith('POST ') && handled(entry));
      const accepted = creates.filter((entry) => entry.status === 202);
      const duplicates = creates.filter((entry) => entry.status === 409);
      if (accepted.length !== 1) {
        add(
          'device-created-once',
          flow.workflowId,
          `${flow.name}: the bank accepted ${accepted.length} creations of device ${flow.deviceKey}, expected exactly 1`,
          creates,
        );
      }
      for (const duplicate of duplicates) {
        // Allowed only as a race: the retry read the device's status (not found) while an earlier
        // create was still being processed, which created it just before this one arrived.
        const readBefore = requests
          .filter((entry) => entry.route.startsWith('GET ') && handled(entry) && entry.doneAt <= duplicate.at)
          .pop();
        const raced =
          readBefore?.status === 404 &&
          accepted.some((first) => first.at <= readBefore.doneAt && first.doneAt >= readBefore.at - 1);
        // Or the other way round: this create was sent before the accepted one and held (a delay)
        // until after it; its caller had given up, read "not found" and created again.
        const overtaken = accepted.some((first) => duplicate.at < first.at);
        if (raced || overtaken) allowed.racedDeviceCreates += 1;
        else {
          add(
            'device-created-once',
            flow.workflowId,
            `${flow.name}: device ${flow.deviceKey} was sent to the bank's create again after the bank had created it, ` +
              (readBefore
                ? `although the status read before it answered ${readBefore.status}`
                : 'without reading its status first'),
            requests.filter((entry) => !entry.route.startsWith('PUT ')),
          );
          break; // one anomaly per approval: its requests show every duplicate
        }
      }

      // --- every device of a cancelled, expired or locked approval disabled ---------------------
      if (flow.expectedBankStatus && flow.bankStatus !== flow.expectedBankStatus) {
        const disables = requests.filter((entry) => entry.route.startsWith('DELETE '));
        add(
          flow.expectedBankStatus === 'deactivated' ? 'device-disabled' : 'device-registered',
          flow.workflowId,
          `${flow.name} (${flow.variant}, ended ${flow.observed}): the bank has device ${flow.deviceKey} ${flow.bankStatus ?? 'unknown'}, expected ${flow.expectedBankStatus}`,
          disables.length ? disables : requests,
        );
      }
    }

    if (flow.kind === 'phone') {
      const requests = phoneBySubject.get(flow.subject ?? '') ?? [];
      const withFault = (kinds: string[]) => requests.some((entry) => entry.fault && kinds.includes(entry.fault));
      const ranOut = requests.length >= (flow.maximumAttempts ?? Infinity);
      // A failed check is what its script implies when the provider's log shows why.
      const failureExplained =
        flow.observed.startsWith('FAILED') &&
        (withFault(['malformed']) ||
          (flow.unansweredCall === 'fail' && withFault([...UNANSWERED_FAULTS])) ||
          // The policy ends the check at the first call that got no answer in time; on a loaded
          // machine that can be a call the gateway never logged (still in a socket queue).
          (flow.unansweredCall === 'fail' && UNANSWERED_FAILURES.has(flow.observed)) ||
          ranOut);
      const observedOutcome = flow.observed.split(':')[0];
      if (observedOutcome !== flow.expected && !failureExplained) {
        add(
          'final-state',
          flow.workflowId,
          `${flow.name} ended ${flow.observed}, its script implies ${flow.expected}${problems}`,
          requests,
        );
      }

      // --- no billed answer repeated, except after an unanswered call where the policy allows it -
      // In arrival order: a delayed call is logged when it is finally answered, after its retry.
      const billed = requests
        .filter((entry) => handled(entry) && entry.fault !== 'busy' && BILLED_RESULTS.has(Number(entry.notes?.result)))
        .sort((a, b) => a.at - b.at);
      let unansweredRepeats = 0;
      for (let index = 1; index < billed.length; index++) {
        const previous = billed[index - 1]!;
        const unanswered = previous.fault !== undefined && UNANSWERED_FAULTS.has(previous.fault);
        // Temporal repeats an answered call only when the activity's completion was lost: a worker
        // killed, or the server down, between the answer and the repeat (docs/phone-check.md).
        const lostToStackFault = stackFaultBetween(record, previous.at, billed[index]!.at);
        if (unanswered && lostToStackFault) {
          // A worker killed (or the server down) while the call waited for its answer: Temporal
          // retries the lost attempt inside the activity, which cannot tell it from an ordinary
          // retry, so the result may or may not count it (docs/phone-check.md), whatever the policy.
          allowed.billedRepeatsAfterStackFault += 1;
        } else if (unanswered && flow.unansweredCall === 'retry') {
          unansweredRepeats += 1;
          allowed.billedRepeatsAfterUnansweredCall += 1;
        } else if (!unanswered && lostToStackFault) {
          allowed.billedRepeatsAfterStackFault += 1;
        } else {
          add(
            'billed-once',
            flow.workflowId,
            unanswered
              ? `${flow.name}: a billed answer was bought again although the check's policy is unansweredCall=fail`
              : `${flow.name}: a billed answer was bought again after the first one had been answered`,
            billed,
          );
        }
      }
      const reported = flow.unansweredCalls ?? 0;
      if (unansweredRepeats > reported && !flow.observed.startsWith('FAILED')) {
        add(
          'billed-once',
          flow.workflowId,
          `${flow.name}: the gateway billed ${unansweredRepeats} answer(s) again after calls that got no answer, but the result reports unansweredCalls=${reported}: billing reconciliation would miss ${unansweredRepeats - reported}`,
          billed,
        );
      }
    }

    if (flow.kind === 'identity') {
      const requests = record.requests.esign.filter(
        (entry) =>
          (flow.flowId !== undefined && entry.params.flowId === flow.flowId) ||
          (flow.contextId !== undefined && entry.notes?.contextId === flow.contextId),
      );
      // The start is retried a bounded number of times (docs/identity-flow.md): a start that met
      // only faults that often fails, as its script then implies.
      // An answer counts as received unless a fault or a stack fault before the next attempt ate it.
      const startAttempts = requests.filter((entry) => entry.notes?.contextId === flow.contextId);
      const received = startAttempts.filter(
        (entry, index) =>
          entry.status === 200 &&
          !entry.fault &&
          !stackFaultBetween(record, entry.at, startAttempts[index + 1]?.at ?? entry.doneAt + START_ATTEMPT_MS),
      );
      const startRanOut = flow.observed.startsWith('FAILED') && startAttempts.length > 0 && received.length === 0;
      if (flow.observed !== flow.expected && !startRanOut) {
        add(
          'final-state',
          flow.workflowId,
          `${flow.name} (${flow.variant}) ended ${flow.observed}, its script implies ${flow.expected}${problems}`,
          requests.slice(-8),
        );
      }

      // --- one provider flow per request, except the documented orphans of a lost start answer ---
      if (flow.contextId) {
        // In arrival order, as for billed calls: a delayed start is logged after its retry.
        const starts = requests
          .filter(
            (entry) => entry.notes?.contextId === flow.contextId && handled(entry) && entry.notes?.flowId !== undefined,
          )
          .sort((a, b) => a.at - b.at);
        for (let index = 1; index < starts.length; index++) {
          const previous = starts[index - 1]!;
          const lostToStackFault = stackFaultBetween(record, previous.at, starts[index]!.at);
          if ((previous.fault && UNANSWERED_FAULTS.has(previous.fault)) || lostToStackFault)
            allowed.orphanEsignStarts += 1;
          else {
            add(
              'esign-started-once',
              flow.workflowId,
              `${flow.name}: the platform started ${starts.length} flows for one request although the first start was answered`,
              starts,
            );
          }
        }
      }

      // --- no callback lost: a finished flow is seen within the poll bound ------------------------
      const valid = record.callbacks.filter(
        (delivery) => delivery.flowId === flow.flowId && delivery.tamper === 'none',
      );
      if (valid.some((delivery) => delivery.status !== null && delivery.status < 300)) callbacks.delivered += 1;
      else if (valid.length > 0) callbacks.lost += 1;
      for (const forged of record.callbacks.filter(
        (delivery) => delivery.flowId === flow.flowId && delivery.tamper !== 'none',
      )) {
        if (forged.status !== null && forged.status < 300) {
          add(
            'forged-callback-refused',
            flow.workflowId,
            `${flow.name}: a callback with a bad signature was accepted (HTTP ${forged.status})`,
          );
        } else if (forged.status !== null) callbacks.forgedRefused += 1;
      }
      if (flow.finalAt !== undefined && flow.closedAt !== undefined) {
        // Each faulted read after the end costs at most a provider timeout and a retry interval.
        const faultedReads = requests.filter(
          (entry) => entry.fault && entry.at >= flow.finalAt! && entry.at <= flow.closedAt!,
        ).length;
        const allowance =
          record.pollBoundMs +
          faultedReads * record.faultedReadCostMs +
          overlapMs(record.serverDown, flow.finalAt, flow.closedAt) +
          overlapMs(record.workerDeaths, flow.finalAt, flow.closedAt);
        callbacks.slowestMs = Math.max(callbacks.slowestMs, flow.closedAt - flow.finalAt);
        const took = flow.closedAt - flow.finalAt;
        if (took > allowance) {
          add(
            'callback-or-poll-in-bound',
            flow.workflowId,
            `${flow.name}: the provider flow ended ${took} ms before the workflow closed, over the bound of ${allowance} ms (poll bound ${record.pollBoundMs} ms plus outages)` +
              (valid.length
                ? `; callback deliveries: ${valid.map((delivery) => delivery.status ?? 'failed').join(', ')}`
                : ''),
            requests.filter((entry) => entry.at >= flow.finalAt!).slice(0, 8),
          );
        }
      }
    }
  }

  // --- no workflow task failures left, nothing still running --------------------------------------
  for (const failure of record.workflowTaskFailures) {
    if (failure.cause === 'UNHANDLED_COMMAND') allowed.benignWorkflowTaskFailures += 1;
    else add('no-workflow-task-failures', failure.workflowId, `workflow task failed (${failure.cause})`);
  }
  for (const workflowId of record.openWorkflows) add('all-closed', workflowId, 'still running at the end of the run');

  // --- no personal data in any log line of the run ------------------------------------------------
  // Numbers and tokens are matched as whole alphanumeric runs (a phone inside a longer trace id is
  // not one); names, written in Chinese characters, as substrings.
  const alphanumeric = new Map<string, { kind: string; flow: string }>();
  const names: Array<{ kind: string; value: string; flow: string }> = [];
  for (const personal of record.personalValues) {
    if (/^[0-9A-Za-z]+$/.test(personal.value)) alphanumeric.set(personal.value, personal);
    else names.push(personal);
  }
  for (const log of record.logs) {
    const reported = new Set<string>();
    log.text.split('\n').forEach((text, index) => {
      const found: Array<{ kind: string; flow: string }> = [];
      for (const run of text.match(/[0-9A-Za-z]+/g) ?? []) {
        const personal = alphanumeric.get(run);
        if (personal) found.push(personal);
      }
      for (const name of names) if (text.includes(name.value)) found.push(name);
      for (const personal of found) {
        const key = `${personal.kind}/${personal.flow}`;
        if (reported.has(key)) continue;
        reported.add(key);
        add(
          'no-personal-data-in-logs',
          personal.flow,
          `a ${personal.kind} of this flow appears in ${log.source} line ${index + 1}`,
        );
      }
    });
  }

  return { anomalies, allowed, callbacks };
}
