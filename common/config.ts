/**
 * The one configuration of the worker, the client and the scripts, read from the environment
 * and validated with zod. Every problem is reported at once, one variable per line, and no
 * secret value is ever echoed back.
 */
import { createPrivateKey, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { isLoopbackHost, notifyUrlProblem } from '../contracts/notification-core';
import { withoutEmptyValues } from './environment';
import type { PayloadEncryptionConfig } from './payload-codec';
import { readTemporalProfile, type TemporalConnectionSecurity } from './temporal-connection';

/** The address printed in the phone gateway's original page: a private host we must never call. */
const FORBIDDEN_HOSTS = new Set(['172.20.109.105']);

export function isLoopbackUrl(url: string): boolean {
  return isLoopbackHost(new URL(url).hostname);
}

const booleanFlag = z
  .enum(['true', 'false', '1', '0', ''])
  .default('false')
  .transform((value) => value === 'true' || value === '1');

const positiveInt = (fallback: number) => z.coerce.number().int().positive().default(fallback);

function hostnameOf(url: string): string {
  try {
    return new URL(url).hostname;
  } catch {
    return '';
  }
}

const baseUrl = (fallback: string) =>
  z
    .url({ protocol: /^https?$/, message: 'must be an absolute http(s) URL' })
    .default(fallback)
    .refine((url) => !FORBIDDEN_HOSTS.has(hostnameOf(url)), {
      message: 'points at the private address from the provider page, which must never be called',
    })
    .transform((url) => url.replace(/\/+$/, ''));

const secret = z.string({ error: 'is required' }).min(1, { message: 'is required' });

/**
 * A secret sent as an HTTP header value: visible ASCII, no surrounding space. Anything else makes
 * fetch throw on every call, which would look like a provider outage instead of a bad setting.
 */
const headerSecret = secret.regex(/^[\x21-\x7e](?:[\x20-\x7e]*[\x21-\x7e])?$/, {
  message: 'must be printable ASCII without surrounding spaces or line breaks (it is sent as an HTTP header)',
});

const headerName = z
  .string()
  .regex(/^[\w-]+$/, { message: 'must be an HTTP header name' })
  .optional();

const DAY_MS = 24 * 60 * 60 * 1000;
/** The longest delay Node's timers take (2^31 - 1 ms, about 24.8 days); a longer one fires at once. */
const MAX_TIMER_MS = 2_147_483_647;

/**
 * A duration variable whose name ends in `_MS`: a whole number of milliseconds, as the name says.
 * `30s` or `1.5` is refused with the unit spelled out rather than zod's "expected number, received
 * NaN". (Variables without the unit in their name take `30s`-style durations: common/durations.ts.)
 */
const milliseconds = (fallback: number, bounds: { min: number; max: number }) =>
  z
    .string()
    .optional()
    .transform((text, context) => {
      if (text === undefined) return fallback;
      const value = /^\s*\d+\s*$/.test(text) ? Number(text) : undefined;
      if (value === undefined) {
        context.addIssue({
          code: 'custom',
          message: `must be a whole number of milliseconds (the name ends in _MS), e.g. ${fallback} (got "${text}")`,
        });
        return z.NEVER;
      }
      if (value < bounds.min || value > bounds.max) {
        context.addIssue({
          code: 'custom',
          message: `must be between ${bounds.min} and ${bounds.max} milliseconds (got ${value})`,
        });
        return z.NEVER;
      }
      return value;
    });

/** See KYC_MAX_CACHED_WORKFLOWS; measured in docs/performance.md. */
export const DEFAULT_MAX_CACHED_WORKFLOWS = 250;

/** Environment variables, as named in the README and `.env.example`. */
const environmentSchema = z.object({
  TEMPORAL_ADDRESS: z.string().min(1).default('127.0.0.1:7233'),
  TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
  KYC_TASK_QUEUE: z.string().min(1).default('kyc'),
  KYC_ALLOW_REMOTE_PROVIDERS: booleanFlag,
  KYC_LOG_LEVEL: z.enum(['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR']).default('INFO'),
  /** Whole-exchange timeout of one provider HTTP call (headers and body). */
  PROVIDER_TIMEOUT_MS: milliseconds(10_000, { min: 1, max: MAX_TIMER_MS }),
  /** Largest provider answer body read, success or error; past it the call fails (providers/http.ts). */
  PROVIDER_MAX_BODY_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .max(64 * 1024 * 1024)
    .default(1024 * 1024),
  /** Longest Retry-After wait honoured; longer hints are cut to it (the retry policy does not cap them). */
  PROVIDER_MAX_RETRY_AFTER_MS: milliseconds(60_000, { min: 0, max: 60 * 60 * 1000 }),
  /**
   * Workflows the worker keeps in memory between tasks (the SDK's `maxCachedWorkflows`). Each
   * costs memory while cached; an evicted one is replayed from history when its next task comes.
   * The default keeps the worker under 500 MiB however many approvals wait (docs/performance.md).
   */
  KYC_MAX_CACHED_WORKFLOWS: z.coerce.number().int().min(0).max(100_000).default(DEFAULT_MAX_CACHED_WORKFLOWS),

  BANK_BASE_URL: baseUrl('http://127.0.0.1:7301'),
  BANK_API_CLIENT_KEY: headerSecret,
  /** PEM text of the ES512 (P-521) private key; or BANK_PRIVATE_KEY_FILE. */
  BANK_PRIVATE_KEY_PEM: z.string().optional(),

  ESIGN_BASE_URL: baseUrl('http://127.0.0.1:7302'),
  ESIGN_APP_ID: headerSecret,
  ESIGN_APP_SECRET: secret,
  ESIGN_AUTH_MODE: z.enum(['signature', 'token']).default('signature'),
  /** Where the platform should call back when a flow ends (the worker's callback receiver, as the platform reaches it). */
  ESIGN_NOTIFY_URL: z.url({ message: 'must be an absolute URL' }).optional(),
  /**
   * `worker` (default): every worker process also runs a callback receiver; `off`: it does not, the
   * receiver runs as its own service (`npm run callback-receiver`, lib/worker/callback-main.js).
   */
  CALLBACK_RECEIVER: z.enum(['worker', 'off'], { message: 'must be worker or off' }).default('worker'),
  CALLBACK_LISTEN_HOST: z.string().min(1).default('127.0.0.1'),
  CALLBACK_LISTEN_PORT: z.coerce.number().int().min(0).max(65535).default(7310),
  CALLBACK_MAX_BODY_BYTES: positiveInt(64 * 1024),
  CALLBACK_TIMESTAMP_TOLERANCE_MS: milliseconds(15 * 60 * 1000, { min: 1, max: MAX_TIMER_MS }),
  /** Callback header names, when the platform's differ from the defaults in providers/esign/callback-signature.ts. */
  CALLBACK_SIGNATURE_HEADER: headerName,
  CALLBACK_TIMESTAMP_HEADER: headerName,

  PHONE_BASE_URL: baseUrl('http://127.0.0.1:7303'),
  PHONE_TOKEN: headerSecret,
  /**
   * The gateway account's limit, calls per second. Bounded so that the send slots' spacing,
   * `(1000 + PHONE_RATE_JITTER_MS) / rate`, stays within what the slot ledger accepts (1 ms to 60 s,
   * contracts/phone-gateway-slots.ts): outside it every slot request would be refused and every
   * check would retry without ever calling.
   */
  PHONE_RATE_PER_SECOND: z.coerce
    .number({ message: 'must be a number (calls per second)' })
    .min(0.05, { message: 'must be at least 0.05 calls per second (send slots at most 60 s apart)' })
    .max(1000, { message: 'must be at most 1000 calls per second (send slots at least 1 ms apart)' })
    .default(20),
  /** How late (ms) a gateway call may leave after its send slot; slots are spaced (1000 + this) / rate. */
  PHONE_RATE_JITTER_MS: milliseconds(50, { min: 0, max: 1000 }),

  /** Payload encryption keys, `keyId:base64key,...` (32-byte AES keys); or KYC_PAYLOAD_KEYS_FILE. */
  KYC_PAYLOAD_KEYS: z.string().optional(),
  /** Which of those keys encrypts new payloads (default: the first). */
  KYC_PAYLOAD_ACTIVE_KEY: z.string().optional(),
  /** `off` switches encryption off explicitly (tests only); `on` (default) needs keys. Checked with the keys. */
  KYC_PAYLOAD_ENCRYPTION: z.string().optional(),
  /** Lookup keys of the person hashes (`keyId:base64key,...`, client side only); or KYC_LOOKUP_KEYS_FILE. */
  KYC_LOOKUP_KEYS: z.string().optional(),

  /** Completion notifications (docs/notifications.md): where flows started without a `notifyUrl` notify. */
  KYC_NOTIFY_URL: z
    .string()
    .optional()
    .superRefine((value, context) => {
      const problem = value === undefined || value === '' ? undefined : notifyUrlProblem(value);
      if (problem) context.addIssue({ code: 'custom', message: problem });
    }),
  /** Signing secrets per receiver origin: `<origin>=whsec_… [whsec_…],<origin>=…` (checked by parseNotifySecrets). */
  KYC_NOTIFY_SECRETS: z.string().optional(),
  /** Whole-exchange timeout of one delivery attempt. */
  KYC_NOTIFY_TIMEOUT_MS: milliseconds(10_000, { min: 100, max: 120_000 }),
  /** First retry interval of a failed delivery; each next one doubles, up to KYC_NOTIFY_MAX_INTERVAL_MS. */
  KYC_NOTIFY_INITIAL_INTERVAL_MS: milliseconds(5_000, { min: 10, max: DAY_MS }),
  KYC_NOTIFY_MAX_INTERVAL_MS: milliseconds(60 * 60 * 1000, { min: 10, max: DAY_MS }),
  /** Retries stop this long after the first attempt: the delivery is then FAILED. */
  KYC_NOTIFY_RETRY_WINDOW_MS: milliseconds(DAY_MS, { min: 100, max: 30 * DAY_MS }),
});

export type Environment = z.input<typeof environmentSchema>;

export interface TemporalConfig {
  address: string;
  namespace: string;
  taskQueue: string;
  /**
   * TLS / mTLS, API key and gRPC metadata from the Temporal profile or TEMPORAL_API_KEY /
   * TEMPORAL_TLS_* (common/temporal-connection.ts); absent for a plain connection. Connect with
   * `temporalConnectionOptions(config)`.
   */
  security?: TemporalConnectionSecurity;
  /** The codec server, for the `temporal` commands printed in each run's details (TEMPORAL_CODEC_ENDPOINT). */
  codecEndpoint?: string;
}

/** The HTTP limits every provider call shares (providers/http.ts); both optional fields default there. */
export interface ProviderHttpConfig {
  /** PROVIDER_TIMEOUT_MS. */
  timeoutMs: number;
  /** PROVIDER_MAX_BODY_BYTES. */
  maxBodyBytes?: number;
  /** PROVIDER_MAX_RETRY_AFTER_MS. */
  maxRetryAfterMs?: number;
}

export interface WorkerTuningConfig {
  /** The worker's workflow cache size (`maxCachedWorkflows`). */
  maxCachedWorkflows: number;
}

export interface BankConfig extends ProviderHttpConfig {
  baseUrl: string;
  apiClientKey: string;
  /** PEM of the P-521 private key, SEC1 or PKCS#8 (checked by `parseBankPrivateKey`). */
  privateKeyPem: string;
}

export interface EsignConfig extends ProviderHttpConfig {
  baseUrl: string;
  appId: string;
  appSecret: string;
  authMode: 'signature' | 'token';
  notifyUrl?: string;
}

export interface CallbackReceiverConfig {
  /** CALLBACK_RECEIVER=worker: the worker process runs one (its own service otherwise). */
  runInWorker: boolean;
  host: string;
  port: number;
  maxBodyBytes: number;
  timestampToleranceMs: number;
  appSecret: string;
  /** Header names of the callback signature and timestamp; defaults in providers/esign/callback-signature.ts. */
  signatureHeader?: string;
  timestampHeader?: string;
}

export interface PhoneConfig extends ProviderHttpConfig {
  baseUrl: string;
  token: string;
  ratePerSecond: number;
  /** PHONE_RATE_JITTER_MS: see activities/phone-gateway-slots.ts. */
  rateJitterMs: number;
}

/** Completion notifications (docs/notifications.md). */
export interface NotificationConfig {
  /** KYC_NOTIFY_URL: for flows started without a `notifyUrl`; none: such flows send nothing. */
  defaultUrl?: string;
  /** KYC_NOTIFY_SECRETS: the signing secrets (`whsec_…`) of each receiver origin; all of them sign (rotation). */
  secrets: ReadonlyMap<string, readonly string[]>;
  /** KYC_ALLOW_REMOTE_PROVIDERS: false allows loopback receivers only. */
  allowRemote: boolean;
  /** KYC_NOTIFY_TIMEOUT_MS. */
  timeoutMs: number;
  retry: { initialIntervalMs: number; maximumIntervalMs: number; windowMs: number };
}

export interface Config {
  temporal: TemporalConfig;
  worker: WorkerTuningConfig;
  logLevel: 'TRACE' | 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';
  bank: BankConfig;
  esign: EsignConfig;
  callbacks: CallbackReceiverConfig;
  phone: PhoneConfig;
  notifications: NotificationConfig;
  /** Absent only when KYC_PAYLOAD_ENCRYPTION=off (tests): payloads are then stored in plain text. */
  payloadEncryption?: PayloadEncryptionConfig;
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`);
  }
}

/**
 * Reads the bank's signing key: an unencrypted PEM private key, SEC1 (`-----BEGIN EC PRIVATE
 * KEY-----`, as `openssl ecparam -name secp521r1 -genkey -noout` and `ssh-keygen -t ecdsa -b 521
 * -m PEM` write it) or PKCS#8 (`-----BEGIN PRIVATE KEY-----`), on curve P-521 (secp521r1), the
 * only curve ES512 allows (RFC 7518 §3.4). Throws `ConfigError` naming BANK_PRIVATE_KEY_PEM and
 * what is wrong (never the key material).
 */
export function parseBankPrivateKey(pem: string): KeyObject {
  const problem = (why: string) => new ConfigError([`BANK_PRIVATE_KEY_PEM: ${why}`]);
  let key: KeyObject;
  try {
    key = createPrivateKey({ key: pem, format: 'pem' });
  } catch (error) {
    const encrypted = /ENCRYPTED/.test(pem) || (error as { code?: unknown }).code === 'ERR_MISSING_PASSPHRASE';
    throw problem(
      encrypted
        ? 'is an encrypted private key; give the unencrypted PEM (keep it in a secret store instead)'
        : 'is not a readable PEM private key (SEC1 "EC PRIVATE KEY" or PKCS#8 "PRIVATE KEY")',
    );
  }
  if (key.asymmetricKeyType !== 'ec') {
    throw problem(`is a ${key.asymmetricKeyType ?? 'unknown'} key; ES512 needs an EC key on P-521 (secp521r1)`);
  }
  const curve = key.asymmetricKeyDetails?.namedCurve;
  if (curve !== 'secp521r1') {
    throw problem(`is an EC key on ${curve ?? 'an unknown curve'}; ES512 needs P-521 (secp521r1)`);
  }
  return key;
}

/** Only the Temporal connection: what the client needs, without any provider secret. */
export function loadTemporalConfig(processEnv: NodeJS.ProcessEnv = process.env): TemporalConfig {
  const env = withoutEmptyValues(processEnv);
  const schema = environmentSchema
    .pick({ TEMPORAL_ADDRESS: true, TEMPORAL_NAMESPACE: true, KYC_TASK_QUEUE: true })
    .extend({ TEMPORAL_CODEC_ENDPOINT: z.url({ message: 'must be an absolute URL' }).optional() });
  const profile = withTemporalProfile(env);
  const result = schema.safeParse({
    ...profile.env,
    TEMPORAL_CODEC_ENDPOINT: env.TEMPORAL_CODEC_ENDPOINT,
  });
  const problems = [...profile.problems];
  if (!result.success) problems.push(...result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`));
  if (!result.success || problems.length) throw new ConfigError(problems);
  return {
    address: result.data.TEMPORAL_ADDRESS,
    namespace: result.data.TEMPORAL_NAMESPACE,
    taskQueue: result.data.KYC_TASK_QUEUE,
    ...(profile.security ? { security: profile.security } : {}),
    ...(result.data.TEMPORAL_CODEC_ENDPOINT ? { codecEndpoint: result.data.TEMPORAL_CODEC_ENDPOINT } : {}),
  };
}

