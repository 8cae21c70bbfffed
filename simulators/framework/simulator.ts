/**
 * A provider simulator: a Fastify server on loopback with per-route call counters, fault
 * injection and a control API under `/__control` that tests and the demo drive.
 */
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { existsSync, readFileSync, renameSync } from 'node:fs';
import { dirname } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { FaultTable, faultRuleSchema, type FaultKind } from './faults';
import { RequestLog } from './request-log';
import { makePrivateDirWhenMissing, writePrivateFile } from '../../common/private-files';

export const CONTROL_PREFIX = '/__control';

/** Handlers the framework applies before the route runs; `busy` is left to the route itself. */
const GENERIC_FAULTS: readonly FaultKind[] = ['status', 'delay', 'malformed', 'rateLimit', 'drop'];

export interface SimulatorContext {
  readonly faults: FaultTable;
  /** Named counters (e.g. `billedCalls`), reported by `GET /__control/stats`. */
  readonly counters: Map<string, number>;
  count(name: string, by?: number): void;
  /** Takes a route-specific fault (such as `busy`) for the request's route, if one is pending. */
  takeFault(request: FastifyRequest, kind: FaultKind): boolean;
  /** Every provider request answered or dropped (`GET /__control/requests`), see request-log.ts. */
  readonly requests: RequestLog;
  /** Adds facts without personal data (a subject hash, a result code) to this request's log entry. */
  annotate(request: FastifyRequest, notes: Record<string, string | number>): void;
  /** Called by `POST /__control/reset` after faults and counters are cleared. */
  onReset(hook: () => void): void;
  /** The simulator's own state, kept in `stateFile` when the simulator is started with one. */
  keepState(state: PersistentState): void;
}

/** What a simulator keeps across restarts (accounts, devices, flows): plain JSON. */
export interface PersistentState {
  snapshot(): unknown;
  restore(saved: unknown): void;
}

declare module 'fastify' {
  interface FastifyInstance {
    sim: SimulatorContext;
  }
  interface FastifyRequest {
    /** Request-log bookkeeping: the fault applied and the route's notes. */
    simLog?: { at: number; fault?: FaultKind; notes?: Record<string, string | number>; logged?: boolean };
  }
}

export function routeKey(request: FastifyRequest): string {
  return `${request.method} ${request.routeOptions.url ?? request.url}`;
}

export interface RunningSimulator {
  name: string;
  url: string;
  app: FastifyInstance;
  close(): Promise<void>;
}

export interface SimulatorOptions {
  name: string;
  host?: string;
  port?: number;
  bodyLimit?: number;
  /** Registers the provider's routes and its own control routes. */
  register(app: FastifyInstance): void | Promise<void>;
  /**
   * Keep the state given to `keepState` in this JSON file: read at start, written after every
   * request that is not a GET (and at close), so a restarted simulator still knows its accounts,
   * devices and flows. Without it the simulator starts empty (tests).
   */
  stateFile?: string;
  /**
   * Where a failed state save is reported (default: stderr). A save runs after the answer is
   * sent, so nothing else would show it: once per distinct error, not per request.
   */
  logError?: (message: string) => void;
}

/** `EACCES`, `ENOSPC`, ...: the errno name of a file system error, else the error's name. */
function errnoOf(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string') return code;
  return error instanceof Error ? error.name : 'error';
}

function createContext(): SimulatorContext & { resetHooks: Array<() => void>; states: PersistentState[] } {
  const faults = new FaultTable();
  const counters = new Map<string, number>();
  const resetHooks: Array<() => void> = [];
  const states: PersistentState[] = [];
  return {
    faults,
    counters,
    requests: new RequestLog(),
    annotate(request, notes) {
      if (request.simLog) request.simLog.notes = { ...request.simLog.notes, ...notes };
    },
    resetHooks,
    states,
    keepState(state) {
      states.push(state);
    },
    count(name, by = 1) {
      counters.set(name, (counters.get(name) ?? 0) + by);
    },
    takeFault(request, kind) {
      const taken = faults.take(routeKey(request), [kind]) !== undefined;
      if (taken && request.simLog) request.simLog.fault = kind;
      return taken;
    },
    onReset(hook) {
      resetHooks.push(hook);
    },
  };
}

async function applyGenericFault(app: FastifyInstance, request: FastifyRequest, reply: FastifyReply): Promise<void> {
  const rule = app.sim.faults.take(routeKey(request), GENERIC_FAULTS);
  if (!rule) return;
  app.sim.count(`faults:${rule.kind}`);
  if (request.simLog) request.simLog.fault = rule.kind;
  switch (rule.kind) {
    case 'delay':
      await sleep(rule.delayMs ?? 30_000);
      return;
    case 'status':
      await reply
        .code(rule.status ?? 500)
        .type('application/json')
        .send(rule.body ?? { error: 'injected fault' });
      return;
    case 'malformed':
      await reply.code(200).type('application/json').send('{"truncated": ');
      return;
    case 'rateLimit':
      await reply
        .code(429)
        .header('retry-after', String(rule.retryAfterSeconds ?? 1))
        .type('application/json')
        .send({ error: 'rate limited' });
      return;
    case 'drop':
      // Closes the connection with no answer, as an upstream that failed after reading the request
      // would: the route still runs (its effect happens) and its entry in the request log says `drop`.
      request.raw.socket.destroy();
      return;
    default:
      return;
  }
}

