/**
 * Builds the worker process's Temporal workers from a validated configuration. The worker entry
 * point and the integration tests both use this, so tests run exactly the production wiring.
 *
 * Two task queues: the main one runs workflows and the bank and e-signature activities; the
 * phone gateway's activity runs on its own queue, dispatched by Temporal at the gateway's rate
 * (`maxTaskQueueActivitiesPerSecond`, across every worker), and each call then waits for its
 * account-wide send slot (activities/phone-gateway-slots.ts), which keeps every one-second window
 * within the limit.
 */
import { NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import type { DataConverter } from '@temporalio/common';
import type { Config } from '../common/config';
import { createDataConverter } from '../common/data-converter';
import { phoneGatewayTaskQueue } from '../contracts/phone-check';
import {
  createDeviceApprovalActivities,
  createIdentityFlowActivities,
  createNotificationActivities,
  createPhoneCheckActivities,
} from '../activities';
import { createGatewaySlotWait } from '../activities/phone-gateway-slots';
import { PhoneGatewayClient } from '../providers/phone-gateway';
import { BankDeviceClient } from '../providers/bank-device';
import { EsignClient } from '../providers/esign';
import { ConfigError } from '../common/config';
import type { Tracing } from '../common/tracing';
import { bundleHasTracing, tracingInterceptorsModulePath } from './bundle';
import { tracingWorkerOptions } from './tracing';

export interface WorkerSetOptions {
  connection: NativeConnection;
  config: Config;
  /** A prebuilt bundle (tests build one once); otherwise the workflows are bundled from source. */
  workflowBundlePath?: string;
  /** The workflows module to bundle (default: ../workflows); the benchmark adds its baseline. */
  workflowsPath?: string;
  /** Options for both workers that tests shorten, e.g. the shutdown grace time. */
  overrides?: Pick<WorkerOptions, 'shutdownGraceTime'>;
  /** The clients' data converter (payload encryption); built from `config.payloadEncryption` when omitted. */
  dataConverter?: DataConverter;
  /** Tracing (common/tracing.ts): workflow and activity spans; a given bundle must hold the interceptors. */
  tracing?: Tracing;
}

export async function createWorkers(options: WorkerSetOptions): Promise<Worker[]> {
  const { connection, config } = options;
  const bank = new BankDeviceClient(config.bank);
  const esign = new EsignClient(config.esign);
  const phoneGateway = new PhoneGatewayClient(config.phone);
  const dataConverter = options.dataConverter ?? createDataConverter(config.payloadEncryption);

  const workflowSource = options.workflowBundlePath
    ? { workflowBundle: { codePath: options.workflowBundlePath } }
    : { workflowsPath: options.workflowsPath ?? require.resolve('../workflows') };
  // Without the interceptors in the bundle, activity spans would start traces of their own.
  if (options.tracing && options.workflowBundlePath && !bundleHasTracing(options.workflowBundlePath)) {
    throw new ConfigError([
      `KYC_WORKFLOW_BUNDLE: ${options.workflowBundlePath} has no tracing interceptors; with tracing on ` +
        '(OTEL_* variables) the worker needs the tracing bundle (npm run build writes lib/workflow-bundle-otel.js)',
    ]);
  }
  const tracing = options.tracing ? tracingWorkerOptions(options.tracing) : undefined;
  const workflowTracing =
    tracing && !options.workflowBundlePath
      ? {
          // The workflow spans leave through the `exporter` sink: keep it when bundling from source.
          sinks: tracing.sinks,
          interceptors: { ...tracing.interceptors, workflowModules: [tracingInterceptorsModulePath()] },
        }
      : tracing;

  const main = await Worker.create({
    connection,
    namespace: config.temporal.namespace,
    taskQueue: config.temporal.taskQueue,
    dataConverter,
    ...workflowSource,
    // Bounds the worker's memory however many workflows wait (see KYC_MAX_CACHED_WORKFLOWS).
    maxCachedWorkflows: config.worker.maxCachedWorkflows,
    activities: {
      ...createDeviceApprovalActivities(bank),
      ...createIdentityFlowActivities(esign),
      // Completion notifications: the target (a local activity) and the signed deliveries.
      ...createNotificationActivities(config.notifications),
    },
    ...workflowTracing,
    ...options.overrides,
  });
  const phone = await Worker.create({
    connection,
    namespace: config.temporal.namespace,
    taskQueue: phoneGatewayTaskQueue(config.temporal.taskQueue),
    dataConverter,
    activities: createPhoneCheckActivities(
      phoneGateway,
      createGatewaySlotWait({
        ledgerTaskQueue: config.temporal.taskQueue,
        gatewayTaskQueue: phoneGatewayTaskQueue(config.temporal.taskQueue),
        ratePerSecond: config.phone.ratePerSecond,
        jitterMs: config.phone.rateJitterMs,
        callTimeoutMs: config.phone.timeoutMs,
      }),
    ),
    maxTaskQueueActivitiesPerSecond: config.phone.ratePerSecond,
    // A call holds its task while it waits for its slot: taking at most two seconds' worth of
    // calls keeps the backlog in the server and every wait far below the call's timeout.
    maxConcurrentActivityTaskExecutions: Math.max(2, Math.ceil(2 * config.phone.ratePerSecond)),
    ...(tracing ? { interceptors: tracing.interceptors } : {}),
    ...options.overrides,
  });
  return [main, phone];
}