/**
 * The Temporal profile applied to `env` (common/temporal-connection.ts): TEMPORAL_ADDRESS and
 * TEMPORAL_NAMESPACE filled from it where unset (the environment wins), its security, its problems.
 */
function withTemporalProfile(env: NodeJS.ProcessEnv): {
  env: NodeJS.ProcessEnv;
  security?: TemporalConnectionSecurity;
  problems: string[];
} {
  const { settings, problems } = readTemporalProfile(env);
  const resolved: NodeJS.ProcessEnv = { ...env };
  if (resolved.TEMPORAL_ADDRESS === undefined && settings.address) resolved.TEMPORAL_ADDRESS = settings.address;
  if (resolved.TEMPORAL_NAMESPACE === undefined && settings.namespace) resolved.TEMPORAL_NAMESPACE = settings.namespace;
  return { env: resolved, ...(settings.security ? { security: settings.security } : {}), problems };
}

/** Secrets that may instead be given as a file path in `<NAME>_FILE` (Docker and Kubernetes secrets). */
const SECRET_FILE_VARIABLES: Record<string, string> = {
  BANK_API_CLIENT_KEY: 'BANK_API_CLIENT_KEY_FILE',
  BANK_PRIVATE_KEY_PEM: 'BANK_PRIVATE_KEY_FILE',
  ESIGN_APP_ID: 'ESIGN_APP_ID_FILE',
  ESIGN_APP_SECRET: 'ESIGN_APP_SECRET_FILE',
  PHONE_TOKEN: 'PHONE_TOKEN_FILE',
  KYC_PAYLOAD_KEYS: 'KYC_PAYLOAD_KEYS_FILE',
  KYC_LOOKUP_KEYS: 'KYC_LOOKUP_KEYS_FILE',
  KYC_NOTIFY_SECRETS: 'KYC_NOTIFY_SECRETS_FILE',
};

