/**
 * The worker's side of tracing (common/tracing.ts): the workflow interceptors, which run inside
 * the workflow bundle and hand their spans out through the `exporter` sink, and the activity
 * interceptors, which continue the workflow's trace in each activity attempt. Only with tracing
 * on: the workflow bundle then holds the workflow interceptors (worker/bundle.ts).
 */
import type { WorkerOptions } from '@temporalio/worker';
import {
  OpenTelemetryActivityInboundInterceptor,
  OpenTelemetryActivityOutboundInterceptor,
  makeWorkflowExporter,
} from '@temporalio/interceptors-opentelemetry/lib/worker';
import type { Tracing } from '../common/tracing';

/** Worker options that trace activities and carry the workflow spans out of the sandbox. */
export function tracingWorkerOptions(tracing: Tracing): Pick<WorkerOptions, 'interceptors' | 'sinks'> {
  return {
    interceptors: {
      activity: [
        (ctx) => ({
          inbound: new OpenTelemetryActivityInboundInterceptor(ctx, { tracer: tracing.tracer }),
          // Adds trace_id and span_id to the activity's log entries.
          outbound: new OpenTelemetryActivityOutboundInterceptor(ctx),
        }),
      ],
    },
    sinks: { exporter: makeWorkflowExporter(tracing.spanProcessor, tracing.resource) },
  };
}
