/**
 * The worker's operational settings, read from the environment apart from the main
 * configuration (common/config.ts) so that on-call concerns stay in one place: the Prometheus
 * endpoint, the health endpoints, the log format and the shutdown grace time. Every problem is
 * reported at once, by variable name, like the main configuration. See docs/observability.md.
 */
import { z } from 'zod';
import { ConfigError } from './config';

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
  /** KYC_SHUTDOWN_GRACE_TIME: how long running activities get to finish after SIGTERM, in milliseconds. */
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

const DURATION = /^(\d+)(ms|s|m)?$/;
const UNIT_MS = { ms: 1, s: 1000, m: 60_000 } as const;

/** `500ms`, `30s`, `2m` or a bare number of milliseconds; undefined when malformed. */
export function parseDurationMs(text: string): number | undefined {
  const match = DURATION.exec(text.trim());
  if (!match) return undefined;
  return Number(match[1]) * UNIT_MS[(match[2] ?? 'ms') as keyof typeof UNIT_MS];
}

const optionalAddress = (requirePort: boolean) =>
  z
    .string()
    .optional()
    .transform((text, context) => {
      if (!text) return undefined;
      const address = parseListenAddress(text);
      if (!address) {
        context.addIssue({ code: 'custom', message: `must be host:port, e.g. 127.0.0.1:9464 (got "${text}")` });
        return z.NEVER;
      }
      if (requirePort && address.port === 0) {
        context.addIssue({ code: 'custom', message: 'needs a fixed port (Prometheus must know where to scrape)' });
        return z.NEVER;
      }
      return address;
    });

const environmentSchema = z.object({
  KYC_METRICS_ADDRESS: optionalAddress(true),
  KYC_HEALTH_ADDRESS: optionalAddress(false),
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
      if (ms === undefined || ms > 60 * 60_000) {
        context.addIssue({ code: 'custom', message: 'must be a duration up to 1 h: 500ms, 30s, 2m or milliseconds' });
        return z.NEVER;
      }
      return ms;
    }),
});

/** Reads the worker's operational settings; throws `ConfigError` naming each bad variable. */
export function loadObservabilityConfig(env: NodeJS.ProcessEnv = process.env): ObservabilityConfig {
  const result = environmentSchema.safeParse(env);
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