function readSecretFiles(env: NodeJS.ProcessEnv, problems: string[]): NodeJS.ProcessEnv {
  const resolved: NodeJS.ProcessEnv = { ...env };
  for (const [name, fileVariable] of Object.entries(SECRET_FILE_VARIABLES)) {
    const file = env[fileVariable];
    if (env[name] || !file) continue;
    try {
      resolved[name] = readFileSync(file, 'utf8').trim();
    } catch {
      problems.push(`${fileVariable}: cannot read ${file}`);
    }
  }
  return resolved;
}

/**
 * Where `npm run demo` keeps its payload key, relative to its checkout (the demo's `--data-dir`,
 * `.data` by default); the `kyc` CLI reads it from there when no key is given.
 */
export const DEMO_PAYLOAD_KEYS_FILE = '.data/payload-keys';

/**
 * The one refusal when no payload key is configured: encryption fails closed, so personal data is
 * never sent to or stored by Temporal in plain text because a variable was forgotten.
 */
export const MISSING_PAYLOAD_KEYS =
  'KYC_PAYLOAD_KEYS: is not set, and personal data is never sent or stored unencrypted. ' +
  "Set KYC_PAYLOAD_KEYS (or KYC_PAYLOAD_KEYS_FILE) to the worker's keys; " +
  `the demo keeps its key in ${DEMO_PAYLOAD_KEYS_FILE} of its checkout (KYC_PAYLOAD_KEYS_FILE=${DEMO_PAYLOAD_KEYS_FILE}). ` +
  'For tests only, KYC_PAYLOAD_ENCRYPTION=off stores payloads in plain text.';

