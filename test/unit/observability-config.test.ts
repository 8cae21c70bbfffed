import { ConfigError } from '../../common/config';
import { parseDurationMs } from '../../common/durations';
import {
  DEFAULT_SHUTDOWN_GRACE_TIME_MS,
  loadObservabilityConfig,
  parseListenAddress,
  shutdownGraceWarning,
} from '../../common/observability-config';

function problemsOf(env: NodeJS.ProcessEnv): string[] {
  try {
    loadObservabilityConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

it('defaults: no metrics or health endpoint, text logs, the default grace time', () => {
  expect(loadObservabilityConfig({})).toEqual({
    logFormat: 'text',
    shutdownGraceTimeMs: DEFAULT_SHUTDOWN_GRACE_TIME_MS,
  });
});

it('reads addresses, the log format and the grace time', () => {
  expect(
    loadObservabilityConfig({
      KYC_METRICS_ADDRESS: '0.0.0.0:9464',
      KYC_HEALTH_ADDRESS: '[::1]:0',
      KYC_LOG_FORMAT: 'json',
      KYC_SHUTDOWN_GRACE_TIME: '2m',
    }),
  ).toEqual({
    metrics: { host: '0.0.0.0', port: 9464 },
    health: { host: '::1', port: 0 },
    logFormat: 'json',
    shutdownGraceTimeMs: 120_000,
  });
});

it('reports every bad variable at once, by name', () => {
  const problems = problemsOf({
    KYC_METRICS_ADDRESS: '9464',
    KYC_HEALTH_ADDRESS: 'localhost:70000',
    KYC_LOG_FORMAT: 'yaml',
    KYC_SHUTDOWN_GRACE_TIME: 'soon',
  });
  expect(problems).toHaveLength(4);
  expect(problems[0]).toMatch(/^KYC_METRICS_ADDRESS: must be host:port/);
  expect(problems[1]).toMatch(/^KYC_HEALTH_ADDRESS: must be host:port/);
  expect(problems[2]).toMatch(/^KYC_LOG_FORMAT: must be text or json/);
  expect(problems[3]).toMatch(/^KYC_SHUTDOWN_GRACE_TIME: must be a duration/);
});

it('needs a fixed metrics port (Prometheus must know where to scrape)', () => {
  expect(problemsOf({ KYC_METRICS_ADDRESS: '127.0.0.1:0' })).toEqual([
    'KYC_METRICS_ADDRESS: needs a fixed port (Prometheus must know where to scrape)',
  ]);
});

it('parses listen addresses and durations', () => {
  expect(parseListenAddress('127.0.0.1:8080')).toEqual({ host: '127.0.0.1', port: 8080 });
  expect(parseListenAddress('worker:8080')).toEqual({ host: 'worker', port: 8080 });
  expect(parseListenAddress('::1:8080')).toBeUndefined();
  expect(parseListenAddress('http://127.0.0.1:8080')).toBeUndefined();
  expect(parseDurationMs('500ms')).toBe(500);
  expect(parseDurationMs('30s')).toBe(30_000);
  expect(parseDurationMs('1.5s')).toBe(1500);
  expect(parseDurationMs('1h')).toBe(3_600_000);
  // A bare number has no unit: 30 could be ms or s.
  expect(parseDurationMs('1500')).toBeUndefined();
  expect(parseDurationMs('-5s')).toBeUndefined();
});

it('refuses a grace time without a unit, saying which forms it could have meant', () => {
  // It was read as 30 ms: running activities were cut off almost at once.
  expect(problemsOf({ KYC_SHUTDOWN_GRACE_TIME: '30' })).toEqual([
    'KYC_SHUTDOWN_GRACE_TIME: "30" has no unit: write 30s for seconds or 30ms for milliseconds (a duration is a number and a unit: ms, s, m, h or d)',
  ]);
  expect(problemsOf({ KYC_SHUTDOWN_GRACE_TIME: '2h' })).toEqual([
    'KYC_SHUTDOWN_GRACE_TIME: must be at most 1h (got "2h")',
  ]);
  expect(loadObservabilityConfig({ KYC_SHUTDOWN_GRACE_TIME: '500ms' }).shutdownGraceTimeMs).toBe(500);
});

it('refuses an address without a host, and shows each variable its own port', () => {
  // Not read as every interface: the project binds loopback unless told otherwise.
  expect(problemsOf({ KYC_METRICS_ADDRESS: ':9464', KYC_HEALTH_ADDRESS: 'health' })).toEqual([
    'KYC_METRICS_ADDRESS: ":9464" has no host; write 127.0.0.1:9464 (this host only) or 0.0.0.0:9464 (every interface, e.g. in a container)',
    'KYC_HEALTH_ADDRESS: must be host:port, e.g. 127.0.0.1:8081 (this host only) or 0.0.0.0:8081 (every interface, e.g. in a container) (got "health")',
  ]);
});

it('takes an empty variable as unset', () => {
  expect(
    loadObservabilityConfig({
      KYC_METRICS_ADDRESS: '',
      KYC_HEALTH_ADDRESS: ' ',
      KYC_LOG_FORMAT: '',
      KYC_SHUTDOWN_GRACE_TIME: '',
    }),
  ).toEqual(loadObservabilityConfig({}));
});

describe('shutdownGraceWarning', () => {
  it('is quiet when the grace time covers one provider call (the defaults are equal)', () => {
    expect(shutdownGraceWarning(DEFAULT_SHUTDOWN_GRACE_TIME_MS, 10_000)).toBeUndefined();
    expect(shutdownGraceWarning(30_000, 10_000)).toBeUndefined();
  });

  it('warns when the grace time is shorter than PROVIDER_TIMEOUT_MS, naming both and the phone risk', () => {
    const warning = shutdownGraceWarning(parseDurationMs('5s') ?? 0, 10_000);
    expect(warning).toMatchObject({ shutdownGraceTimeMs: 5_000, providerTimeoutMs: 10_000 });
    expect(warning?.message).toMatch(
      /KYC_SHUTDOWN_GRACE_TIME \(5000 ms\) is shorter than PROVIDER_TIMEOUT_MS \(10000 ms\)/,
    );
    expect(warning?.message).toContain('PhoneGatewayTimeout');
  });
});
