/**
 * The e-signature callback endpoint, run inside the worker process. It verifies the callback
 * signature over the raw body, refuses stale or forged calls (401), oversized bodies (413) and
 * malformed JSON (400), and signals the tracking workflow (id derived from the flow id) without
 * waiting for it: the platform gets its 200 at once, whether or not the workflow still exists.
 * A callback is only a hint; the workflow confirms by reading the outline.
 */
import Fastify from 'fastify';
import type { Client } from '@temporalio/client';
import { WorkflowNotFoundError } from '@temporalio/common';
import { z } from 'zod';
import type { MetricMeter } from '@temporalio/common';
import type { CallbackReceiverConfig } from '../common/config';
import { callbackCounter } from '../common/metrics';
import {
  callbackReceivedSignal,
  flowIdSchema,
  identityFlowWorkflowId,
  type CallbackHint,
} from '../contracts/identity-flow';
import { verifyCallback } from '../providers/esign/callback-signature';

/** Where the platform posts; ESIGN_NOTIFY_URL must point here as the platform reaches it. */
export const ESIGN_CALLBACK_PATH = '/callbacks/esign';

/** The signal gets this long; the HTTP answer never waits for it. */
const SIGNAL_TIMEOUT_MS = 5_000;

/** The platform retries and double-delivers; identical deliveries within this window signal once. */
const DUPLICATE_WINDOW_MS = 10 * 60_000;
const MAX_REMEMBERED = 10_000;

/** Lenient about fields we do not use; strict about the flow id the workflow id is derived from. */
const callbackBodySchema = z.object({
  flowId: flowIdSchema,
  action: z.string().max(64).optional(),
  status: z.string().max(64).optional(),
  success: z.boolean().optional(),
});

export interface CallbackReceiver {
  /** The real bound base address, e.g. http://127.0.0.1:7310 (the endpoint is ESIGN_CALLBACK_PATH below it). */
  url: string;
  close(): Promise<void>;
}

class RecentDeliveries {
  private readonly seen = new Map<string, number>();

  /** True when this delivery was already seen within the window; remembers it otherwise. */
  check(key: string, now: number): boolean {
    // Insertion order is expiry order, so the oldest entries are dropped first.
    for (const [oldKey, expiry] of this.seen) {
      if (expiry > now && this.seen.size < MAX_REMEMBERED) break;
      this.seen.delete(oldKey);
    }
    if (this.seen.has(key)) return true;
    this.seen.set(key, now + DUPLICATE_WINDOW_MS);
    return false;
  }
}

export async function startCallbackReceiver(options: {
  config: CallbackReceiverConfig;
  client: Client;
  /** Counts callbacks by result (`kyc_callbacks_total`); none are counted without it. */
  metricMeter?: MetricMeter;
}): Promise<CallbackReceiver> {
  const { config, client } = options;
  const app = Fastify({ logger: false, bodyLimit: config.maxBodyBytes });
  const count = callbackCounter(options.metricMeter);
  // fastify refuses an oversized body itself (413) before the handler runs.
  app.addHook('onResponse', (request, reply, done) => {
    if (reply.statusCode === 413 && request.url.startsWith(ESIGN_CALLBACK_PATH)) count('refused_too_large');
    done();
  });
  const recent = new RecentDeliveries();
  const inFlight = new Set<Promise<void>>();

  // The signature covers the exact bytes, so every body is read raw and parsed only after verification.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));

  const forward = (flowId: string, hint: CallbackHint): void => {
    const handle = client.workflow.getHandle(identityFlowWorkflowId(flowId));
    const signalled = client
      .withDeadline(Date.now() + SIGNAL_TIMEOUT_MS, () => handle.signal(callbackReceivedSignal, hint))
      .catch((error: unknown) => {
        // No tracking workflow for this flow (never started, or already finished): nothing to wake.
        if (error instanceof WorkflowNotFoundError) return;
        console.warn(
          `e-signature callback could not be forwarded: ${error instanceof Error ? error.name : 'unknown error'}`,
        );
      })
      .finally(() => inFlight.delete(signalled));
    inFlight.add(signalled);
  };

  app.post(ESIGN_CALLBACK_PATH, async (request, reply) => {
    const rawBody = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
    const verification = verifyCallback({
      secret: config.appSecret,
      header: (name) => {
        const value = request.headers[name.toLowerCase()];
        return Array.isArray(value) ? value[0] : value;
      },
      query: request.query as Record<string, string | string[] | undefined>,
      rawBody,
      now: Date.now(),
      toleranceMs: config.timestampToleranceMs,
      headerNames: {
        ...(config.signatureHeader ? { signature: config.signatureHeader } : {}),
        ...(config.timestampHeader ? { timestamp: config.timestampHeader } : {}),
      },
    });
    if (!verification.ok) {
      count('refused_signature');
      return reply.code(401).send({ code: 401, message: `callback refused: ${verification.reason}` });
    }

    let json: unknown;
    try {
      json = JSON.parse(rawBody.toString('utf8'));
    } catch {
      count('refused_not_json');
      return reply.code(400).send({ code: 400, message: 'body is not JSON' });
    }
    const body = callbackBodySchema.safeParse(json);
    if (!body.success) {
      const fields = [...new Set(body.error.issues.map((issue) => issue.path.join('.') || '(body)'))];
      count('refused_invalid');
      return reply.code(400).send({ code: 400, message: `invalid callback: ${fields.join(', ')}` });
    }

    if (recent.check(verification.signature, Date.now())) {
      count('duplicate');
      return reply.code(200).send({ code: 0, message: 'duplicate' });
    }

    forward(body.data.flowId, {
      action: body.data.action,
      status: body.data.status,
      success: body.data.success,
      receivedAt: Date.now(),
    });
    count('accepted');
    return reply.code(200).send({ code: 0, message: 'ok' });
  });

  const address = await app.listen({ host: config.host, port: config.port });
  const bound = app.server.address();
  const url =
    bound && typeof bound === 'object'
      ? `http://${bound.family === 'IPv6' ? `[${bound.address}]` : bound.address}:${bound.port}`
      : address;
  return {
    url,
    async close() {
      await app.close();
      await Promise.allSettled([...inFlight]);
    },
  };
}