const PAYLOAD_KEY_ID = /^[\w.-]+$/;
const PAYLOAD_KEY_BYTES = 32;

/** The entries of a comma-separated `keyId:base64key` list, trimmed, empty ones dropped. */
function splitKeyList(text: string | undefined): string[] {
  return (text ?? '')
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean);
}

/**
 * Parses `keyId:base64key` entries (payload keys, lookup keys): one problem per bad entry, named
 * by `variable` and the key id only (never the key), and one per repeated id. Keys are returned
 * in the order given, repeats included.
 */
function parseKeyEntries(
  variable: string,
  entries: readonly string[],
  size: { exactBytes: number } | { minBytes: number },
  problems: string[],
): Array<{ id: string; key: Uint8Array }> {
  const keys: Array<{ id: string; key: Uint8Array }> = [];
  entries.forEach((entry, index) => {
    const separator = entry.indexOf(':');
    const id = separator > 0 ? entry.slice(0, separator) : '';
    if (!PAYLOAD_KEY_ID.test(id)) {
      problems.push(`${variable}: entry ${index + 1} must be keyId:base64key (id of letters, digits, . _ -)`);
      return;
    }
    const encoded = entry.slice(separator + 1);
    const key = Buffer.from(encoded, 'base64');
    const sizeOk = 'exactBytes' in size ? key.length === size.exactBytes : key.length >= size.minBytes;
    if (!/^[A-Za-z0-9+/_-]+={0,2}$/.test(encoded) || !sizeOk) {
      const bytes = 'exactBytes' in size ? `${size.exactBytes}` : `at least ${size.minBytes}`;
      problems.push(`${variable}: key "${id}" must be ${bytes} bytes, base64-encoded`);
      return;
    }
    if (keys.some((known) => known.id === id)) problems.push(`${variable}: key id "${id}" appears twice`);
    keys.push({ id, key: new Uint8Array(key) });
  });
  return keys;
}

