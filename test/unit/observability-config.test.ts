import { ConfigError } from '../../common/config';
import {
  DEFAULT_SHUTDOWN_GRACE_TIME_MS,
  loadObservabilityConfig,
  parseDurationMs,
  parseListenAddress,
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
  expect(parseDurationMs('1500')).toBe(1500);
  expect(parseDurationMs('1h')).toBeUndefined();
  expect(parseDurationMs('-5s')).toBeUndefined();
});