function isProviderRequest(request: FastifyRequest): boolean {
  return !request.url.startsWith(CONTROL_PREFIX);
}

/** One log entry per provider request: at its answer, or when it is dropped (status 0). */
function logRequest(app: FastifyInstance, request: FastifyRequest, status: number): void {
  const bookkeeping = request.simLog;
  if (!bookkeeping || bookkeeping.logged) return;
  bookkeeping.logged = true;
  app.sim.requests.add({
    at: bookkeeping.at,
    doneAt: Date.now(),
    route: routeKey(request),
    params: { ...((request.params ?? {}) as Record<string, string>) },
    status,
    ...(bookkeeping.fault ? { fault: bookkeeping.fault } : {}),
    ...(bookkeeping.notes ? { notes: bookkeeping.notes } : {}),
  });
}

export async function startSimulator(options: SimulatorOptions): Promise<RunningSimulator> {
  // Closing drops connections still open (a request held by a delay fault), so a test's teardown never waits on one.
  const app = Fastify({ logger: false, bodyLimit: options.bodyLimit ?? 1024 * 1024, forceCloseConnections: true });
  const context = createContext();
  app.decorate('sim', context);

  app.addHook('onRequest', (request, _reply, done) => {
    if (isProviderRequest(request)) {
      app.sim.count(`calls:${routeKey(request)}`);
      request.simLog = { at: Date.now() };
    }
    done();
  });
  // onSend runs for every answer, including one whose caller has already gone (a delay fault).
  app.addHook('onSend', (request, reply, payload, done) => {
    if (isProviderRequest(request)) logRequest(app, request, reply.statusCode);
    done(null, payload);
  });
  // After the body is read: a delayed request still takes effect when its caller has given up,
  // which is the ambiguity (did the provider do it?) that status reads must resolve.
  app.addHook('preHandler', async (request, reply) => {
    if (request.url.startsWith(CONTROL_PREFIX)) return;
    await applyGenericFault(app, request, reply);
  });

  app.post(`${CONTROL_PREFIX}/faults`, async (request, reply) => {
    const parsed = faultRuleSchema.safeParse(request.body);
    if (!parsed.success) return reply.code(400).send({ error: parsed.error.issues });
    app.sim.faults.add(parsed.data);
    return reply.code(204).send();
  });
  app.delete(`${CONTROL_PREFIX}/faults`, async (_request, reply) => {
    app.sim.faults.clear();
    return reply.code(204).send();
  });
  app.get(`${CONTROL_PREFIX}/stats`, () => ({
    counters: Object.fromEntries(app.sim.counters),
    pendingFaults: app.sim.faults.pending(),
  }));
  /** `?since=<seq>`: only the entries after that one. */
  app.get<{ Querystring: { since?: string } }>(`${CONTROL_PREFIX}/requests`, (request) => ({
    requests: app.sim.requests.since(Number(request.query.since ?? 0) || 0),
  }));
  app.post(`${CONTROL_PREFIX}/reset`, async (_request, reply) => {
    app.sim.faults.clear();
    app.sim.counters.clear();
    app.sim.requests.clear();
    for (const hook of context.resetHooks) hook();
    return reply.code(204).send();
  });

  await options.register(app);
  const { stateFile } = options;
  const logError = options.logError ?? ((message: string) => console.error(message));
  /** The errors already reported, so a folder that stays unwritable is said once, not per request. */
  const reported = new Set<string>();
  const save = () => {
    if (!stateFile || context.states.length === 0) return;
    try {
      // Owner-only (common/private-files.ts): the state holds personal data (the bank's CPFs).
      makePrivateDirWhenMissing(dirname(stateFile));
      // Written whole, then renamed: a crash mid-write leaves the previous state, never half a file.
      writePrivateFile(`${stateFile}.tmp`, JSON.stringify(context.states.map((state) => state.snapshot())));
      renameSync(`${stateFile}.tmp`, stateFile);
    } catch (error) {
      const errno = errnoOf(error);
      const detail = error instanceof Error ? error.message : String(error);
      if (reported.has(`${errno} ${detail}`)) return;
      reported.add(`${errno} ${detail}`);
      logError(
        `${options.name} simulator: cannot save its state to ${stateFile} (${errno}: ${detail}); ` +
          'it keeps serving, but a restart loses what changed since the last save. Make the state folder writable.',
      );
    }
  };
  if (stateFile && existsSync(stateFile)) {
    const saved = JSON.parse(readFileSync(stateFile, 'utf8')) as unknown[];
    context.states.forEach((state, index) => state.restore(saved[index]));
  }
  if (stateFile) {
    app.addHook('onResponse', (request, _reply, done) => {
      if (request.method !== 'GET') save();
      done();
    });
  }
  const address = await app.listen({ host: options.host ?? '127.0.0.1', port: options.port ?? 0 });
  return {
    name: options.name,
    url: address.replace('[::1]', '127.0.0.1'),
    app,
    close: async () => {
      await app.close();
      save();
    },
  };
}