/**
 * Parses `keyId:base64key,...`. Problems name the variable and the key id, never key material.
 */
function parsePayloadKeys(
  keysText: string | undefined,
  activeKeyId: string | undefined,
  encryption: string | undefined,
  problems: string[],
): PayloadEncryptionConfig | undefined {
  const entries = splitKeyList(keysText);
  if (encryption !== undefined && encryption !== 'on' && encryption !== 'off') {
    problems.push('KYC_PAYLOAD_ENCRYPTION: must be on or off');
    return undefined;
  }
  if (encryption === 'off') {
    // Both set is a mistake either way: keys that are silently ignored, or a switch left over.
    if (entries.length) problems.push('KYC_PAYLOAD_ENCRYPTION: is off but KYC_PAYLOAD_KEYS is set; unset one of them');
    return undefined;
  }
  if (!entries.length) {
    if (activeKeyId) problems.push('KYC_PAYLOAD_ACTIVE_KEY: is set but KYC_PAYLOAD_KEYS has no keys');
    problems.push(MISSING_PAYLOAD_KEYS);
    return undefined;
  }
  const keys = new Map<string, Uint8Array>();
  for (const { id, key } of parseKeyEntries('KYC_PAYLOAD_KEYS', entries, { exactBytes: PAYLOAD_KEY_BYTES }, problems)) {
    keys.set(id, key);
  }
  const active = activeKeyId || keys.keys().next().value;
  if (activeKeyId && !keys.has(activeKeyId)) {
    problems.push(`KYC_PAYLOAD_ACTIVE_KEY: "${activeKeyId}" is not one of the key ids in KYC_PAYLOAD_KEYS`);
  }
  if (!active || !keys.has(active)) return undefined;
  return { keys, activeKeyId: active };
}

/**
 * Only the payload encryption keys: what a client needs to read and write encrypted payloads,
 * without any provider secret. Fails closed: throws `ConfigError` (naming KYC_PAYLOAD_KEYS and
 * the demo's key file) when no key is configured, unless KYC_PAYLOAD_ENCRYPTION=off, the one
 * case that returns `undefined` (plain payloads, for tests only).
 */
export function loadPayloadEncryptionConfig(
  processEnv: NodeJS.ProcessEnv = process.env,
): PayloadEncryptionConfig | undefined {
  const env = withoutEmptyValues(processEnv);
  const problems: string[] = [];
  const resolved = readSecretFiles(
    { KYC_PAYLOAD_KEYS: env.KYC_PAYLOAD_KEYS, KYC_PAYLOAD_KEYS_FILE: env.KYC_PAYLOAD_KEYS_FILE },
    problems,
  );
  const encryption = parsePayloadKeys(
    resolved.KYC_PAYLOAD_KEYS,
    env.KYC_PAYLOAD_ACTIVE_KEY,
    env.KYC_PAYLOAD_ENCRYPTION || undefined,
    problems.length ? [] : problems, // an unreadable key file is the problem to report, not "no key"
  );
  if (problems.length) throw new ConfigError(problems);
  return encryption;
}

