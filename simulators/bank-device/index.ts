/**
 * Simulator of the Brazilian banking device API: create / validate / resend / read / disable with
 * the documented bodies, status codes and error envelope, ES512 request authentication, and a
 * control API for tests and the demo:
 *
 *   POST /__control/accounts           register an account: { account_key, approvers: [cpf], kind?, token_attempt_limit? }
 *   POST /__control/requester          { configured?, can_create_devices? } (OBD000093 / OBD000094)
 *   GET  /__control/tokens/:device_key the token "sent" to the approver (404 when none);
 *        ?waitMs=N[&afterSent=K] waits up to N ms (at most 30 s) for a token past the K-th
 *   POST /__control/slow               { route: create|validate|resend|read|disable, delayMs, times?, phase? }: the bank
 *                                      takes that long to process the next calls, and their effect happens
 *                                      even if the caller gave up (a timeout, a killed worker). The framework's
 *                                      generic `delay` fault runs before the body is read, so a caller that
 *                                      disconnects meanwhile cancels the call instead.
 *
 * Counters (GET /__control/stats): devicesCreated, tokensSent, tokensResent, tokensValidated,
 * wrongTokens, devicesLocked, devicesDisabled, statusReads, schemaErrors, authFailures, plus the
 * framework's `calls:METHOD /route`. A `busy` fault on create or resend answers OBD000097.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { importSPKI } from 'jose';
import type { FastifyInstance, FastifyReply, FastifyRequest, HTTPMethods } from 'fastify';
import { z } from 'zod';
import { CONTROL_PREFIX, startSimulator, type RunningSimulator } from '../framework/simulator';
import { verifyBankRequest } from './auth';
import { SimulatedBank } from './bank';
import { bankError, type BankAnswer } from './catalog';
import { UUID_V4_PATTERN } from '../../contracts/identifiers';

/** Longest wait of a token read (`?waitMs=`), ms. */
const MAX_TOKEN_WAIT_MS = 30_000;
export { bankError, BANK_ERROR_CATALOG, type BankErrorCode } from './catalog';
export type { AccountSetup, SentToken } from './bank';
export { BankDeviceControl } from './control';

export interface BankDeviceSimulatorOptions {
  host?: string;
  port?: number;
  /** The API client key the bank issued to us. */
  apiClientKey: string;
  /** The public half of the key our requests are signed with. */
  clientPublicKeyPem: string;
  /** Keep accounts and devices in this file across restarts (the demo's `.data/simulators/`). */
  stateFile?: string;
  /** Wrong tokens before the bank locks a device (OBD000099); per-account overrides exist. */
  tokenAttemptLimit?: number;
  /** How far a request's JWT timestamp may be from the simulator's clock. */
  timestampToleranceMs?: number;
}

/** Route patterns as registered: fault rules and counters name them exactly like this. */
export const BANK_ROUTES = {
  create: 'POST /account/:account_key/device',
  read: 'GET /account/:account_key/device/:device_key',
  validate: 'PUT /account/:account_key/device/:device_key/validate',
  resend: 'PATCH /account/:account_key/device/:device_key/resend_token',
  disable: 'DELETE /account/:account_key/device/:device_key/disable',
} as const;

type BankRouteName = keyof typeof BANK_ROUTES;

const slowSetupSchema = z.object({
  route: z.enum(Object.keys(BANK_ROUTES) as [BankRouteName, ...BankRouteName[]]),
  delayMs: z.number().int().positive().max(120_000),
  times: z.number().int().positive().default(1),
  /** `after`: the bank does the work at once and holds only its answer (a token already went out). */
  phase: z.enum(['before', 'after']).default('before'),
});

/**
 * Processing delays taken inside the handler, after the body was read: the call completes
 * regardless. `before` delays the work; `after` does the work at once and delays the answer.
 */
class SlowBank {
  private rules: Array<{ route: BankRouteName; phase: 'before' | 'after'; delayMs: number; remaining: number }> = [];

  add(input: unknown): string[] {
    const parsed = slowSetupSchema.safeParse(input);
    if (!parsed.success) return parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
    const { route, phase, delayMs, times } = parsed.data;
    this.rules.push({ route, phase, delayMs, remaining: times });
    return [];
  }

  async wait(route: BankRouteName, phase: 'before' | 'after'): Promise<void> {
    const rule = this.rules.find((candidate) => candidate.route === route && candidate.phase === phase);
    if (!rule) return;
    rule.remaining -= 1;
    if (rule.remaining <= 0) this.rules = this.rules.filter((candidate) => candidate !== rule);
    await sleep(rule.delayMs);
  }

  clear(): void {
    this.rules = [];
  }
}

/** Path parameters; `device_key` is empty on the create route, which has none. */
interface DeviceParams {
  account_key: string;
  device_key: string;
}

function send(reply: FastifyReply, answer: BankAnswer): FastifyReply {
  return reply.code(answer.status).type('application/json').send(answer.body);
}

