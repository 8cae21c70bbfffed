/**
 * A receiver of completion notifications for tests and the demo: it verifies every request's
 * Standard Webhooks signature with the client library's `verifyNotification`, answers 204 to a
 * valid one and 401 to anything else, and records what it got. It fails on demand: after
 * `POST /__control/fail {times, status}` the next `times` valid requests are recorded and answered
 * with `status` (a 3xx carries a `Location` back to the receiver, to show it is not followed). The
 * framework's faults (e.g. `drop`) act before verification, like an outage in front of it.
 *
 * Control API (under /__control): `GET /notifications` lists every request that passed
 * verification (event, headers' id and timestamp, the status answered), `GET /refused` the others.
 */
import type { FastifyInstance } from 'fastify';
import { NotificationVerificationError, verifyNotification } from '../../client/notifications';
import type { CompletionEvent } from '../../contracts/notification';
import { CONTROL_PREFIX, startSimulator, type RunningSimulator } from '../framework/simulator';
import { SimulatorControl } from '../framework/control-client';

export const NOTIFICATION_PATH = '/notifications';
export const NOTIFICATION_ROUTE = `POST ${NOTIFICATION_PATH}`;

export interface ReceivedNotification {
  event: CompletionEvent;
  webhookId: string;
  webhookTimestamp: number;
  /** How many `v1,` signatures the request carried (more than one during a secret rotation). */
  signatures: number;
  /** What the receiver answered: 204, or the status of a failure asked for. */
  answeredStatus: number;
  receivedAt: string;
}

export interface RefusedNotification {
  reason: string;
  webhookId: string | null;
  receivedAt: string;
}

function registerReceiver(app: FastifyInstance, secrets: readonly string[]): void {
  const received: ReceivedNotification[] = [];
  const refused: RefusedNotification[] = [];
  const failures: number[] = [];
  app.sim.onReset(() => {
    received.length = 0;
    refused.length = 0;
    failures.length = 0;
  });
  app.post(`${CONTROL_PREFIX}/fail`, async (request, reply) => {
    const { times, status } = request.body as { times?: unknown; status?: unknown };
    if (typeof times !== 'number' || typeof status !== 'number' || status < 200 || status > 599) {
      return reply.code(400).send({ error: 'expected {times, status}' });
    }
    for (let i = 0; i < times; i++) failures.push(status);
    return reply.code(204).send();
  });
  app.delete(`${CONTROL_PREFIX}/fail`, async (_request, reply) => {
    failures.length = 0;
    return reply.code(204).send();
  });
  app.get(`${CONTROL_PREFIX}/notifications`, () => received);
  app.get(`${CONTROL_PREFIX}/refused`, () => refused);
  // Its own plugin scope: the raw-body parser must not change how the control API reads JSON.
  void app.register((scope, _options, done) => {
    // The signature covers the exact bytes: keep the body as received.
    scope.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, next) => next(null, body));
    scope.post(NOTIFICATION_PATH, async (request, reply) => {
      const rawBody = typeof request.body === 'string' ? request.body : '';
      const header = (name: string) => {
        const value = request.headers[name];
        return typeof value === 'string' ? value : null;
      };
      try {
        const event = verifyNotification(request.headers, rawBody, secrets);
        const answeredStatus = failures.shift() ?? 204;
        received.push({
          event,
          webhookId: header('webhook-id') ?? '',
          webhookTimestamp: Number(header('webhook-timestamp')),
          signatures: (header('webhook-signature') ?? '').split(' ').length,
          answeredStatus,
          receivedAt: new Date().toISOString(),
        });
        if (answeredStatus >= 300 && answeredStatus < 400) {
          void reply.header('location', `${NOTIFICATION_PATH}?redirected=1`);
        }
        if (answeredStatus !== 204) return reply.code(answeredStatus).send({ error: 'failure asked for' });
        app.sim.count('delivered');
        return reply.code(204).send();
      } catch (error) {
        if (!(error instanceof NotificationVerificationError)) throw error;
        refused.push({ reason: error.message, webhookId: header('webhook-id'), receivedAt: new Date().toISOString() });
        app.sim.count('refused');
        return reply.code(401).send({ error: error.message });
      }
    });
    done();
  });
}

/** Starts the receiver on loopback; `url` + NOTIFICATION_PATH is the notify URL. */
export function startNotificationReceiver(options: {
  secrets: readonly string[];
  host?: string;
  port?: number;
}): Promise<RunningSimulator> {
  return startSimulator({
    name: 'notification-receiver',
    host: options.host,
    port: options.port,
    register: (app) => registerReceiver(app, options.secrets),
  });
}

/** Typed control of a running receiver. */
export class NotificationReceiverControl {
  readonly generic: SimulatorControl;
  constructor(baseUrl: string) {
    this.generic = new SimulatorControl(baseUrl);
  }

  async notifications(): Promise<ReceivedNotification[]> {
    return (await this.generic.request('GET', '/notifications')) as ReceivedNotification[];
  }

  async refused(): Promise<RefusedNotification[]> {
    return (await this.generic.request('GET', '/refused')) as RefusedNotification[];
  }

  /** Every request that reached the receiver's route (refused, failed on demand or delivered). */
  async requests(): Promise<number> {
    return this.generic.counter(`calls:${NOTIFICATION_ROUTE}`);
  }

  /** Drops the failures still asked for: the next valid notification is answered 204. */
  async recover(): Promise<void> {
    await this.generic.request('DELETE', '/fail');
  }

  /** Records and answers the next `times` valid notifications with `status` instead of 204. */
  async failNext(times: number, status = 503): Promise<void> {
    await this.generic.request('POST', '/fail', { times, status });
  }
}