export function loadConfig(processEnv: NodeJS.ProcessEnv = process.env): Config {
  const env = withoutEmptyValues(processEnv);
  const profile = withTemporalProfile(env);
  const problems: string[] = [...profile.problems];
  const resolvedEnv = readSecretFiles(profile.env, problems);
  const result = environmentSchema.safeParse(resolvedEnv);
  if (!result.success) problems.push(...result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`));

  const privateKeyPem = resolvedEnv.BANK_PRIVATE_KEY_PEM;
  if (!privateKeyPem) {
    problems.push('BANK_PRIVATE_KEY_PEM: is required (or set BANK_PRIVATE_KEY_FILE to a PEM file)');
  } else {
    try {
      parseBankPrivateKey(privateKeyPem);
    } catch (error) {
      problems.push(...(error as ConfigError).problems);
    }
  }
  // Checked even when other variables are bad, so every problem is reported at once.
  const keysUnreadable = problems.some((problem) => problem.startsWith('KYC_PAYLOAD_KEYS_FILE:'));
  const payloadEncryption = parsePayloadKeys(
    resolvedEnv.KYC_PAYLOAD_KEYS,
    resolvedEnv.KYC_PAYLOAD_ACTIVE_KEY,
    resolvedEnv.KYC_PAYLOAD_ENCRYPTION || undefined,
    keysUnreadable ? [] : problems,
  );
  const notifySecrets = parseNotifySecrets(resolvedEnv.KYC_NOTIFY_SECRETS, problems);
  if (!result.success || !privateKeyPem) throw new ConfigError(problems);
  const e = result.data;
  if (!e.KYC_ALLOW_REMOTE_PROVIDERS) {
    for (const name of ['BANK_BASE_URL', 'ESIGN_BASE_URL', 'PHONE_BASE_URL'] as const) {
      if (!isLoopbackUrl(e[name])) {
        problems.push(
          `${name}: is not a loopback address; set KYC_ALLOW_REMOTE_PROVIDERS=true to call a real provider`,
        );
      }
    }
  }
  const defaultNotifyUrl = e.KYC_NOTIFY_URL || undefined;
  if (defaultNotifyUrl) {
    const refusal = notifyDestinationProblem(defaultNotifyUrl, {
      allowRemote: e.KYC_ALLOW_REMOTE_PROVIDERS,
      secrets: notifySecrets,
    });
    if (refusal) problems.push(`KYC_NOTIFY_URL: ${refusal}`);
  }
  if (e.KYC_NOTIFY_MAX_INTERVAL_MS < e.KYC_NOTIFY_INITIAL_INTERVAL_MS) {
    problems.push('KYC_NOTIFY_MAX_INTERVAL_MS: must not be smaller than KYC_NOTIFY_INITIAL_INTERVAL_MS');
  }
  if (problems.length) throw new ConfigError(problems);
  const providerHttp = {
    timeoutMs: e.PROVIDER_TIMEOUT_MS,
    maxBodyBytes: e.PROVIDER_MAX_BODY_BYTES,
    maxRetryAfterMs: e.PROVIDER_MAX_RETRY_AFTER_MS,
  };

  return {
    temporal: {
      address: e.TEMPORAL_ADDRESS,
      namespace: e.TEMPORAL_NAMESPACE,
      taskQueue: e.KYC_TASK_QUEUE,
      ...(profile.security ? { security: profile.security } : {}),
    },
    worker: { maxCachedWorkflows: e.KYC_MAX_CACHED_WORKFLOWS },
    logLevel: e.KYC_LOG_LEVEL,
    bank: {
      baseUrl: e.BANK_BASE_URL,
      apiClientKey: e.BANK_API_CLIENT_KEY,
      privateKeyPem,
      ...providerHttp,
    },
    esign: {
      baseUrl: e.ESIGN_BASE_URL,
      appId: e.ESIGN_APP_ID,
      appSecret: e.ESIGN_APP_SECRET,
      authMode: e.ESIGN_AUTH_MODE,
      notifyUrl: e.ESIGN_NOTIFY_URL,
      ...providerHttp,
    },
    callbacks: callbackReceiverConfig(e),
    phone: {
      baseUrl: e.PHONE_BASE_URL,
      token: e.PHONE_TOKEN,
      ...providerHttp,
      ratePerSecond: e.PHONE_RATE_PER_SECOND,
      rateJitterMs: e.PHONE_RATE_JITTER_MS,
    },
    notifications: {
      ...(defaultNotifyUrl ? { defaultUrl: defaultNotifyUrl } : {}),
      secrets: notifySecrets,
      allowRemote: e.KYC_ALLOW_REMOTE_PROVIDERS,
      timeoutMs: e.KYC_NOTIFY_TIMEOUT_MS,
      retry: {
        initialIntervalMs: e.KYC_NOTIFY_INITIAL_INTERVAL_MS,
        maximumIntervalMs: e.KYC_NOTIFY_MAX_INTERVAL_MS,
        windowMs: e.KYC_NOTIFY_RETRY_WINDOW_MS,
      },
    },
    payloadEncryption,
  };
}

type ParsedEnvironment = z.output<typeof environmentSchema>;

function callbackReceiverConfig(
  e: Pick<
    ParsedEnvironment,
    | 'CALLBACK_RECEIVER'
    | 'CALLBACK_LISTEN_HOST'
    | 'CALLBACK_LISTEN_PORT'
    | 'CALLBACK_MAX_BODY_BYTES'
    | 'CALLBACK_TIMESTAMP_TOLERANCE_MS'
    | 'ESIGN_APP_SECRET'
    | 'CALLBACK_SIGNATURE_HEADER'
    | 'CALLBACK_TIMESTAMP_HEADER'
  >,
): CallbackReceiverConfig {
  return {
    runInWorker: e.CALLBACK_RECEIVER === 'worker',
    host: e.CALLBACK_LISTEN_HOST,
    port: e.CALLBACK_LISTEN_PORT,
    maxBodyBytes: e.CALLBACK_MAX_BODY_BYTES,
    timestampToleranceMs: e.CALLBACK_TIMESTAMP_TOLERANCE_MS,
    appSecret: e.ESIGN_APP_SECRET,
    signatureHeader: e.CALLBACK_SIGNATURE_HEADER,
    timestampHeader: e.CALLBACK_TIMESTAMP_HEADER,
  };
}

/** What the callback receiver needs when it runs as its own service (worker/callback-main.ts). */
export interface CallbackServiceConfig {
  temporal: TemporalConfig;
  callbacks: CallbackReceiverConfig;
  logLevel: Config['logLevel'];
  /** Absent only when KYC_PAYLOAD_ENCRYPTION=off (tests): the signals it sends must be encrypted like the worker's. */
  payloadEncryption?: PayloadEncryptionConfig;
}

/**
 * The standalone callback receiver's configuration: the Temporal connection (profile and
 * TEMPORAL_* as for the worker), the e-signature app secret that signs callbacks
 * (ESIGN_APP_SECRET or _FILE), the CALLBACK_* settings and the payload keys. No bank or phone
 * secret is read. Throws `ConfigError` listing every problem.
 */
export function loadCallbackServiceConfig(processEnv: NodeJS.ProcessEnv = process.env): CallbackServiceConfig {
  const env = withoutEmptyValues(processEnv);
  const profile = withTemporalProfile(env);
  const problems: string[] = [...profile.problems];
  const resolvedEnv = readSecretFiles(
    Object.fromEntries(
      Object.entries(profile.env).filter(([name]) => !/^(BANK|PHONE)_/.test(name) && name !== 'ESIGN_APP_ID_FILE'),
    ),
    problems,
  );
  const schema = environmentSchema.pick({
    TEMPORAL_ADDRESS: true,
    TEMPORAL_NAMESPACE: true,
    KYC_TASK_QUEUE: true,
    KYC_LOG_LEVEL: true,
    ESIGN_APP_SECRET: true,
    CALLBACK_RECEIVER: true,
    CALLBACK_LISTEN_HOST: true,
    CALLBACK_LISTEN_PORT: true,
    CALLBACK_MAX_BODY_BYTES: true,
    CALLBACK_TIMESTAMP_TOLERANCE_MS: true,
    CALLBACK_SIGNATURE_HEADER: true,
    CALLBACK_TIMESTAMP_HEADER: true,
  });
  const result = schema.safeParse(resolvedEnv);
  if (!result.success) problems.push(...result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`));
  const keysUnreadable = problems.some((problem) => problem.startsWith('KYC_PAYLOAD_KEYS_FILE:'));
  const payloadEncryption = parsePayloadKeys(
    resolvedEnv.KYC_PAYLOAD_KEYS,
    resolvedEnv.KYC_PAYLOAD_ACTIVE_KEY,
    resolvedEnv.KYC_PAYLOAD_ENCRYPTION || undefined,
    keysUnreadable ? [] : problems,
  );
  if (!result.success || problems.length) throw new ConfigError(problems);
  const e = result.data;
  return {
    temporal: {
      address: e.TEMPORAL_ADDRESS,
      namespace: e.TEMPORAL_NAMESPACE,
      taskQueue: e.KYC_TASK_QUEUE,
      ...(profile.security ? { security: profile.security } : {}),
    },
    callbacks: callbackReceiverConfig(e),
    logLevel: e.KYC_LOG_LEVEL,
    payloadEncryption,
  };
}

