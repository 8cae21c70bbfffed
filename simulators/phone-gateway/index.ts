/**
 * A local stand-in for the phone three-factor gateway (README section 3): the real route, the
 * token check, the request validated with the client's own wire schema, answers chosen by the
 * phone number (see outcomes.ts), and a `billedCalls` counter for answers 0 and -4.
 *
 * Control routes (besides the framework's):
 *   PUT /__control/token  { token }  the gateway now accepts only this token (a rotated token);
 *                                   `POST /__control/reset` restores the original one.
 *   GET /__control/call-times       { times }: when each verification call arrived (epoch ms,
 *                                   the system clock), since the last reset; see call-times.ts.
 */
import { randomUUID, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { z } from 'zod';
import { BILLED_RESULT_CODES, PHONE_VERIFICATION_PATH, gatewayRequestSchema } from '../../providers/phone-gateway';
import { subjectOf } from '../framework/request-log';
import { CONTROL_PREFIX, startSimulator, type RunningSimulator } from '../framework/simulator';
import { BUSY_RESULT, DESCRIPTIONS, ispForPhone, resultForPhone } from './outcomes';

export interface PhoneGatewaySimulatorOptions {
  host?: string;
  port?: number;
  /** The token the gateway accepts in `Authorization`. */
  token: string;
}

/** Errcodes of refused calls; the client's error table reads the same numbers. */
export const SIMULATOR_ERRCODES = { badToken: 401, badRequest: 400 } as const;

export function tokenMatches(header: string | string[] | undefined, expected: string): boolean {
  if (typeof header !== 'string') return false;
  const given = Buffer.from(header);
  const wanted = Buffer.from(expected);
  return given.length === wanted.length && timingSafeEqual(given, wanted);
}

/** A 19-digit id like the gateway's `traceNo`, unique within this process. */
function traceNumbers(): () => string {
  let sequence = 0;
  return () => `${Date.now()}${String(++sequence % 1_000_000).padStart(6, '0')}`;
}

const tokenBody = z.object({ token: z.string().min(1) });

export function registerPhoneGateway(app: FastifyInstance, originalToken: string): void {
  let acceptedToken = originalToken;
  const nextTraceNo = traceNumbers();
  let callTimes: number[] = [];
  app.sim.onReset(() => {
    acceptedToken = originalToken;
    callTimes = [];
  });
  // On arrival, before the body is read: what a rate limit at the gateway would count.
  app.addHook('onRequest', (request, _reply, done) => {
    if (request.method === 'POST' && request.routeOptions.url === PHONE_VERIFICATION_PATH) callTimes.push(Date.now());
    done();
  });
  app.get(`${CONTROL_PREFIX}/call-times`, () => ({ times: callTimes }));

  const answer = (reply: FastifyReply, result: number, isp: string) =>
    reply.code(200).send({
      errcode: 0,
      errmsg: 'SUCCESS',
      data: {
        traceNo: nextTraceNo(),
        status: 'success',
        result: {
          responseJson: {
            Response: {
              Result: String(result),
              Description: DESCRIPTIONS[result] ?? '',
              Isp: isp,
              RequestId: randomUUID(),
            },
          },
        },
      },
    });

  // Before any injected fault answers: the request log names the number only by a hash, so one
  // check's calls can be told apart from another's (a billed answer bought twice shows).
  app.addHook('preValidation', (request, _reply, done) => {
    const phone = (request.body as { data?: { Phone?: unknown } } | undefined)?.data?.Phone;
    if (request.url === PHONE_VERIFICATION_PATH && typeof phone === 'string') {
      app.sim.annotate(request, { subject: subjectOf(phone) });
    }
    done();
  });

  app.post(PHONE_VERIFICATION_PATH, async (request, reply) => {
    if (!tokenMatches(request.headers.authorization, acceptedToken)) {
      app.sim.count('authRejected');
      return reply
        .code(401)
        .send({ errcode: SIMULATOR_ERRCODES.badToken, errmsg: 'token invalid or expired', data: null });
    }
    const parsed = gatewayRequestSchema.safeParse(request.body);
    if (!parsed.success) {
      app.sim.count('badRequests');
      // Field paths only, as a careful gateway would: the values are personal data.
      const fields = parsed.error.issues.map((issue) => issue.path.join('.') || '(body)').join(', ');
      return reply
        .code(400)
        .send({ errcode: SIMULATOR_ERRCODES.badRequest, errmsg: `invalid request: ${fields}`, data: null });
    }
    const phone = parsed.data.data.Phone;
    const isp = ispForPhone(phone);
    if (app.sim.takeFault(request, 'busy')) {
      app.sim.annotate(request, { result: BUSY_RESULT });
      return answer(reply, BUSY_RESULT, isp);
    }

    const result = resultForPhone(phone);
    app.sim.annotate(request, { result });
    if (BILLED_RESULT_CODES.has(String(result))) app.sim.count('billedCalls');
    return answer(reply, result, isp);
  });

  app.put(`${CONTROL_PREFIX}/token`, async (request, reply) => {
    const parsed = tokenBody.safeParse(request.body);
    if (!parsed.success) return reply.code(400).send({ error: 'body must be { token: non-empty string }' });
    acceptedToken = parsed.data.token;
    return reply.code(204).send();
  });
}

export function startPhoneGatewaySimulator(options: PhoneGatewaySimulatorOptions): Promise<RunningSimulator> {
  return startSimulator({
    name: 'phone-gateway',
    host: options.host,
    port: options.port,
    register: (app) => registerPhoneGateway(app, options.token),
  });
}
