/**
 * The shared provider HTTP layer (providers/http.ts) against real loopback servers, and the three
 * provider clients over it: redirects never followed (the second host hears nothing), bodies
 * read up to the cap with memory flat, Retry-After per RFC 9110 and capped, timeouts, dropped
 * connections, caller aborts and redacted excerpts.
 */
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { MockActivityEnvironment } from '@temporalio/testing';
import { PROVIDER_CALL_DURATION_METRIC, PROVIDER_CALLS_METRIC } from '../../contracts/metrics';
import { RecordingMeter } from '../support/recording-meter';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { BankApiError, BankDeviceClient } from '../../providers/bank-device';
import { EsignClient, EsignError } from '../../providers/esign';
import { PhoneGatewayClient, PhoneGatewayError } from '../../providers/phone-gateway';
import {
  DEFAULT_MAX_BODY_BYTES,
  ProviderHttpError,
  parseRetryAfter,
  providerFetch,
  redactedExcerpt,
  type ProviderHttpLimits,
} from '../../providers/http';
import { toBankFailure } from '../../activities/device-approval';
import { PHONE_GATEWAY_FAILURE } from '../../contracts/phone-check';

interface Loopback {
  url: string;
  /** Requests received, with their headers and bodies. */
  received: Array<{ method: string; url: string; headers: IncomingMessage['headers']; body: string }>;
  close(): Promise<void>;
}

const servers: Loopback[] = [];