/** One key of KYC_LOOKUP_KEYS: its id goes into each hash value, so a rotation can tell them apart. */
export interface LookupKey {
  id: string;
  key: Uint8Array;
}

const LOOKUP_KEY_MIN_BYTES = 32;

/**
 * The lookup keys of the person hashes (contracts/person-lookup.ts) from KYC_LOOKUP_KEYS or
 * KYC_LOOKUP_KEYS_FILE: `keyId:base64key,...`, each key at least 32 random bytes (RFC 2104 §3:
 * no shorter than the hash output), kept apart from the payload keys. Empty when neither is set
 * (no hashes are written, and lookups are refused). Every key is used: during a rotation list the
 * new and the old key, so new runs carry both hashes and a lookup finds runs tagged under either.
 * Throws `ConfigError` naming the variable and the key id, never key material.
 */
export function loadLookupKeys(processEnv: NodeJS.ProcessEnv = process.env): LookupKey[] {
  const env = withoutEmptyValues(processEnv);
  const problems: string[] = [];
  const resolved = readSecretFiles(
    { KYC_LOOKUP_KEYS: env.KYC_LOOKUP_KEYS, KYC_LOOKUP_KEYS_FILE: env.KYC_LOOKUP_KEYS_FILE },
    problems,
  );
  const keys: LookupKey[] = parseKeyEntries(
    'KYC_LOOKUP_KEYS',
    splitKeyList(resolved.KYC_LOOKUP_KEYS),
    { minBytes: LOOKUP_KEY_MIN_BYTES },
    problems,
  );
  // A payload key reused as a lookup key would tie the two secrets' fates together.
  const payload = (() => {
    try {
      return loadPayloadEncryptionConfig(env);
    } catch {
      return undefined;
    }
  })();
  for (const { id, key } of keys) {
    for (const payloadKey of payload?.keys.values() ?? []) {
      if (Buffer.from(payloadKey).equals(Buffer.from(key))) {
        problems.push(`KYC_LOOKUP_KEYS: key "${id}" is also a payload key; use a separate random key`);
      }
    }
  }
  if (problems.length) throw new ConfigError(problems);
  return keys;
}

