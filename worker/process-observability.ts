/**
 * What the worker process and the standalone callback receiver (worker/main.ts,
 * worker/callback-main.ts) both set up from their operational settings
 * (common/observability-config.ts): the SDK runtime with the process's logger (KYC_LOG_FORMAT)
 * and Prometheus endpoint (KYC_METRICS_ADDRESS, where the runtime's metric meter is exported),
 * and the health endpoints (KYC_HEALTH_ADDRESS), which refuse readiness from SIGINT/SIGTERM on.
 * See docs/observability.md.
 */
import { Runtime, makeTelemetryFilterString, type LogLevel } from '@temporalio/worker';
import { createLogger, formatJsonLogLine } from '../common/logging';
import { formatListenAddress, type ObservabilityConfig } from '../common/observability-config';
import { startHealthServer, type HealthServer } from './health';

export interface ProcessObservability {
  runtime: Runtime;
  /** Undefined without KYC_HEALTH_ADDRESS. */
  health?: HealthServer;
  /**
   * The process's own lines (the ready line): a JSON log entry in JSON mode (so every stdout line
   * parses), else plain; printed whatever KYC_LOG_LEVEL is, since starters wait for the ready line.
   */
  say: (message: string) => void;
  warn: (message: string) => void;
  /** `, metrics on http://…/metrics, health on …/healthz and …/readyz` for the ready line (empty when off). */
  readyLineSuffix: () => string;
  /** Closes the health endpoints. */
  close: () => Promise<void>;
}

/** Installs the runtime and opens the health endpoints (up before connecting: /readyz answers 503 until ready). */
export async function startProcessObservability(
  logLevel: LogLevel,
  observability: ObservabilityConfig,
): Promise<ProcessObservability> {
  const runtime = Runtime.install({
    logger: createLogger(logLevel, observability.logFormat),
    telemetryOptions: {
      logging: { forward: {}, filter: makeTelemetryFilterString({ core: 'WARN' }) },
      ...(observability.metrics
        ? { metrics: { prometheus: { bindAddress: formatListenAddress(observability.metrics) } } }
        : {}),
    },
  });
  const json = observability.logFormat === 'json';
  const health = observability.health ? await startHealthServer(observability.health) : undefined;
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => health?.shuttingDown());
  return {
    runtime,
    ...(health ? { health } : {}),
    say: (message) => {
      if (!json) console.log(message);
      else {
        const timestampNanos = BigInt(Date.now()) * 1_000_000n;
        process.stdout.write(`${formatJsonLogLine({ level: 'INFO', message, timestampNanos })}\n`);
      }
    },
    warn: (message) => {
      if (json) runtime.logger.warn(message);
      else console.warn(message);
    },
    readyLineSuffix: () =>
      (observability.metrics ? `, metrics on http://${formatListenAddress(observability.metrics)}/metrics` : '') +
      (health ? `, health on ${health.url}/healthz and ${health.url}/readyz` : ''),
    close: async () => {
      await health?.close();
    },
  };
}