/** The body exactly as received: the JWT's payload_md5 is computed over these bytes. */
function rawBody(request: FastifyRequest): string | undefined {
  return typeof request.body === 'string' ? request.body : undefined;
}

export async function startBankDeviceSimulator(options: BankDeviceSimulatorOptions): Promise<RunningSimulator> {
  const clientPublicKey = await importSPKI(options.clientPublicKeyPem, 'ES512');
  const toleranceMs = options.timestampToleranceMs ?? 5 * 60 * 1000;

  return startSimulator({
    name: 'bank-device',
    host: options.host,
    port: options.port,
    stateFile: options.stateFile,
    register: async (app: FastifyInstance) => {
      const bank = new SimulatedBank(
        { count: (name) => app.sim.count(name), now: () => new Date() },
        options.tokenAttemptLimit ?? 5,
      );
      const slow = new SlowBank();
      app.sim.keepState(bank);
      app.sim.onReset(() => {
        bank.reset();
        slow.clear();
      });
      const deliveryFails = (request: FastifyRequest) => () => app.sim.takeFault(request, 'busy');
      const setupAnswer = (reply: FastifyReply, problems: string[]) =>
        problems.length ? reply.code(400).send({ error: problems }) : reply.code(204).send();

      app.post(`${CONTROL_PREFIX}/accounts`, async (request, reply) =>
        setupAnswer(reply, bank.setupAccount(request.body)),
      );
      app.post(`${CONTROL_PREFIX}/requester`, async (request, reply) =>
        setupAnswer(reply, bank.setupRequester(request.body ?? {})),
      );
      app.post(`${CONTROL_PREFIX}/slow`, async (request, reply) => setupAnswer(reply, slow.add(request.body)));
      app.get<{ Params: { device_key: string }; Querystring: { waitMs?: string; afterSent?: string } }>(
        `${CONTROL_PREFIX}/tokens/:device_key`,
        async (request, reply) => {
          const waitMs = Math.min(MAX_TOKEN_WAIT_MS, Math.max(0, Number(request.query.waitMs ?? 0) || 0));
          const afterSent = Math.max(0, Number(request.query.afterSent ?? 0) || 0);
          const sent = await bank.waitForToken(request.params.device_key, afterSent, waitMs);
          return sent ? reply.send(sent) : reply.code(404).send({ error: 'no such device' });
        },
      );

      // The bank's own routes, in a child context that keeps bodies raw for signature checks.
      await app.register((api, _options, done) => {
        api.removeContentTypeParser('application/json');
        api.addContentTypeParser('*', { parseAs: 'string' }, (_request, body, parsed) => parsed(null, body));

        // Before any injected fault answers: the create route carries its device key in the body, and
        // the request log needs it to tell one device's creations from another's.
        api.addHook('preValidation', (request, _reply, done) => {
          if (request.routeOptions.url === BANK_ROUTES.create.split(' ')[1]) {
            const deviceKey = deviceKeyOf(rawBody(request));
            if (deviceKey) app.sim.annotate(request, { device_key: deviceKey });
          }
          done();
        });

        api.addHook('preHandler', async (request, reply) => {
          const verdict = await verifyBankRequest(
            {
              apiClientKey: headerValue(request.headers['api-client-key']),
              authorization: headerValue(request.headers.authorization),
              method: request.method,
              uri: request.url.split('?')[0] ?? request.url,
              rawBody: rawBody(request),
            },
            { apiClientKey: options.apiClientKey, clientPublicKey, toleranceMs, now: new Date() },
          );
          if (!verdict.ok) {
            app.sim.count('authFailures');
            return send(reply, bankError(verdict.code));
          }
        });

        const handle = (name: BankRouteName, answer: (params: DeviceParams, request: FastifyRequest) => BankAnswer) => {
          const [method, url] = BANK_ROUTES[name].split(' ') as [HTTPMethods, string];
          api.route<{ Params: DeviceParams }>({
            method,
            url,
            handler: async (request, reply) => {
              await slow.wait(name, 'before');
              const answered = answer(request.params, request);
              await slow.wait(name, 'after');
              return send(reply, answered);
            },
          });
        };
        handle('create', (params, request) =>
          bank.create(params.account_key, rawBody(request), deliveryFails(request)),
        );
        handle('read', (params) => bank.read(params.account_key, params.device_key));
        handle('validate', (params, request) => bank.validate(params.account_key, params.device_key, rawBody(request)));
        handle('resend', (params, request) =>
          bank.resend(params.account_key, params.device_key, rawBody(request), deliveryFails(request)),
        );
        handle('disable', (params) => bank.disable(params.account_key, params.device_key));
        done();
      });
    },
  });
}

/** The lower-cased `device_key` of a create body, when it has a UUID one (not personal data). */
function deviceKeyOf(body: string | undefined): string | undefined {
  try {
    const key = (JSON.parse(body ?? '') as { device_key?: unknown }).device_key;
    return typeof key === 'string' && UUID_V4_PATTERN.test(key) ? key.toLowerCase() : undefined;
  } catch {
    return undefined;
  }
}

function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