/** Standard Webhooks secrets: `whsec_` and 24 to 64 random bytes in base64 (the specification's bounds). */
const NOTIFY_SECRET = /^whsec_([A-Za-z0-9+/]+={0,2})$/;

/**
 * Parses KYC_NOTIFY_SECRETS: entries `<origin>=<secret> [<secret>…]` separated by commas, e.g.
 * `https://hooks.example.com=whsec_new… whsec_old…`. The key may be any URL of the receiver (its
 * origin is kept). Every secret of an origin signs each event (several `v1,` signatures during a
 * rotation). Problems name the variable and the origin, never secret material.
 */
export function parseNotifySecrets(text: string | undefined, problems: string[]): Map<string, string[]> {
  const secrets = new Map<string, string[]>();
  const entries = (text ?? '')
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean);
  entries.forEach((entry, index) => {
    const separator = entry.indexOf('=');
    let origin = '';
    try {
      const url = new URL(separator > 0 ? entry.slice(0, separator) : '');
      if (url.protocol === 'https:' || url.protocol === 'http:') origin = url.origin;
    } catch {
      origin = '';
    }
    if (!origin) {
      problems.push(`KYC_NOTIFY_SECRETS: entry ${index + 1} must be <http(s) origin>=whsec_… [whsec_…]`);
      return;
    }
    const values = entry
      .slice(separator + 1)
      .split(/\s+/)
      .filter(Boolean);
    const bad = values.filter((value) => {
      const match = NOTIFY_SECRET.exec(value);
      const bytes = match ? Buffer.from(match[1]!, 'base64').length : 0;
      return bytes < 24 || bytes > 64;
    });
    if (values.length === 0 || bad.length > 0) {
      problems.push(`KYC_NOTIFY_SECRETS: the secrets of ${origin} must be whsec_ followed by 24-64 bytes in base64`);
      return;
    }
    if (secrets.has(origin)) problems.push(`KYC_NOTIFY_SECRETS: ${origin} appears twice`);
    secrets.set(origin, values);
  });
  return secrets;
}

/**
 * Why the worker will not send a notification to `url` (a valid `notifyUrl`), or `undefined`:
 * a non-loopback receiver while KYC_ALLOW_REMOTE_PROVIDERS is off (as for provider base URLs),
 * or no signing secret for its origin in KYC_NOTIFY_SECRETS (events are never sent unsigned).
 */
export function notifyDestinationProblem(
  url: string,
  settings: { allowRemote: boolean; secrets: ReadonlyMap<string, readonly string[]> },
): string | undefined {
  const shape = notifyUrlProblem(url);
  if (shape) return shape;
  const parsed = new URL(url);
  if (FORBIDDEN_HOSTS.has(parsed.hostname)) {
    return 'points at the private address from the provider page, which must never be called';
  }
  if (!settings.allowRemote && !isLoopbackHost(parsed.hostname)) {
    return 'is not a loopback address; set KYC_ALLOW_REMOTE_PROVIDERS=true to notify a remote receiver';
  }
  if (!settings.secrets.has(parsed.origin)) {
    return `has no signing secret: add ${parsed.origin}=whsec_… to KYC_NOTIFY_SECRETS`;
  }
  return undefined;
}
