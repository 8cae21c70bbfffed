/** OpenTelemetry settings (common/tracing.ts): off by default, on with the standard variables, bad values named. */
import { ConfigError } from '../../common/config';
import { DEFAULT_OTLP_TRACES_URL, loadTracingConfig } from '../../common/tracing';

const load = (env: NodeJS.ProcessEnv) => loadTracingConfig(env, 'kyc-worker');

function problems(env: NodeJS.ProcessEnv): string[] {
  try {
    load(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error('no ConfigError');
}

it('is off without OTEL_* variables, with OTEL_TRACES_EXPORTER=none and with OTEL_SDK_DISABLED=true', () => {
  expect(load({})).toBeUndefined();
  expect(load({ OTEL_TRACES_EXPORTER: 'none', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318' })).toBeUndefined();
  expect(load({ OTEL_SDK_DISABLED: 'true', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318' })).toBeUndefined();
});

it('appends /v1/traces to OTEL_EXPORTER_OTLP_ENDPOINT and takes OTEL_EXPORTER_OTLP_TRACES_ENDPOINT as is', () => {
  expect(load({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318/' })).toEqual({
    tracesUrl: 'http://127.0.0.1:4318/v1/traces',
    headers: {},
    serviceName: 'kyc-worker',
  });
  expect(
    load({
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318',
      OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'https://collector.example/otlp/traces',
      OTEL_SERVICE_NAME: 'kyc-worker-eu',
      OTEL_EXPORTER_OTLP_HEADERS: 'authorization=Bearer%20abc, x-tenant=kyc',
    }),
  ).toEqual({
    tracesUrl: 'https://collector.example/otlp/traces',
    headers: { authorization: 'Bearer abc', 'x-tenant': 'kyc' },
    serviceName: 'kyc-worker-eu',
  });
  expect(load({ OTEL_TRACES_EXPORTER: 'otlp' })?.tracesUrl).toBe(DEFAULT_OTLP_TRACES_URL);
});

it('names each bad variable at once', () => {
  expect(
    problems({
      OTEL_TRACES_EXPORTER: 'jaeger',
      OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc',
      OTEL_EXPORTER_OTLP_ENDPOINT: 'collector:4318',
      OTEL_EXPORTER_OTLP_HEADERS: 'novalue',
    }),
  ).toEqual([
    'OTEL_TRACES_EXPORTER: must be otlp or none (got "jaeger")',
    'OTEL_EXPORTER_OTLP_PROTOCOL: must be http/json or http/protobuf; grpc is not supported (got "grpc")',
    'OTEL_EXPORTER_OTLP_ENDPOINT: must be an http:// or https:// URL (got "collector:4318")',
    'OTEL_EXPORTER_OTLP_HEADERS: must be key=value pairs separated by commas',
  ]);
});
