/**
 * The codec server: lets the Temporal UI (`--ui-codec-endpoint`) and the official `temporal` CLI
 * (`--codec-endpoint`) show encrypted payloads decoded, without giving them the keys. It speaks
 * the Temporal protocol: POST /encode and /decode with `{ payloads: [{ metadata, data }] }` in
 * proto-JSON (base64 bytes). Browsers only get CORS allowance for the listed origins (the UI's),
 * and it listens on loopback unless told otherwise: anyone who can reach it can read the data.
 */
import Fastify, { type FastifyReply, type FastifyRequest } from 'fastify';
import type { Payload, PayloadCodec } from '@temporalio/common';
import { z } from 'zod';

export interface CodecServerOptions {
  codec: PayloadCodec;
  /** Browser origins allowed to call (e.g. the UI at http://127.0.0.1:8233). */
  allowedOrigins: readonly string[];
  host?: string;
  /** 0 or omitted: any free port. */
  port?: number;
  bodyLimitBytes?: number;
}

export interface CodecServer {
  /** Base URL, e.g. http://127.0.0.1:8888 (what --codec-endpoint takes). */
  url: string;
  close(): Promise<void>;
}

const base64 = z.string().regex(/^[A-Za-z0-9+/_-]*={0,2}$/, { message: 'must be base64' });

/** Proto-JSON leaves empty lists out: `{}` is zero payloads (the CLI sends it for a query without arguments). */
const payloadsBodySchema = z.object({
  payloads: z
    .array(
      z.object({
        metadata: z.record(z.string(), base64).optional(),
        data: base64.optional(),
      }),
    )
    .default([]),
});

type JsonPayload = z.infer<typeof payloadsBodySchema>['payloads'][number];

function fromJson(payload: JsonPayload): Payload {
  const metadata: Record<string, Uint8Array> = {};
  for (const [key, value] of Object.entries(payload.metadata ?? {})) metadata[key] = Buffer.from(value, 'base64');
  return { metadata, data: Buffer.from(payload.data ?? '', 'base64') };
}

function toJson(payload: Payload): JsonPayload {
  const metadata: Record<string, string> = {};
  for (const [key, value] of Object.entries(payload.metadata ?? {})) {
    metadata[key] = Buffer.from(value).toString('base64');
  }
  return { metadata, data: Buffer.from(payload.data ?? new Uint8Array()).toString('base64') };
}

const ALLOWED_HEADERS = 'Content-Type, X-Namespace, Authorization';

export async function startCodecServer(options: CodecServerOptions): Promise<CodecServer> {
  const allowed = new Set(options.allowedOrigins.map((origin) => origin.replace(/\/+$/, '')));
  const app = Fastify({ logger: false, bodyLimit: options.bodyLimitBytes ?? 4 * 1024 * 1024 });

  app.addHook('onRequest', async (request, reply) => {
    const origin = request.headers.origin;
    if (origin && allowed.has(origin)) {
      reply.header('Access-Control-Allow-Origin', origin);
      reply.header('Access-Control-Allow-Credentials', 'true');
      reply.header('Vary', 'Origin');
    }
  });
  app.options('/*', async (request, reply) => {
    if (request.headers.origin && allowed.has(request.headers.origin)) {
      reply.header('Access-Control-Allow-Methods', 'POST, OPTIONS');
      reply.header('Access-Control-Allow-Headers', ALLOWED_HEADERS);
      reply.header('Access-Control-Max-Age', '600');
    }
    return reply.code(204).send();
  });

  const route = (direction: 'encode' | 'decode') => async (request: FastifyRequest, reply: FastifyReply) => {
    const parsed = payloadsBodySchema.safeParse(request.body);
    if (!parsed.success) {
      return reply.code(400).send({ message: `payloads: ${parsed.error.issues[0]?.message ?? 'invalid body'}` });
    }
    const payloads = parsed.data.payloads.map(fromJson);
    try {
      const result = await options.codec[direction](payloads);
      return reply.send({ payloads: result.map(toJson) });
    } catch (error) {
      // The codec's messages name key ids only, never key material or payload content.
      return reply.code(400).send({ message: error instanceof Error ? error.message : 'cannot decode' });
    }
  };
  app.post('/encode', route('encode'));
  app.post('/decode', route('decode'));

  const url = await app.listen({ host: options.host ?? '127.0.0.1', port: options.port ?? 0 });
  return { url, close: () => app.close() };
}
