/**
 * OpenTelemetry tracing, off unless asked for with OpenTelemetry's standard variables
 * (https://opentelemetry.io/docs/specs/otel/configuration/sdk-environment-variables/ and
 * https://opentelemetry.io/docs/specs/otel/protocol/exporter/): a start from the client or CLI,
 * the workflow run and its activities then share one trace, carried in Temporal headers by
 * `@temporalio/interceptors-opentelemetry` (worker/tracing.ts wires the worker side).
 *
 * Spans go to an OTLP/HTTP endpoint in batches, as JSON (`@opentelemetry/exporter-trace-otlp-http`,
 * the default) or protobuf (`@opentelemetry/exporter-trace-otlp-proto`, with
 * OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf). Every span passes `PersonalDataFreeSpanProcessor`, which keeps only the attributes
 * listed in `SPAN_ATTRIBUTES`: the interceptors copy the whole workflow info (memo, search
 * attributes, last result) into workflow spans, and those can hold personal data.
 */
import * as otel from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as OTLPProtobufTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { Resource } from '@opentelemetry/resources';
import {
  BasicTracerProvider,
  BatchSpanProcessor,
  type ReadableSpan,
  type Span,
  type SpanExporter,
  type SpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { OpenTelemetryWorkflowClientInterceptor } from '@temporalio/interceptors-opentelemetry/lib/client';
import { ConfigError } from './config';
import { readVariable } from './environment';

export interface TracingConfig {
  /** Where spans are POSTed: OTEL_EXPORTER_OTLP_TRACES_ENDPOINT as is, or OTEL_EXPORTER_OTLP_ENDPOINT + `/v1/traces`. */
  tracesUrl: string;
  /** OTEL_EXPORTER_OTLP_TRACES_HEADERS / OTEL_EXPORTER_OTLP_HEADERS (`key=value,...`, values URL-decoded). */
  headers: Record<string, string>;
  /** OTEL_SERVICE_NAME, or the process's default (`kyc-worker`, `kyc-cli`, ...). */
  serviceName: string;
  /**
   * OTEL_EXPORTER_OTLP_TRACES_PROTOCOL / OTEL_EXPORTER_OTLP_PROTOCOL: `http/protobuf`; absent:
   * `http/json`. (`grpc`, the specification's third, is refused: it needs another transport.)
   */
  protocol?: 'http/protobuf';
}

/** The OTLP/HTTP default when OTEL_TRACES_EXPORTER=otlp names no endpoint (the specification's). */
export const DEFAULT_OTLP_TRACES_URL = 'http://localhost:4318/v1/traces';

/**
 * Attributes kept on exported spans: the interceptors' ids (workflow, run, activity, update: ids
 * carry no personal data, README "Workflow ids") and the workflow info's type, task queue,
 * namespace and attempt. Everything else is dropped, e.g. the info's memo, search attributes
 * and last result, and a termination's free-text reason.
 */
export const SPAN_ATTRIBUTES: ReadonlySet<string> = new Set([
  'temporalWorkflowId',
  'run_id',
  'temporalActivityId',
  'temporalUpdateId',
  'workflowId',
  'runId',
  'workflowType',
  'taskQueue',
  'namespace',
  'attempt',
]);

function parseHeaders(text: string, name: string, problems: string[]): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const pair of text.split(',')) {
    if (!pair.trim()) continue;
    const at = pair.indexOf('=');
    if (at <= 0) {
      problems.push(`${name}: must be key=value pairs separated by commas`);
      return {};
    }
    try {
      headers[decodeURIComponent(pair.slice(0, at).trim())] = decodeURIComponent(pair.slice(at + 1).trim());
    } catch {
      problems.push(`${name}: a key or value is not valid URL encoding`);
      return {};
    }
  }
  return headers;
}

function checkUrl(text: string, name: string, problems: string[]): string | undefined {
  try {
    const url = new URL(text);
    if (url.protocol === 'http:' || url.protocol === 'https:') return text;
  } catch {
    // reported below
  }
  problems.push(`${name}: must be an http:// or https:// URL (got "${text}")`);
  return undefined;
}

/**
 * Reads the tracing settings; undefined when tracing is off. On when OTEL_TRACES_EXPORTER=otlp,
 * or when it is unset and an OTLP endpoint variable is set; off by default, with
 * OTEL_TRACES_EXPORTER=none, or with OTEL_SDK_DISABLED=true. Protocols `http/json` (default) and
 * `http/protobuf`. Throws `ConfigError` naming each bad variable.
 */
