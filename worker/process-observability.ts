/**
 * What the worker process and the standalone callback receiver (worker/main.ts,
 * worker/callback-main.ts) both set up from their operational settings
 * (common/observability-config.ts): the SDK runtime with the process's logger (KYC_LOG_FORMAT)
 * and Prometheus endpoint (KYC_METRICS_ADDRESS, where the runtime's metric meter is exported),
 * and the health endpoints (KYC_HEALTH_ADDRESS), which refuse readiness from SIGINT/SIGTERM on.
 *
 * It also keeps the process alive through repeated shutdown signals. The SDK's Runtime starts the
 * graceful shutdown at the first one and then stops listening (`teardownShutdownHook`), so a second
 * SIGTERM (an impatient operator, an orchestrator that signals twice) would meet Node's default
 * handler and kill the process mid-activity: the activity's provider call, already made, would be
 * made (and billed) again by the retry. A listener that stays until the process exits logs the
 * repeat once and lets the grace time run; SIGKILL still stops the process at once.
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
  /** A warning line; with JSON logs `fields` become the line's attributes (never personal data). */
  warn: (message: string, fields?: Record<string, unknown>) => void;
  /** `, metrics on http://…/metrics, health on …/healthz and …/readyz` for the ready line (empty when off). */
  readyLineSuffix: () => string;
  /** Closes the health endpoints. */
  close: () => Promise<void>;
  /** Resolves with the first shutdown signal (the Runtime's `shutdownSignals`: SIGINT, SIGTERM, …). */
  shutdownRequested: Promise<NodeJS.Signals>;
  /** Logs `shutdown complete` (call once everything is closed). */
  shutdownComplete: () => void;
}

/** What the process does once a shutdown signal came, for the process's own lines. */
export interface ShutdownDescription {
  /** What the shutdown waits for, e.g. `running activities get up to 30s (KYC_SHUTDOWN_GRACE_TIME)`. */
  waitsFor: string;
  /** KYC_SHUTDOWN_GRACE_TIME as written in the `shutdown started` line (`30s`); none for the receiver. */
  grace?: string;
}

/**
 * Installs the runtime, listens for its shutdown signals (before anything slow, so none is missed
 * while connecting) and opens the health endpoints (up before connecting: /readyz answers 503
 * until ready).
 */
export async function startProcessObservability(
  logLevel: LogLevel,
  observability: ObservabilityConfig,
  shutdown: ShutdownDescription,
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
  const say = (message: string): void => {
    if (!json) console.log(message);
    else {
      const timestampNanos = BigInt(Date.now()) * 1_000_000n;
      process.stdout.write(`${formatJsonLogLine({ level: 'INFO', message, timestampNanos })}\n`);
    }
  };
  const warn = (message: string, fields?: Record<string, unknown>): void => {
    if (json) runtime.logger.warn(message, fields);
    else console.warn(message);
  };

  let health: HealthServer | undefined = undefined;
  let firstSignal: NodeJS.Signals | undefined;
  let repeatReported = false;
  let requested: (signal: NodeJS.Signals) => void = () => undefined;
  const shutdownRequested = new Promise<NodeJS.Signals>((resolve) => {
    requested = resolve;
  });
  const onShutdownSignal = (signal: NodeJS.Signals): void => {
    if (firstSignal === undefined) {
      firstSignal = signal;
      health?.shuttingDown();
      // The process's own line, whatever KYC_LOG_LEVEL: an operator reading the log sees the drain begin.
      say(`shutdown started (signal ${signal}${shutdown.grace ? `, grace ${shutdown.grace}` : ''})`);
      requested(signal);
      return;
    }
    // Handled, so Node does not kill the process; said once, however often the signal comes.
    if (repeatReported) return;
    repeatReported = true;
    warn(`${signal}: shutdown already in progress (${shutdown.waitsFor}); send SIGKILL to stop at once`);
  };
  // Never removed: a signal handle does not keep the process alive, and it must outlive the Runtime's.
  for (const signal of runtime.options.shutdownSignals) process.on(signal, onShutdownSignal);

  health = observability.health ? await startHealthServer(observability.health) : undefined;
  if (firstSignal !== undefined) health?.shuttingDown();
  return {
    runtime,
    ...(health ? { health } : {}),
    say,
    warn,
    readyLineSuffix: () =>
      (observability.metrics ? `, metrics on http://${formatListenAddress(observability.metrics)}/metrics` : '') +
      (health ? `, health on ${health.url}/healthz and ${health.url}/readyz` : ''),
    close: async () => {
      await health?.close();
    },
    shutdownRequested,
    shutdownComplete: () => say('shutdown complete'),
  };
}
