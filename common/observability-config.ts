/**
 * The worker's operational settings, read from the environment apart from the main
 * configuration (common/config.ts) so that on-call concerns stay in one place: the Prometheus
 * endpoint, the health endpoints, the log format and the shutdown grace time. Every problem is
 * reported at once, by variable name, like the main configuration. See docs/observability.md.
 */
import { z } from 'zod';
import { ConfigError } from './config';
import { durationProblem, parseDurationMs } from './durations';
import { withoutEmptyValues } from './environment';

/** A `host:port` listen address; IPv6 hosts in brackets (`[::1]:9464`). */
export interface ListenAddress {
  host: string;
  port: number;
}

export interface ObservabilityConfig {
  /** KYC_METRICS_ADDRESS: where the SDK runtime serves Prometheus `/metrics`; undefined = off. */
  metrics?: ListenAddress;
  /** KYC_HEALTH_ADDRESS: where `/healthz` and `/readyz` are served; undefined = off. Port 0 picks a free port. */
  health?: ListenAddress;
  /** KYC_LOG_FORMAT: `text` (the SDK's default lines) or `json` (one JSON object per line on stdout). */
  logFormat: 'text' | 'json';
  /** KYC_SHUTDOWN_GRACE_TIME (`30s`, `2m`: a unit is required): how long running activities get to finish after SIGTERM, in milliseconds. */
  shutdownGraceTimeMs: number;
}

/** Default grace time: one provider call at the default PROVIDER_TIMEOUT_MS (10 s) can finish. */
export const DEFAULT_SHUTDOWN_GRACE_TIME_MS = 10_000;

const ADDRESS = /^(?:\[([0-9a-fA-F:.]+)\]|([A-Za-z0-9.-]+)):(\d{1,5})$/;

/** Parses `host:port` (`127.0.0.1:9464`, `0.0.0.0:9464`, `[::1]:9464`); undefined when malformed. */
export function parseListenAddress(text: string): ListenAddress | undefined {
  const match = ADDRESS.exec(text.trim());
  if (!match) return undefined;
  const port = Number(match[3]);
  if (port > 65535) return undefined;
  return { host: match[1] ?? match[2]!, port };
}

/** `host:port` for a socket address, with IPv6 hosts bracketed. */
export function formatListenAddress(address: ListenAddress): string {
  return `${address.host.includes(':') ? `[${address.host}]` : address.host}:${address.port}`;
}

/**
 * A listen address variable. `example` is the form to show with the variable's own usual port
 * (`127.0.0.1:9464` for metrics, `127.0.0.1:8081` for health). Without a host (`:9464`) it is
 * refused rather than read as every interface: the project binds loopback unless told otherwise.
 */
const optionalAddress = (example: { port: number; requirePort: boolean }) =>
  z
    .string()
    .optional()
    .transform((text, context) => {
      if (!text) return undefined;
      const forms =
        `127.0.0.1:${example.port} (this host only) or 0.0.0.0:${example.port} ` +
        '(every interface, e.g. in a container)';
      const address = parseListenAddress(text);
      if (!address) {
        const hostless = /^\s*:\d+\s*$/.test(text);
        context.addIssue({
          code: 'custom',
          message: hostless
            ? `"${text.trim()}" has no host; write ${forms}`
            : `must be host:port, e.g. ${forms} (got "${text}")`,
        });
        return z.NEVER;
      }
      if (example.requirePort && address.port === 0) {
        context.addIssue({ code: 'custom', message: 'needs a fixed port (Prometheus must know where to scrape)' });
        return z.NEVER;
      }
      return address;
    });

/** The ports the docs and docker-compose.yml use; examples in messages use them. */
export const METRICS_EXAMPLE_PORT = 9464;
export const HEALTH_EXAMPLE_PORT = 8081;

const environmentSchema = z.object({
  KYC_METRICS_ADDRESS: optionalAddress({ port: METRICS_EXAMPLE_PORT, requirePort: true }),
  KYC_HEALTH_ADDRESS: optionalAddress({ port: HEALTH_EXAMPLE_PORT, requirePort: false }),
  KYC_LOG_FORMAT: z
    .enum(['text', 'json', ''], { message: 'must be text or json' })
    .optional()
    .transform((format) => (format === 'json' ? 'json' : 'text')),
  KYC_SHUTDOWN_GRACE_TIME: z
    .string()
    .optional()
    .transform((text, context) => {
      if (!text) return DEFAULT_SHUTDOWN_GRACE_TIME_MS;
      const ms = parseDurationMs(text);
      if (ms === undefined) {
        context.addIssue({ code: 'custom', message: durationProblem(text) });
        return z.NEVER;
      }
      if (ms > 60 * 60_000) {
        context.addIssue({ code: 'custom', message: `must be at most 1h (got "${text}")` });
        return z.NEVER;
      }
      return ms;
    }),
});

/** The structured fields of the grace-time warning: durations in milliseconds, no personal data. */
export interface ShutdownGraceWarning {
  message: string;
  shutdownGraceTimeMs: number;
  providerTimeoutMs: number;
}

/**
 * The warning the worker logs once at start when KYC_SHUTDOWN_GRACE_TIME is shorter than
 * PROVIDER_TIMEOUT_MS, or `undefined` when the grace time covers one provider call. A call in
 * flight at shutdown can then be cut off before its answer; a phone gateway call cut off counts as
 * an unanswered call (`PhoneGatewayTimeout`) that may have been billed, and may be made and billed
 * again (docs/phone-check.md, "unanswered calls"). A warning, not a refusal: a short grace time
 * is a legitimate choice where a quick stop matters more.
 */
export function shutdownGraceWarning(
  shutdownGraceTimeMs: number,
  providerTimeoutMs: number,
): ShutdownGraceWarning | undefined {
  if (shutdownGraceTimeMs >= providerTimeoutMs) return undefined;
  return {
    message:
      `warning: KYC_SHUTDOWN_GRACE_TIME (${shutdownGraceTimeMs} ms) is shorter than PROVIDER_TIMEOUT_MS ` +
      `(${providerTimeoutMs} ms): a provider call in flight at shutdown can be cut off before its answer ` +
      '(a phone gateway call cut off is reported as an unanswered PhoneGatewayTimeout and may be billed again); ' +
      'set KYC_SHUTDOWN_GRACE_TIME to at least PROVIDER_TIMEOUT_MS',
    shutdownGraceTimeMs,
    providerTimeoutMs,
  };
}

/** Reads the worker's operational settings; throws `ConfigError` naming each bad variable. */
export function loadObservabilityConfig(env: NodeJS.ProcessEnv = process.env): ObservabilityConfig {
  const result = environmentSchema.safeParse(withoutEmptyValues(env));
  if (!result.success) {
    throw new ConfigError(result.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`));
  }
  const e = result.data;
  return {
    ...(e.KYC_METRICS_ADDRESS ? { metrics: e.KYC_METRICS_ADDRESS } : {}),
    ...(e.KYC_HEALTH_ADDRESS ? { health: e.KYC_HEALTH_ADDRESS } : {}),
    logFormat: e.KYC_LOG_FORMAT,
    shutdownGraceTimeMs: e.KYC_SHUTDOWN_GRACE_TIME,
  };
}