export function loadTracingConfig(env: NodeJS.ProcessEnv, defaultServiceName: string): TracingConfig | undefined {
  const value = (name: string): string | undefined => readVariable(env, name)?.trim();
  if (value('OTEL_SDK_DISABLED')?.toLowerCase() === 'true') return undefined;
  const problems: string[] = [];
  const exporter = value('OTEL_TRACES_EXPORTER');
  const tracesEndpoint = value('OTEL_EXPORTER_OTLP_TRACES_ENDPOINT');
  const endpoint = value('OTEL_EXPORTER_OTLP_ENDPOINT');
  if (exporter !== undefined && exporter !== 'otlp' && exporter !== 'none') {
    problems.push(`OTEL_TRACES_EXPORTER: must be otlp or none (got "${exporter}")`);
  }
  const on = exporter === 'otlp' || (exporter === undefined && (tracesEndpoint ?? endpoint) !== undefined);
  if (!on && problems.length === 0) return undefined;

  const protocolName = value('OTEL_EXPORTER_OTLP_TRACES_PROTOCOL')
    ? 'OTEL_EXPORTER_OTLP_TRACES_PROTOCOL'
    : 'OTEL_EXPORTER_OTLP_PROTOCOL';
  const protocol = value(protocolName);
  if (protocol !== undefined && protocol !== 'http/json' && protocol !== 'http/protobuf') {
    problems.push(`${protocolName}: must be http/json or http/protobuf; grpc is not supported (got "${protocol}")`);
  }
  let tracesUrl: string | undefined = DEFAULT_OTLP_TRACES_URL;
  if (tracesEndpoint) tracesUrl = checkUrl(tracesEndpoint, 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT', problems);
  else if (endpoint) {
    // The specification: the signal's path is appended to the base endpoint.
    tracesUrl = checkUrl(endpoint, 'OTEL_EXPORTER_OTLP_ENDPOINT', problems)?.replace(/\/*$/, '/v1/traces');
  }
  const headersName = value('OTEL_EXPORTER_OTLP_TRACES_HEADERS')
    ? 'OTEL_EXPORTER_OTLP_TRACES_HEADERS'
    : 'OTEL_EXPORTER_OTLP_HEADERS';
  const headers = parseHeaders(value(headersName) ?? '', headersName, problems);
  if (problems.length > 0 || !tracesUrl) throw new ConfigError(problems);
  return {
    tracesUrl,
    headers,
    serviceName: value('OTEL_SERVICE_NAME') ?? defaultServiceName,
    ...(protocol === 'http/protobuf' ? { protocol } : {}),
  };
}

/**
 * Keeps only `SPAN_ATTRIBUTES` on each span it passes on. Workflow spans reach it through the
 * worker's `exporter` sink, the others when they end.
 */
export class PersonalDataFreeSpanProcessor implements SpanProcessor {
  constructor(private readonly next: SpanProcessor) {}

  onStart(span: Span, parentContext: otel.Context): void {
    this.next.onStart(span, parentContext);
  }

  onEnd(span: ReadableSpan): void {
    // An ended span is no longer written to; its attributes object is the exporter's input.
    const attributes = span.attributes as Record<string, unknown>;
    for (const key of Object.keys(attributes)) {
      if (!SPAN_ATTRIBUTES.has(key)) delete attributes[key];
    }
    this.next.onEnd(span);
  }

  forceFlush(): Promise<void> {
    return this.next.forceFlush();
  }

  shutdown(): Promise<void> {
    return this.next.shutdown();
  }
}

export interface Tracing {
  readonly config: TracingConfig;
  /** Every span's way out (filtering, batching, exporting); the worker's workflow sink uses it too. */
  readonly spanProcessor: SpanProcessor;
  readonly resource: Resource;
  /** This provider's tracer, given to the interceptors (a second provider in one process does not replace the global one). */
  readonly tracer: otel.Tracer;
  /** A client interceptor that starts a span per call and passes its context to the workflow. */
  clientInterceptor(): OpenTelemetryWorkflowClientInterceptor;
  /**
   * Exports the spans still buffered and stops; call once, at the end of the process. Never
   * rejects and waits at most `SHUTDOWN_EXPORT_MS`: traces are a diagnostic, so an unreachable or
   * silent collector must not fail the work that was done. Resolves with why spans were not
   * exported (no personal data: the exporter's own error), or undefined when they were.
   */
  shutdown(): Promise<string | undefined>;
}

/** The traces URL without credentials, query or fragment: what a log line or the ready line may name. */
export function tracesDestination(url: string): string {
  const parsed = new URL(url);
  return `${parsed.origin}${parsed.pathname}`;
}

/** Shortest time between two export-failure warnings (`onExportFailure`), ms. */
export const EXPORT_FAILURE_WARNING_INTERVAL_MS = 5 * 60_000;

/**
 * Passes batches on to `next` and reports failed exports to `warn`: the OpenTelemetry SDK only
 * tells its own diagnostic logger, which is silent unless set up, so an unreachable collector
 * would drop every span without a word. One line at the first failure, then at most one per
 * `intervalMs` with the number of batches lost since; it names the endpoint and the exporter's
 * error (a connection or HTTP error: never span content, headers or credentials).
 */
export class ExportFailureReporter implements SpanExporter {
  private lastWarning = -Infinity;
  private failedSinceWarning = 0;

  constructor(
    private readonly next: SpanExporter,
    private readonly tracesUrl: string,
    private readonly warn: (message: string) => void,
    private readonly intervalMs = EXPORT_FAILURE_WARNING_INTERVAL_MS,
  ) {}

  export(spans: ReadableSpan[], resultCallback: (result: ExportResult) => void): void {
    this.next.export(spans, (result) => {
      if (result.code !== ExportResultCode.SUCCESS) this.failed(result.error);
      resultCallback(result);
    });
  }

  private failed(error: Error | undefined): void {
    this.failedSinceWarning++;
    const now = Date.now();
    if (now - this.lastWarning < this.intervalMs) return;
    const reason = (error?.message || 'export failed').split('\n')[0]!.slice(0, 200);
    const lost = this.failedSinceWarning === 1 ? 'a batch of spans' : `${this.failedSinceWarning} batches of spans`;
    const next = this.intervalMs > 0 ? `; next warning in ${Math.round(this.intervalMs / 1000)} s at the earliest` : '';
    this.warn(`warning: traces not exported to ${tracesDestination(this.tracesUrl)}: ${reason} (${lost} lost${next})`);
    this.lastWarning = now;
    this.failedSinceWarning = 0;
  }

  forceFlush(): Promise<void> {
    return this.next.forceFlush?.() ?? Promise.resolve();
  }

  shutdown(): Promise<void> {
    return this.next.shutdown();
  }
}

/** Longest wait for the last spans' export at shutdown, ms. */
export const SHUTDOWN_EXPORT_MS = 5_000;

/**
 * Installs the process's tracer provider (global, as the interceptors look it up) with an
 * AsyncLocalStorage context manager, so the active span follows `await`s into the client calls
 * whose headers carry it, and the W3C trace-context propagator.
 */
export function startTracing(
  config: TracingConfig,
  options: {
    /**
     * Told (rate-limited, `ExportFailureReporter`) when a batch cannot be exported while the
     * process runs; a long-running process (the worker, the callback receiver) logs it as a
     * warning. Without it failures are silent until `shutdown()` says why.
     */
    onExportFailure?: (message: string) => void;
    /** Shortest time between two such warnings, ms (default `EXPORT_FAILURE_WARNING_INTERVAL_MS`). */
    exportFailureIntervalMs?: number;
  } = {},
): Tracing {
  const resource = new Resource({ 'service.name': config.serviceName });
  const exporterConfig = { url: config.tracesUrl, headers: config.headers };
  const otlp =
    config.protocol === 'http/protobuf'
      ? new OTLPProtobufTraceExporter(exporterConfig)
      : new OTLPTraceExporter(exporterConfig);
  const exporter = options.onExportFailure
    ? new ExportFailureReporter(otlp, config.tracesUrl, options.onExportFailure, options.exportFailureIntervalMs)
    : otlp;
  const spanProcessor = new PersonalDataFreeSpanProcessor(new BatchSpanProcessor(exporter));
  const provider = new BasicTracerProvider({ resource, spanProcessors: [spanProcessor] });
  // Global context manager and propagator; a later call in the same process keeps the first ones.
  provider.register({ contextManager: new AsyncLocalStorageContextManager().enable() });
  const tracer = provider.getTracer('kyc-temporal');
  return {
    config,
    spanProcessor,
    resource,
    tracer,
    clientInterceptor: () => new OpenTelemetryWorkflowClientInterceptor({ tracer }),
    shutdown: async () => {
      let timer: NodeJS.Timeout | undefined;
      const timedOut = new Promise<string>((resolve) => {
        timer = setTimeout(
          () => resolve(`no answer from ${config.tracesUrl} within ${SHUTDOWN_EXPORT_MS} ms`),
          SHUTDOWN_EXPORT_MS,
        );
        timer.unref();
      });
      try {
        return await Promise.race([provider.shutdown().then(() => undefined), timedOut]);
      } catch (error) {
        return error instanceof Error ? error.message : String(error);
      } finally {
        clearTimeout(timer);
      }
    },
  };
}
