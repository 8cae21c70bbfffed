/**
 * An empty or blank variable counts as unset in every loader (common/environment.ts): `VAR=` in a
 * compose file or `.env` is how a setting is left out. Each loader is given every variable it
 * reads set to '' and must behave as without them.
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  loadCallbackServiceConfig,
  loadConfig,
  loadLookupKeys,
  loadPayloadEncryptionConfig,
  loadTemporalConfig,
} from '../../common/config';
import { readVariable, withoutEmptyValues } from '../../common/environment';
import { withLocalSettings } from '../../common/local-profile';
import { loadObservabilityConfig } from '../../common/observability-config';
import { readTemporalProfile } from '../../common/temporal-connection';
import { loadTracingConfig } from '../../common/tracing';

/** No default profile file, no demo data dir: only what each test gives. */
const HOME = mkdtempSync(join(tmpdir(), 'kyc-env-home-'));
const base = { HOME, XDG_CONFIG_HOME: join(HOME, '.config'), KYC_DATA_DIR: join(HOME, 'data') };

const TEMPORAL_VARIABLES = [
  'TEMPORAL_ADDRESS',
  'TEMPORAL_NAMESPACE',
  'KYC_TASK_QUEUE',
  'TEMPORAL_API_KEY',
  'TEMPORAL_TLS',
  'TEMPORAL_TLS_CLIENT_CERT_PATH',
  'TEMPORAL_TLS_CLIENT_KEY_PATH',
  'TEMPORAL_TLS_SERVER_CA_CERT_PATH',
  'TEMPORAL_TLS_SERVER_NAME',
  'TEMPORAL_TLS_DISABLE_HOST_VERIFICATION',
  'TEMPORAL_CONFIG_FILE',
  'TEMPORAL_PROFILE',
  'TEMPORAL_CODEC_ENDPOINT',
  'TEMPORAL_GRPC_META_X_TEAM',
];

const OPTIONAL_WORKER_VARIABLES = [
  ...TEMPORAL_VARIABLES,
  'KYC_ALLOW_REMOTE_PROVIDERS',
  'KYC_LOG_LEVEL',
  'PROVIDER_TIMEOUT_MS',
  'PROVIDER_MAX_BODY_BYTES',
  'PROVIDER_MAX_RETRY_AFTER_MS',
  'KYC_MAX_CACHED_WORKFLOWS',
  'BANK_BASE_URL',
  'ESIGN_BASE_URL',
  'ESIGN_AUTH_MODE',
  'ESIGN_NOTIFY_URL',
  'CALLBACK_RECEIVER',
  'CALLBACK_LISTEN_HOST',
  'CALLBACK_LISTEN_PORT',
  'CALLBACK_MAX_BODY_BYTES',
  'CALLBACK_TIMESTAMP_TOLERANCE_MS',
  'CALLBACK_SIGNATURE_HEADER',
  'CALLBACK_TIMESTAMP_HEADER',
  'PHONE_BASE_URL',
  'PHONE_RATE_PER_SECOND',
  'PHONE_RATE_JITTER_MS',
  'KYC_PAYLOAD_ACTIVE_KEY',
  'KYC_PAYLOAD_ENCRYPTION',
  'KYC_LOOKUP_KEYS',
  'KYC_LOOKUP_KEYS_FILE',
  'KYC_NOTIFY_URL',
  'KYC_NOTIFY_SECRETS',
  'KYC_NOTIFY_SECRETS_FILE',
  'KYC_NOTIFY_TIMEOUT_MS',
  'KYC_NOTIFY_INITIAL_INTERVAL_MS',
  'KYC_NOTIFY_MAX_INTERVAL_MS',
  'KYC_NOTIFY_RETRY_WINDOW_MS',
  'BANK_API_CLIENT_KEY_FILE',
  'BANK_PRIVATE_KEY_FILE',
  'ESIGN_APP_ID_FILE',
  'ESIGN_APP_SECRET_FILE',
  'PHONE_TOKEN_FILE',
  'KYC_PAYLOAD_KEYS_FILE',
];

const emptied = (names: string[], value = '') => Object.fromEntries(names.map((name) => [name, value]));

const required = {
  BANK_API_CLIENT_KEY: 'bank-client-key',
  BANK_PRIVATE_KEY_PEM: generateKeyPairSync('ec', { namedCurve: 'secp521r1' })
    .privateKey.export({ type: 'pkcs8', format: 'pem' })
    .toString(),
  ESIGN_APP_ID: 'app-id',
  ESIGN_APP_SECRET: 'app-secret',
  PHONE_TOKEN: 'phone-token',
  KYC_PAYLOAD_KEYS: `k1:${randomBytes(32).toString('base64')}`,
};

