/** Small measuring tools of the benchmark (Linux /proc), and a CPU profile's breakdown. */
import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';

export const MIB = 1024 * 1024;

/** Resident set size of a process, from /proc (Linux). */
export function rssBytes(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8').match(/^VmRSS:\s+(\d+) kB/m);
  if (!line) throw new Error(`no VmRSS for process ${pid}`);
  return Number(line[1]) * 1024;
}

const CLOCK_TICKS = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;

/** User + system CPU seconds a process has used so far, from /proc (Linux). */
export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
}

/** The 1-minute load average, rounded: how busy the shared machine was. */
export const load1 = (): number => Math.round(loadavg()[0]! * 10) / 10;

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

export function median(values: readonly number[]): number {
  return percentile(
    [...values].sort((a, b) => a - b),
    50,
  );
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Runs `task` for 0..count-1 with at most `concurrency` at once. */
export async function pool(count: number, concurrency: number, task: (index: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, count) }, async () => {
      while (next < count) await task(next++);
    }),
  );
}

/**
 * Runs `count` tasks arriving at `perSecond` (open loop: each starts on schedule whether or not
 * the earlier ones finished), as independent users do; resolves when all have finished. Latency
 * measured this way is what one arrival sees at that rate, not the queueing of a closed loop.
 */
export async function paced(count: number, perSecond: number, task: (index: number) => Promise<void>): Promise<void> {
  const t0 = performance.now();
  const running: Array<Promise<void>> = [];
  for (let index = 0; index < count; index++) {
    const due = t0 + (index * 1000) / perSecond;
    const wait = due - performance.now();
    if (wait > 0) await sleep(wait);
    running.push(task(index));
  }
  await Promise.all(running);
}

export async function waitUntil(check: () => Promise<boolean>, what: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(250);
  }
}

export const round1 = (value: number) => Math.round(value * 10) / 10;
export const round3 = (value: number) => Math.round(value * 1000) / 1000;

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string };
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/**
 * Frames that load code (CommonJS/ESM loaders, tsx's hooks): samples under them are the process
 * starting, not the flows measured, and are reported apart.
 */
function loadsCode(frame: ProfileNode['callFrame']): boolean {
  return (
    frame.url.startsWith('node:internal/modules/') ||
    /node_modules\/tsx\//.test(frame.url) ||
    frame.functionName === 'compileFunction' ||
    frame.functionName === 'wrapSafe'
  );
}

/** Where a profiled function's code lives, coarse enough to say where a worker's time goes. */
function bucket(frame: ProfileNode['callFrame']): string {
  const { url, functionName } = frame;
  if (!url) {
    if (functionName === '(idle)') return 'idle';
    if (functionName === '(garbage collector)') return 'garbage collection';
    if (functionName === '(program)') return 'native (V8, Temporal core bridge)';
    return 'native (V8, Temporal core bridge)';
  }
  if (url.includes('bundle')) return 'workflow bundle (SDK workflow runtime + workflow code)';
  const packageMatch = url.match(/node_modules\/((?:@[^/]+\/)?[^/]+)/);
  if (packageMatch) {
    const name = packageMatch[1]!;
    if (name.startsWith('@temporalio/')) return `${name} (SDK)`;
    return name;
  }
  if (url.startsWith('node:internal/deps/undici')) return 'undici (fetch)';
  if (url.startsWith('node:internal/crypto') || url.startsWith('node:crypto')) return 'node crypto (codec, signing)';
  if (url.startsWith('node:')) return 'node internals (streams, timers, http, vm)';
  const project = url.match(/\/(common|contracts|providers|activities|worker|workflows)\//);
  if (project) return `project ${project[1]}/`;
  return 'other';
}

export interface ProfileBreakdown {
  file: string;
  /** Busy milliseconds (not idle) in the profile, without loading code. */
  busyMs: number;
  /** Milliseconds spent loading code (the process starting), left out of the buckets. */
  startupMs: number;
  buckets: Array<{ name: string; ms: number; percentOfBusy: number }>;
  topFunctions: Array<{ name: string; ms: number }>;
}

/** Self time per code location of each `.cpuprofile` in `dir` (one per thread). */
export function profileBreakdowns(dir: string): ProfileBreakdown[] {
  return readdirSync(dir)
    .filter((file) => file.endsWith('.cpuprofile'))
    .map((file) => {
      const profile = JSON.parse(readFileSync(join(dir, file), 'utf8')) as CpuProfile;
      const byId = new Map(profile.nodes.map((node) => [node.id, node]));
      const parent = new Map<number, number>();
      for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
      const underLoader = new Map<number, boolean>();
      const startsUp = (id: number): boolean => {
        const known = underLoader.get(id);
        if (known !== undefined) return known;
        const up = parent.get(id);
        const result = loadsCode(byId.get(id)!.callFrame) || (up !== undefined && startsUp(up));
        underLoader.set(id, result);
        return result;
      };
      const selfUs = new Map<number, number>();
      profile.samples.forEach((id, index) => selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[index] ?? 0)));
      const buckets = new Map<string, number>();
      const functions = new Map<string, number>();
      let startupUs = 0;
      for (const [id, us] of selfUs) {
        const frame = byId.get(id)!.callFrame;
        if (startsUp(id)) {
          startupUs += us;
          continue;
        }
        const name = bucket(frame);
        buckets.set(name, (buckets.get(name) ?? 0) + us);
        if (name === 'idle') continue;
        const where = `${frame.functionName || '(anonymous)'} ${frame.url.replace(/^.*node_modules\//, '').replace(/^.*\/wt-[^/]+\//, '')}`;
        functions.set(where, (functions.get(where) ?? 0) + us);
      }
      const busyUs = [...buckets].filter(([name]) => name !== 'idle').reduce((sum, [, us]) => sum + us, 0);
      return {
        file,
        busyMs: Math.round(busyUs / 1000),
        startupMs: Math.round(startupUs / 1000),
        buckets: [...buckets]
          .filter(([name]) => name !== 'idle')
          .sort((a, b) => b[1] - a[1])
          .map(([name, us]) => ({ name, ms: Math.round(us / 1000), percentOfBusy: round1((100 * us) / busyUs) })),
        topFunctions: [...functions]
          .sort((a, b) => b[1] - a[1])
          .slice(0, 8)
          .map(([name, us]) => ({ name, ms: Math.round(us / 1000) })),
      };
    })
    .sort((a, b) => b.busyMs - a.busyMs);
}
