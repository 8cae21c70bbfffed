/**
 * Both OTLP/HTTP encodings reach a collector (common/tracing.ts): OTEL_EXPORTER_OTLP_PROTOCOL
 * picks JSON (default) or protobuf, and the real exporters POST to a loopback HTTP server that
 * records what arrives.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { loadTracingConfig, startTracing } from '../../common/tracing';

interface Received {
  path: string;
  contentType: string;
  body: Buffer;
}

let server: Server;
let received: Received[];
let endpoint: string;

beforeAll(async () => {
  server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      received.push({
        path: request.url ?? '',
        contentType: request.headers['content-type'] ?? '',
        body: Buffer.concat(chunks),
      });
      // An empty success answer, which both encodings accept.
      response.writeHead(200, { 'content-type': request.headers['content-type'] ?? 'application/json' });
      response.end(request.headers['content-type'] === 'application/json' ? '{}' : undefined);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
beforeEach(() => {
  received = [];
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

it.each([
  [undefined, 'application/json'],
  ['http/json', 'application/json'],
  ['http/protobuf', 'application/x-protobuf'],
])('OTEL_EXPORTER_OTLP_PROTOCOL=%s sends %s to <endpoint>/v1/traces', async (protocol, contentType) => {
  const config = loadTracingConfig(
    { OTEL_EXPORTER_OTLP_ENDPOINT: endpoint, ...(protocol ? { OTEL_EXPORTER_OTLP_PROTOCOL: protocol } : {}) },
    'kyc-test',
  )!;
  const tracing = startTracing(config, {
    onExportFailure: (message) => received.push({ path: message, contentType: 'failure', body: Buffer.alloc(0) }),
  });
  try {
    tracing.tracer.startSpan('kyc-protocol-span').end();
    await tracing.spanProcessor.forceFlush();
  } finally {
    await tracing.shutdown();
  }
  expect(received.map(({ path, contentType: type }) => ({ path, type }))).toEqual([
    { path: '/v1/traces', type: contentType },
  ]);
  // Strings are carried as they are in both encodings.
  expect(received[0]!.body.includes('kyc-protocol-span')).toBe(true);
});