async function serve(handler: (request: IncomingMessage, response: ServerResponse) => void): Promise<Loopback> {
  const received: Loopback['received'] = [];
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      received.push({
        method: request.method ?? '',
        url: request.url ?? '',
        headers: request.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      });
      handler(request, response);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const loopback: Loopback = {
    url: `http://127.0.0.1:${port}`,
    received,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  servers.push(loopback);
  return loopback;
}

afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

const LIMITS: ProviderHttpLimits = { timeoutMs: 5_000, maxBodyBytes: DEFAULT_MAX_BODY_BYTES, maxRetryAfterMs: 300_000 };

async function failureOf(call: Promise<unknown>): Promise<unknown> {
  try {
    await call;
  } catch (error) {
    return error;
  }
  throw new Error('the call succeeded');
}

describe('redirects are never followed', () => {
  it.each([301, 302, 303, 307, 308])('HTTP %i is a configuration error naming the URL variable', async (status) => {
    const elsewhere = await serve((_request, response) => response.end('{}'));
    const provider = await serve((_request, response) => {
      response.writeHead(status, { location: `${elsewhere.url}/steal` });
      response.end();
    });
    const error = await failureOf(
      providerFetch({
        url: `${provider.url}/x`,
        provider: 'bank' as const,
        operation: 'test',
        urlVariable: 'SOME_BASE_URL',
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{"cpf":"52998224725"}',
        limits: LIMITS,
      }),
    );
    expect(error).toBeInstanceOf(ProviderHttpError);
    expect(error).toMatchObject({ failure: 'redirect', details: { httpStatus: status } });
    expect((error as Error).message).toContain('SOME_BASE_URL');
    expect(elsewhere.received).toEqual([]);
  });

  it('the bank create answered 307 elsewhere: the other host never receives API-CLIENT-KEY or the CPF', async () => {
    const elsewhere = await serve((_request, response) => response.end('{}'));
    const bank = await serve((_request, response) => {
      response.writeHead(307, { location: `${elsewhere.url}/account/x/device` });
      response.end();
    });
    const pem = generateKeyPairSync('ec', { namedCurve: 'secp521r1' })
      .privateKey.export({ type: 'sec1', format: 'pem' })
      .toString();
    const client = new BankDeviceClient({
      baseUrl: bank.url,
      apiClientKey: 'client-key',
      privateKeyPem: pem,
      timeoutMs: 5_000,
    });
    const error = await failureOf(
      client.createDevice(randomUUID(), {
        device_key: randomUUID(),
        session_id: randomUUID(),
        tfa_info: { approver_document_number: '52998224725', contact_type: 'sms' },
      }),
    );
    expect(error).toBeInstanceOf(BankApiError);
    expect(error).toMatchObject({ kind: 'configuration' });
    expect((error as Error).message).toContain('BANK_BASE_URL');
    expect(toBankFailure(error)).toMatchObject({ nonRetryable: true });
    expect(bank.received).toHaveLength(1);
    expect(elsewhere.received).toEqual([]);
  });

  it('the e-sign and phone clients refuse a redirect the same way, naming their variables', async () => {
    const elsewhere = await serve((_request, response) => response.end('{}'));
    const provider = await serve((_request, response) => {
      response.writeHead(302, { location: `${elsewhere.url}/x` });
      response.end();
    });
    const esign = new EsignClient({
      baseUrl: provider.url,
      appId: 'app',
      appSecret: 'secret',
      authMode: 'signature',
      timeoutMs: 5_000,
    });
    const esignError = await failureOf(esign.getOutline('flow-1'));
    expect(esignError).toBeInstanceOf(EsignError);
    expect(esignError).toMatchObject({ kind: 'configuration', retryable: false });
    expect((esignError as Error).message).toContain('ESIGN_BASE_URL');

    const phone = new PhoneGatewayClient({
      baseUrl: provider.url,
      token: 'token',
      timeoutMs: 5_000,
      ratePerSecond: 1,
      rateJitterMs: 50,
    });
    const phoneError = await failureOf(
      phone.verify({ phone: '13800138000', idCard: '11010519491231002X', name: '张三' }),
    );
    expect(phoneError).toBeInstanceOf(PhoneGatewayError);
    expect(phoneError).toMatchObject({ failureType: PHONE_GATEWAY_FAILURE.misconfigured, retryable: false });
    expect((phoneError as Error).message).toContain('PHONE_BASE_URL');
    expect(elsewhere.received).toEqual([]);
  });
});

describe('bounded bodies', () => {
  /** Streams up to `totalBytes` in 64 KiB chunks, stopping when the client goes away; counts what it wrote. */
  async function endless(status: number, totalBytes: number, contentLength?: number) {
    const sent = { bytes: 0 };
    const server = await serve((_request, response) => {
      response.writeHead(status, {
        'content-type': 'application/json',
        ...(contentLength === undefined ? {} : { 'content-length': String(contentLength) }),
      });
      const chunk = Buffer.alloc(64 * 1024, 'x');
      const pump = () => {
        while (sent.bytes < totalBytes && !response.destroyed) {
          sent.bytes += chunk.length;
          if (!response.write(chunk)) return void response.once('drain', pump);
        }
        response.end();
      };
      response.on('close', () => undefined);
      pump();
    });
    return { server, sent };
  }

  it.each([200, 500])('a 300 MB HTTP %i body is read up to the cap, the rest is never received', async (status) => {
    const total = 300 * 1024 * 1024;
    const { server, sent } = await endless(status, total);
    const before = process.memoryUsage();
    const answer = await providerFetch({
      url: server.url,
      provider: 'bank' as const,
      operation: 'test',
      urlVariable: 'X_BASE_URL',
      method: 'GET',
      headers: {},
      limits: { ...LIMITS, maxBodyBytes: 1024 * 1024 },
    });
    const after = process.memoryUsage();
    expect(answer).toMatchObject({ status, bodyTooLarge: true });
    expect(Buffer.byteLength(answer.body)).toBe(1024 * 1024);
    expect(sent.bytes).toBeLessThan(total);
    // Flat: far below the 300 MB a whole read would cost (the cap plus stream buffers).
    expect(after.arrayBuffers + after.external - (before.arrayBuffers + before.external)).toBeLessThan(
      64 * 1024 * 1024,
    );
  });

  it('a Content-Length over the cap is not read at all', async () => {
    const { server } = await endless(200, 4 * 1024 * 1024, 4 * 1024 * 1024);
    const answer = await providerFetch({
      url: server.url,
      provider: 'bank' as const,
      operation: 'test',
      urlVariable: 'X_BASE_URL',
      method: 'GET',
      headers: {},
      limits: { ...LIMITS, maxBodyBytes: 1024 * 1024 },
    });
    expect(answer).toMatchObject({ status: 200, bodyTooLarge: true, body: '' });
  });

  it('a body exactly at the cap is whole, one byte more is too large', async () => {
    const exact = await serve((_request, response) => response.end('y'.repeat(2048)));
    const over = await serve((_request, response) => response.end('y'.repeat(2049)));
    const limits = { ...LIMITS, maxBodyBytes: 2048 };
    const request = {
      provider: 'bank' as const,
      operation: 'test',
      urlVariable: 'X',
      method: 'GET' as const,
      headers: {},
      limits,
    };
    expect(await providerFetch({ ...request, url: exact.url })).toMatchObject({ bodyTooLarge: false });
    expect((await providerFetch({ ...request, url: exact.url })).body).toHaveLength(2048);
    expect(await providerFetch({ ...request, url: over.url })).toMatchObject({ bodyTooLarge: true });
  });

  it('each client turns a 2xx over the cap into a clear failure and keeps classifying a 5xx by status', async () => {
    const big = await serve((request, response) => {
      response.writeHead(request.method === 'GET' && request.url?.includes('fail') ? 503 : 200);
      response.end('z'.repeat(8 * 1024));
    });
    const pem = generateKeyPairSync('ec', { namedCurve: 'secp521r1' })
      .privateKey.export({ type: 'pkcs8', format: 'pem' })
      .toString();
    const bank = new BankDeviceClient({
      baseUrl: big.url,
      apiClientKey: 'k',
      privateKeyPem: pem,
      timeoutMs: 5_000,
      maxBodyBytes: 4096,
    });
    const bankError = await failureOf(bank.getDevice(randomUUID(), randomUUID()));
    expect(bankError).toMatchObject({ kind: 'unexpected_response' });
    expect((bankError as Error).message).toContain('PROVIDER_MAX_BODY_BYTES');
    const bankFail = await failureOf(bank.getDevice('fail', randomUUID()));
    expect(bankFail).toMatchObject({ kind: 'unavailable', details: { httpStatus: 503 } });

    const esign = new EsignClient({
      baseUrl: big.url,
      appId: 'a',
      appSecret: 's',
      authMode: 'signature',
      timeoutMs: 5_000,
      maxBodyBytes: 4096,
    });
    const esignError = await failureOf(esign.getOutline('flow'));
    expect(esignError).toMatchObject({ kind: 'invalidResponse' });
    expect((esignError as Error).message).toContain('PROVIDER_MAX_BODY_BYTES');

    const phone = new PhoneGatewayClient({
      baseUrl: big.url,
      token: 't',
      timeoutMs: 5_000,
      ratePerSecond: 1,
      rateJitterMs: 50,
      maxBodyBytes: 4096,
    });
    const phoneError = await failureOf(
      phone.verify({ phone: '13800138000', idCard: '11010519491231002X', name: '张三' }),
    );
    expect(phoneError).toMatchObject({ failureType: PHONE_GATEWAY_FAILURE.malformed, retryable: false });
  });
});

describe('Retry-After (RFC 9110 §10.2.3)', () => {
  const NOW = Date.parse('2026-11-24T00:00:00Z');
  const MAX = 300_000;

  it.each<[string, string | null, number | undefined]>([
    ['delay-seconds', '120', 120_000],
    ['zero seconds (retry now) falls back to the backoff', '0', undefined],
    ['one day, capped', '86400', MAX],
    ['a huge number, capped', '99999999999999999999', MAX],
    ['surrounding spaces', ' 7 ', 7_000],
    ['IMF-fixdate 120 s ahead', new Date(NOW + 120_000).toUTCString(), 120_000],
    ['IMF-fixdate a day ahead, capped', new Date(NOW + 86_400_000).toUTCString(), MAX],
    ['obsolete RFC 850 date', 'Tuesday, 24-Nov-26 00:01:00 GMT', 60_000],
    ['asctime date (GMT by definition)', 'Tue Nov 24 00:01:00 2026', 60_000],
    ['asctime date, day padded with a space', 'Tue Nov 24 00:00:09 2026', 9_000],
    ['a date in the past', new Date(NOW - 30_000).toUTCString(), undefined],
    ['absent', null, undefined],
    ['empty', '', undefined],
    ['negative', '-5', undefined],
    ['fractional', '1.5', undefined],
    ['text', 'soon', undefined],
    ['an ISO date (not an HTTP-date)', '2026-11-24T00:01:00Z', undefined],
    ['a date without its zone', 'Tue, 24 Nov 2026 00:01:00', undefined],
    ['an impossible date', 'Tue, 31 Feb 2026 00:01:00 GMT', undefined],
  ])('%s: %p', (_label, header, expected) => {
    expect(parseRetryAfter(header, NOW, MAX)).toBe(expected);
  });

  it('the bank honours an HTTP-date 120 s ahead and caps Retry-After: 86400, into nextRetryDelay', async () => {
    let header = '';
    const bank = await serve((_request, response) => {
      response.writeHead(429, { 'retry-after': header, 'content-type': 'application/json' });
      response.end('{}');
    });
    const pem = generateKeyPairSync('ec', { namedCurve: 'secp521r1' })
      .privateKey.export({ type: 'pkcs8', format: 'pem' })
      .toString();
    const client = new BankDeviceClient({
      baseUrl: bank.url,
      apiClientKey: 'k',
      privateKeyPem: pem,
      timeoutMs: 5_000,
      maxRetryAfterMs: 300_000,
    });
    header = new Date(Date.now() + 120_000).toUTCString();
    const dated = await failureOf(client.getDevice(randomUUID(), randomUUID()));
    const datedDelay = (dated as BankApiError).details.retryAfterMs ?? 0;
    // HTTP-dates have one-second resolution.
    expect(datedDelay).toBeGreaterThan(110_000);
    expect(datedDelay).toBeLessThanOrEqual(120_000);
    expect(toBankFailure(dated)).toMatchObject({ type: 'BankRateLimited', nextRetryDelay: datedDelay });

    header = '86400';
    const day = await failureOf(client.getDevice(randomUUID(), randomUUID()));
    expect(toBankFailure(day)).toMatchObject({ nextRetryDelay: 300_000 });

    header = '-1';
    const negative = await failureOf(client.getDevice(randomUUID(), randomUUID()));
    expect((toBankFailure(negative) as { nextRetryDelay?: unknown }).nextRetryDelay).toBeUndefined();
  });

  it('e-sign and phone read the same header the same way, on 503 too', async () => {
    const provider = await serve((_request, response) => {
      response.writeHead(503, { 'retry-after': '86400' });
      response.end();
    });
    const esign = new EsignClient({
      baseUrl: provider.url,
      appId: 'a',
      appSecret: 's',
      authMode: 'signature',
      timeoutMs: 5_000,
      maxRetryAfterMs: 45_000,
    });
    expect(await failureOf(esign.getOutline('flow'))).toMatchObject({
      kind: 'transient',
      details: { retryAfterMs: 45_000 },
    });
    const phone = new PhoneGatewayClient({
      baseUrl: provider.url,
      token: 't',
      timeoutMs: 5_000,
      ratePerSecond: 1,
      rateJitterMs: 50,
      maxRetryAfterMs: 45_000,
    });
    expect(
      await failureOf(phone.verify({ phone: '13800138000', idCard: '11010519491231002X', name: '张三' })),
    ).toMatchObject({ failureType: PHONE_GATEWAY_FAILURE.unavailable, retryAfterMs: 45_000 });
  });
});

describe('transport failures', () => {
  it('no answer within the timeout is a timeout, headers or body', async () => {
    const silent = await serve(() => undefined);
    const stalled = await serve((_request, response) => {
      response.writeHead(200);
      response.write('{"partial":');
    });
    const request = {
      provider: 'bank' as const,
      operation: 'test',
      urlVariable: 'X',
      method: 'GET' as const,
      headers: {},
      limits: { ...LIMITS, timeoutMs: 200 },
    };
    expect(await failureOf(providerFetch({ ...request, url: silent.url }))).toMatchObject({ failure: 'timeout' });
    expect(await failureOf(providerFetch({ ...request, url: stalled.url }))).toMatchObject({ failure: 'timeout' });
  });

  it('a refused connection is a network failure carrying the system code', async () => {
    const gone = await serve(() => undefined);
    await gone.close();
    const error = await failureOf(
      providerFetch({
        url: gone.url,
        provider: 'bank' as const,
        operation: 'test',
        urlVariable: 'X',
        method: 'GET',
        headers: {},
        limits: LIMITS,
      }),
    );
    expect(error).toMatchObject({ failure: 'network', details: { networkCode: 'ECONNREFUSED' } });
  });

  it("the caller's abort comes back as the caller's own reason", async () => {
    const silent = await serve(() => undefined);
    const controller = new AbortController();
    const reason = new Error('activity cancelled');
    const call = providerFetch({
      url: silent.url,
      provider: 'bank' as const,
      operation: 'test',
      urlVariable: 'X',
      method: 'GET',
      headers: {},
      signal: controller.signal,
      limits: LIMITS,
    });
    controller.abort(reason);
    expect(await failureOf(call)).toBe(reason);
  });
});

describe('metrics', () => {
  it('counts and times every call once, by provider, operation, outcome and status, in the activity context', async () => {
    const ok = await serve((_request, response) => {
      response.writeHead(409, { 'content-type': 'application/json' });
      response.end('{"code":"DEVICE_EXISTS"}');
    });
    const silent = await serve(() => undefined);
    const gone = await serve(() => undefined);
    await gone.close();
    const meter = new RecordingMeter();
    const request = {
      provider: 'esign' as const,
      operation: 'read flow outline',
      urlVariable: 'X',
      method: 'GET' as const,
      headers: {},
      limits: LIMITS,
    };
    await new MockActivityEnvironment(undefined, { metricMeter: meter }).run(async () => {
      expect((await providerFetch({ ...request, url: ok.url })).status).toBe(409);
      await failureOf(providerFetch({ ...request, url: silent.url, limits: { ...LIMITS, timeoutMs: 300 } }));
      await failureOf(providerFetch({ ...request, url: gone.url }));
    });
    // The activity context's meter adds its tags (the mock environment's values).
    const base = {
      provider: 'esign',
      operation: 'read flow outline',
      namespace: 'test',
      taskQueue: 'test',
      activityType: 'unknown',
    };
    expect(meter.counted(PROVIDER_CALLS_METRIC.name)).toEqual([
      { ...base, outcome: 'answered', status_code: '409' },
      { ...base, outcome: 'timeout', status_code: 'none' },
      { ...base, outcome: 'network', status_code: 'none' },
    ]);
    const durations = meter.recorded.filter((entry) => entry.name === PROVIDER_CALL_DURATION_METRIC.name);
    expect(durations.map((entry) => entry.tags)).toEqual([
      { ...base, outcome: 'answered' },
      { ...base, outcome: 'timeout' },
      { ...base, outcome: 'network' },
    ]);
    expect(durations[1]!.value).toBeGreaterThanOrEqual(300);

    // Outside an activity (a script, this test file's other calls) nothing is recorded, and nothing breaks.
    expect((await providerFetch({ ...request, url: ok.url })).status).toBe(409);
    expect(meter.counted(PROVIDER_CALLS_METRIC.name)).toHaveLength(3);
  });
});

describe('redacted excerpts', () => {
  it('masks ids, phones, CPFs and e-mails, runs the provider redactor first, and cuts with an ellipsis', () => {
    const text = 'cpf 529.982.247-25 / 52998224725, id 11010519491231002x, phone 13800138000, mail a.b@example.com';
    const excerpt = redactedExcerpt(text, 1000, (t) => t.replace('cpf', 'CPF'));
    expect(excerpt).toBe('CPF [redacted] / [redacted], id [redacted], phone [redacted], mail [redacted]');
    expect(redactedExcerpt(`${'a'.repeat(20)}13800138000`, 25)).toBe(`${'a'.repeat(20)}[reda…`);
  });

  it('redacts past the cut, so no part of a number split by it survives', () => {
    const excerpt = redactedExcerpt(`${'a'.repeat(8)}13800138000`, 10);
    expect(excerpt).not.toMatch(/\d/);
  });
});

describe('one home', () => {
  it('providers/http.ts is the only production module under providers/ and activities/ that calls fetch', () => {
    const { readdirSync, readFileSync } = jest.requireActual<typeof import('node:fs')>('node:fs');
    const { join } = jest.requireActual<typeof import('node:path')>('node:path');
    const root = join(__dirname, '..', '..');
    const callers: string[] = [];
    for (const dir of ['providers', 'activities']) {
      for (const entry of readdirSync(join(root, dir), { recursive: true, encoding: 'utf8' })) {
        if (!entry.endsWith('.ts')) continue;
        if (/\bfetch\(/.test(readFileSync(join(root, dir, entry), 'utf8'))) callers.push(`${dir}/${entry}`);
      }
    }
    expect(callers).toEqual(['providers/http.ts']);
  });
});
