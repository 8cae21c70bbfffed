/**
 * Completion notifications without a server: the `notifyUrl` rule, the worker's notification
 * settings, Standard Webhooks signing and the client's `verifyNotification` (bad signature, stale
 * or future timestamp, missing headers, secret rotation), and what each receiver status means.
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { ConfigError, loadConfig } from '../../common/config';
import { NotificationVerificationError, verifyNotification } from '../../client/notifications';
import { notificationEventId, notifyUrlProblem, type CompletionEvent } from '../../contracts/notification';
import { notifyUrlSchema } from '../../contracts/notification';
import { classifyStatus, signNotification } from '../../providers/notification';

const newSecret = () => `whsec_${randomBytes(32).toString('base64')}`;

const event: CompletionEvent = {
  id: 'msg_0123456789abcdef0123456789abcdef_approved',
  type: 'device-approval.completed',
  occurredAt: '2026-11-30T09:00:00.000Z',
  workflowId: 'device-approval/a/b',
  flow: 'device-approval',
  status: 'APPROVED',
};
const body = JSON.stringify(event);

describe('notifyUrl', () => {
  it.each([
    'https://hooks.example.com/kyc',
    'https://hooks.example.com:8443/kyc?tenant=7',
    'http://127.0.0.1:9000/hook',
    'http://localhost/hook',
    'http://[::1]:8080/hook',
  ])('accepts %s', (url) => {
    expect(notifyUrlProblem(url)).toBeUndefined();
  });

  it.each([
    ['http://hooks.example.com/kyc', 'must be an absolute https URL'],
    ['ftp://127.0.0.1/x', 'must be an absolute https URL'],
    ['/relative', 'must be an absolute https URL'],
    ['https://user:pass@hooks.example.com/kyc', 'must not carry a user name or password'],
    ['https://hooks.example.com/kyc#frag', 'must not have a #fragment'],
    ['a URL of 2076 characters', 'must be at most 2048 characters'],
  ])('refuses %s', (given, message) => {
    const url = given.startsWith('a URL') ? `https://hooks.example.com/${'x'.repeat(2050)}` : given;
    expect(notifyUrlProblem(url)).toContain(message);
    // The callers' zod schema gives the same message.
    expect(notifyUrlSchema.safeParse(url).error?.issues[0]?.message).toContain(message);
  });

  it('derives a stable event id from the run chain and the status', () => {
    const id = notificationEventId('0195f2a4-1111-7222-8333-444455556666', 'APPROVED');
    expect(id).toBe('msg_0195f2a4111172228333444455556666_approved');
    expect(notificationEventId('0195f2a4-1111-7222-8333-444455556666', 'APPROVED')).toBe(id);
  });
});

describe('worker settings (KYC_NOTIFY_*)', () => {
  const base = {
    BANK_API_CLIENT_KEY: 'client-key',
    BANK_PRIVATE_KEY_PEM: generateKeyPairSync('ec', { namedCurve: 'secp521r1' })
      .privateKey.export({ type: 'pkcs8', format: 'pem' })
      .toString(),
    ESIGN_APP_ID: 'app',
    ESIGN_APP_SECRET: 'esign-secret-value',
    PHONE_TOKEN: 'phone-token-value',
    KYC_PAYLOAD_KEYS: `unit:${Buffer.alloc(32, 7).toString('base64')}`,
  };
  const problemsOf = (env: Record<string, string>): string[] => {
    try {
      loadConfig({ ...base, ...env });
    } catch (error) {
      if (error instanceof ConfigError) return error.problems;
      throw error;
    }
    return [];
  };

  it('needs nothing: no default destination, one-day retry window', () => {
    const { notifications } = loadConfig(base);
    expect(notifications.defaultUrl).toBeUndefined();
    expect(notifications.secrets.size).toBe(0);
    expect(notifications.retry).toEqual({
      initialIntervalMs: 5_000,
      maximumIntervalMs: 3_600_000,
      windowMs: 86_400_000,
    });
  });

  it('reads secrets per origin, several per origin during a rotation', () => {
    const [a, b, c] = [newSecret(), newSecret(), newSecret()];
    const { notifications } = loadConfig({
      ...base,
      KYC_NOTIFY_URL: 'http://127.0.0.1:9000/hook',
      KYC_NOTIFY_SECRETS: `http://127.0.0.1:9000/any/path=${a} ${b}, https://hooks.example.com=${c}`,
    });
    expect(notifications.defaultUrl).toBe('http://127.0.0.1:9000/hook');
    expect(notifications.secrets.get('http://127.0.0.1:9000')).toEqual([a, b]);
    expect(notifications.secrets.get('https://hooks.example.com')).toEqual([c]);
  });

  it('refuses bad settings, naming the variable and never echoing a secret', () => {
    const short = `whsec_${randomBytes(8).toString('base64')}`;
    const problems = problemsOf({
      KYC_NOTIFY_URL: 'http://hooks.example.com/kyc',
      KYC_NOTIFY_SECRETS: `not-a-url=${newSecret()},http://127.0.0.1:1=${short},http://127.0.0.1:2=plain`,
      KYC_NOTIFY_INITIAL_INTERVAL_MS: '1000',
      KYC_NOTIFY_MAX_INTERVAL_MS: '10',
    });
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^KYC_NOTIFY_URL: must be an absolute https URL/),
        'KYC_NOTIFY_SECRETS: entry 1 must be <http(s) origin>=whsec_… [whsec_…]',
        'KYC_NOTIFY_SECRETS: the secrets of http://127.0.0.1:1 must be whsec_ followed by 24-64 bytes in base64',
        'KYC_NOTIFY_SECRETS: the secrets of http://127.0.0.1:2 must be whsec_ followed by 24-64 bytes in base64',
      ]),
    );
    expect(problems.join('\n')).not.toContain(short);
  });

  it('refuses a default destination it could not sign for, or a remote one while remote calls are off', () => {
    expect(problemsOf({ KYC_NOTIFY_URL: 'http://127.0.0.1:9000/hook' })).toEqual([
      'KYC_NOTIFY_URL: has no signing secret: add http://127.0.0.1:9000=whsec_… to KYC_NOTIFY_SECRETS',
    ]);
    const remote = {
      KYC_NOTIFY_URL: 'https://hooks.example.com/kyc',
      KYC_NOTIFY_SECRETS: `https://hooks.example.com=${newSecret()}`,
    };
    expect(problemsOf(remote)).toEqual([
      'KYC_NOTIFY_URL: is not a loopback address; set KYC_ALLOW_REMOTE_PROVIDERS=true to notify a remote receiver',
    ]);
  });
});

describe('signing and verifyNotification', () => {
  const secret = newSecret();

  it('accepts what the worker signs, with Node or fetch headers, and returns the event', () => {
    const headers = signNotification([secret], event.id, body);
    expect(headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/]+=*$/);
    expect(verifyNotification(headers, body, secret)).toEqual(event);
    expect(verifyNotification(new Headers({ ...headers }), Buffer.from(body), [secret])).toEqual(event);
    expect(
      verifyNotification(
        {
          'Webhook-Id': headers['webhook-id'],
          'WEBHOOK-TIMESTAMP': headers['webhook-timestamp'],
          'webhook-signature': [headers['webhook-signature']],
        },
        body,
        secret,
      ),
    ).toEqual(event);
  });

  it('accepts a request during a rotation whichever of the two secrets the receiver has', () => {
    const retiring = newSecret();
    const headers = signNotification([secret, retiring], event.id, body);
    expect(headers['webhook-signature'].split(' ')).toHaveLength(2);
    expect(verifyNotification(headers, body, retiring)).toEqual(event);
    expect(verifyNotification(headers, body, [newSecret(), secret])).toEqual(event);
  });

  it.each<[string, () => [Record<string, string>, string, string[]]]>([
    ['a wrong secret', () => [signNotification([newSecret()], event.id, body), body, [secret]]],
    [
      'an altered body',
      () => [signNotification([secret], event.id, body), body.replace('APPROVED', 'REJECTED'), [secret]],
    ],
    [
      'another event id',
      () => [{ ...signNotification([secret], event.id, body), 'webhook-id': 'msg_other' }, body, [secret]],
    ],
    [
      'a timestamp 10 minutes old',
      () => [signNotification([secret], event.id, body, new Date(Date.now() - 600_000)), body, [secret]],
    ],
    [
      'a timestamp 10 minutes ahead',
      () => [signNotification([secret], event.id, body, new Date(Date.now() + 600_000)), body, [secret]],
    ],
    [
      'no signature header',
      () => [{ 'webhook-id': event.id, 'webhook-timestamp': String(Math.floor(Date.now() / 1000)) }, body, [secret]],
    ],
  ])('refuses %s', (_name, make) => {
    const [headers, rawBody, secrets] = make();
    expect(() => verifyNotification(headers, rawBody, secrets)).toThrow(NotificationVerificationError);
  });

  it('says why: stale timestamp, no matching signature', () => {
    const stale = signNotification([secret], event.id, body, new Date(Date.now() - 600_000));
    expect(() => verifyNotification(stale, body, secret)).toThrow('notification refused: Message timestamp too old');
    const forged = signNotification([newSecret()], event.id, body);
    expect(() => verifyNotification(forged, body, [secret, newSecret()])).toThrow(
      'notification refused: No matching signature found',
    );
  });

  it('never signs without a secret', () => {
    expect(() => signNotification([], event.id, body)).toThrow('never sent unsigned');
  });
});

describe('receiver answers', () => {
  it.each([
    [200, 'delivered'],
    [204, 'delivered'],
    [299, 'delivered'],
    [410, 'gone'],
    [400, 'rejected'],
    [401, 'rejected'],
    [404, 'rejected'],
    [408, 'retry'],
    [429, 'retry'],
    [500, 'retry'],
    [503, 'retry'],
  ])('HTTP %i: %s', (status, kind) => {
    expect(classifyStatus(status)).toBe(kind);
  });
});