it('withoutEmptyValues drops empty and blank values, keeps the rest as they are', () => {
  expect(withoutEmptyValues({ A: '', B: ' \t', C: ' x ', D: undefined, E: '0' })).toEqual({ C: ' x ', E: '0' });
  expect(readVariable({ A: '' }, 'A')).toBeUndefined();
  expect(readVariable({ A: ' v' }, 'A')).toBe(' v');
});

it.each(['', ' '])(
  'the Temporal connection: every TEMPORAL_* variable set to %j is the default, plain connection',
  (value) => {
    // Before: TEMPORAL_ADDRESS= was "too small", TEMPORAL_API_KEY= or TEMPORAL_TLS_SERVER_NAME= turned TLS on.
    expect(loadTemporalConfig({ ...base, ...emptied(TEMPORAL_VARIABLES, value) })).toEqual(loadTemporalConfig(base));
    expect(loadTemporalConfig(base)).toEqual({ address: '127.0.0.1:7233', namespace: 'default', taskQueue: 'kyc' });
    for (const name of TEMPORAL_VARIABLES) {
      expect({ name, ...readTemporalProfile({ ...base, [name]: value }) }).toEqual({
        name,
        ...readTemporalProfile(base),
      });
    }
  },
);

it('the worker and the callback receiver: every optional variable empty is its default', () => {
  const env = { ...base, ...required };
  expect(loadConfig({ ...env, ...emptied(OPTIONAL_WORKER_VARIABLES) })).toEqual(loadConfig(env));
  expect(loadCallbackServiceConfig({ ...env, ...emptied(OPTIONAL_WORKER_VARIABLES) })).toEqual(
    loadCallbackServiceConfig(env),
  );
});

it('a required secret set to an empty value is reported as missing, and its _FILE is then read', () => {
  expect(() => loadConfig({ ...base, ...required, PHONE_TOKEN: '' })).toThrow(/PHONE_TOKEN: is required/);
});

it('payload and lookup keys, observability, tracing and the local profile', () => {
  const keys = { KYC_PAYLOAD_KEYS: required.KYC_PAYLOAD_KEYS };
  const noise = emptied([
    'KYC_PAYLOAD_KEYS_FILE',
    'KYC_PAYLOAD_ACTIVE_KEY',
    'KYC_PAYLOAD_ENCRYPTION',
    'KYC_LOOKUP_KEYS',
    'KYC_LOOKUP_KEYS_FILE',
  ]);
  expect(loadPayloadEncryptionConfig({ ...keys, ...noise })).toEqual(loadPayloadEncryptionConfig(keys));
  expect(loadLookupKeys({ ...keys, ...noise })).toEqual([]);
  expect(
    loadObservabilityConfig(
      emptied(['KYC_METRICS_ADDRESS', 'KYC_HEALTH_ADDRESS', 'KYC_LOG_FORMAT', 'KYC_SHUTDOWN_GRACE_TIME']),
    ),
  ).toEqual(loadObservabilityConfig({}));
  const otel = emptied([
    'OTEL_SDK_DISABLED',
    'OTEL_TRACES_EXPORTER',
    'OTEL_EXPORTER_OTLP_ENDPOINT',
    'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT',
    'OTEL_EXPORTER_OTLP_PROTOCOL',
    'OTEL_EXPORTER_OTLP_HEADERS',
    'OTEL_SERVICE_NAME',
  ]);
  expect(loadTracingConfig(otel, 'kyc-test')).toBeUndefined();
  expect(loadTracingConfig({ ...otel, OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318' }, 'kyc-test')).toEqual({
    tracesUrl: 'http://127.0.0.1:4318/v1/traces',
    headers: {},
    serviceName: 'kyc-test',
  });
  const local = emptied([
    'TEMPORAL_CONFIG_FILE',
    'KYC_PAYLOAD_KEYS',
    'KYC_PAYLOAD_KEYS_FILE',
    'KYC_PAYLOAD_ENCRYPTION',
  ]);
  expect(withLocalSettings({ ...base, ...local })).toEqual(withLocalSettings(base));
});

it('a duration variable named _MS takes whole milliseconds and says so, instead of "received NaN"', () => {
  const problems = (() => {
    try {
      loadConfig({ ...base, ...required, PROVIDER_TIMEOUT_MS: '30s', PHONE_RATE_JITTER_MS: '5000' });
    } catch (error) {
      return (error as { problems: string[] }).problems;
    }
    return [];
  })();
  expect(problems).toEqual([
    'PROVIDER_TIMEOUT_MS: must be a whole number of milliseconds (the name ends in _MS), e.g. 10000 (got "30s")',
    'PHONE_RATE_JITTER_MS: must be between 0 and 1000 milliseconds (got 5000)',
  ]);
  expect(loadConfig({ ...base, ...required, PROVIDER_TIMEOUT_MS: '2500' }).bank.timeoutMs).toBe(2500);
});
