import { randomBytes } from 'node:crypto';
import { defaultPayloadConverter } from '@temporalio/common';
import { startCodecServer, type CodecServer } from '../../common/codec-server';
import { AesGcmPayloadCodec, ENCRYPTED_ENCODING } from '../../common/payload-codec';

const UI_ORIGIN = 'http://127.0.0.1:8233';
const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64');

let server: CodecServer;

beforeAll(async () => {
  const codec = new AesGcmPayloadCodec({ keys: new Map([['k1', new Uint8Array(randomBytes(32))]]), activeKeyId: 'k1' });
  server = await startCodecServer({ codec, allowedOrigins: [UI_ORIGIN] });
});
afterAll(() => server?.close());

type Body = { payloads: Array<{ metadata: Record<string, string>; data: string }> };

async function post(path: string, body: unknown, origin = UI_ORIGIN): Promise<Response> {
  return fetch(`${server.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin, 'x-namespace': 'default' },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(5_000),
  });
}

it('listens on loopback', () => {
  expect(new URL(server.url).hostname).toBe('127.0.0.1');
});

it('decode(encode(x)) round-trips over HTTP in proto-JSON', async () => {
  const payload = defaultPayloadConverter.toPayload({ approverCpf: '52998224725' });
  const json = { payloads: [{ metadata: { encoding: b64(payload.metadata!.encoding!) }, data: b64(payload.data!) }] };

  const encodedResponse = await post('/encode', json);
  expect(encodedResponse.status).toBe(200);
  const encoded = (await encodedResponse.json()) as Body;
  expect(Buffer.from(encoded.payloads[0]!.metadata.encoding!, 'base64').toString()).toBe(ENCRYPTED_ENCODING);
  expect(Buffer.from(encoded.payloads[0]!.data, 'base64').toString()).not.toContain('52998224725');

  const decoded = (await (await post('/decode', encoded)).json()) as Body;
  expect(decoded).toEqual(json);
});

it('reads an empty proto-JSON body as zero payloads', async () => {
  expect(await (await post('/encode', {})).json()).toEqual({ payloads: [] });
});

it('gives CORS allowance to the UI origin only', async () => {
  const preflight = (origin: string) =>
    fetch(`${server.url}/decode`, {
      method: 'OPTIONS',
      headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'x-namespace' },
    });
  const allowed = await preflight(UI_ORIGIN);
  expect(allowed.headers.get('access-control-allow-origin')).toBe(UI_ORIGIN);
  expect(allowed.headers.get('access-control-allow-headers')).toMatch(/X-Namespace/i);

  const foreign = await preflight('http://evil.example');
  expect(foreign.headers.get('access-control-allow-origin')).toBeNull();
  const foreignPost = await post('/decode', { payloads: [] }, 'http://evil.example');
  expect(foreignPost.headers.get('access-control-allow-origin')).toBeNull();
});

it('refuses a malformed body and an oversized one', async () => {
  expect((await post('/decode', { payloads: [{ data: '%%%' }] })).status).toBe(400);
  expect((await post('/decode', { payloads: [{ data: 'A'.repeat(5 * 1024 * 1024) }] })).status).toBe(413);
});

it('names an unknown key id', async () => {
  const response = await post('/decode', {
    payloads: [
      {
        metadata: { encoding: b64(Buffer.from(ENCRYPTED_ENCODING)), 'encryption-key-id': b64(Buffer.from('gone')) },
        data: b64(randomBytes(40)),
      },
    ],
  });
  expect(response.status).toBe(400);
  expect(((await response.json()) as { message: string }).message).toMatch(/unknown key id "gone"/);
});
