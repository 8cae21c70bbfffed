/**
 * The library's one entry point: connects from the same validated configuration as the worker
 * (TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, KYC_TASK_QUEUE, KYC_PAYLOAD_KEYS, and the Temporal profile
 * with TLS / mTLS / API key: common/temporal-connection.ts; no provider secret is read) and offers one typed module per flow. Encryption fails closed: without payload keys no
 * client is made, so nothing (no start, no update) can reach the server in plain text.
 */
import { deliveryStateQuery, type DeliveryState } from '../contracts/notification-core';
import { Client, Connection, type WorkflowClientInterceptor } from '@temporalio/client';
import type { DataConverter } from '@temporalio/common';
import {
  ConfigError,
  MISSING_PAYLOAD_KEYS,
  loadLookupKeys,
  loadPayloadEncryptionConfig,
  loadTemporalConfig,
  type LookupKey,
  type TemporalConfig,
} from '../common/config';
import { createDataConverter } from '../common/data-converter';
import { TemporalUnreachableError, connectTemporal } from '../common/temporal-connection';
import { DEFAULT_QUERY_TIMEOUT_MS, type KycContext } from './context';
import { DeviceApprovals } from './device-approval';
import { TemporalConnectionError } from './errors';
import { IdentityFlows } from './identity-flow';
import { PhoneChecks } from './phone-check';
import { unpolledWorkflow, type UnpolledWorkflow } from './worker-presence';

export interface ConnectOptions {
  /** Read the configuration from here instead of `process.env`. */
  env?: NodeJS.ProcessEnv;
  /** Or give it directly (it is then not read from the environment at all). */
  config?: TemporalConfig;
  /** How long to try reaching the server before giving up (default 5 s). */
  connectTimeoutMs?: number;
  queryTimeoutMs?: number;
  /**
   * The worker's data converter. Omitted: built from KYC_PAYLOAD_KEYS / KYC_PAYLOAD_KEYS_FILE in
   * `env` (or `process.env`), so the client reads and writes payloads encrypted like the worker;
   * with neither, `connect` throws `ConfigError` before connecting, unless
   * KYC_PAYLOAD_ENCRYPTION=off (tests only).
   */
  dataConverter?: DataConverter;
  /** Lookup keys of the person hashes; omitted: KYC_LOOKUP_KEYS / KYC_LOOKUP_KEYS_FILE of `env` (none: no hashes). */
  lookupKeys?: readonly LookupKey[];
  /**
   * Client interceptors, e.g. `startTracing(config).clientInterceptor()` (common/tracing.ts), which
   * starts a span per start, update or query and carries its context to the workflow.
   */
  interceptors?: WorkflowClientInterceptor[];
}

export interface KycClientOptions {
  queryTimeoutMs?: number;
  /** Lookup keys of the person hashes (client/person-lookup.ts); none: starts carry no hashes. */
  lookupKeys?: readonly LookupKey[];
  ownsConnection?: boolean;
  /** Accept a Temporal client without a payload codec (plain payloads: tests only). */
  plainPayloads?: boolean;
}

export class KycClient {
  readonly deviceApprovals: DeviceApprovals;
  readonly identityFlows: IdentityFlows;
  readonly phoneChecks: PhoneChecks;
  private readonly context: KycContext;

  /**
   * Wraps a Temporal client the caller already has (the caller keeps owning its connection).
   * Throws `ConfigError` when that client has no payload codec, unless `plainPayloads` is set:
   * personal data must not leave in plain text because a data converter was forgotten.
   */
  constructor(
    readonly temporal: Client,
    readonly config: TemporalConfig,
    options: KycClientOptions = {},
  ) {
    if (!options.plainPayloads && temporal.options.loadedDataConverter.payloadCodecs.length === 0) {
      throw new ConfigError([MISSING_PAYLOAD_KEYS]);
    }
    this.context = {
      client: temporal,
      config,
      queryTimeoutMs: options.queryTimeoutMs ?? DEFAULT_QUERY_TIMEOUT_MS,
      lookupKeys: options.lookupKeys ?? [],
    };
    this.ownsConnection = options.ownsConnection ?? false;
    this.deviceApprovals = new DeviceApprovals(this.context);
    this.identityFlows = new IdentityFlows(this.context);
    this.phoneChecks = new PhoneChecks(this.context);
  }

  private readonly ownsConnection: boolean;

  /**
   * Connects to the configured server. Throws `ConfigError` for a bad configuration and
   * `TemporalConnectionError` when the server cannot be reached.
   */
  static async connect(options: ConnectOptions = {}): Promise<KycClient> {
    const config = options.config ?? loadTemporalConfig(options.env);
    // Decided here, before any connection: no key (and no explicit KYC_PAYLOAD_ENCRYPTION=off) throws.
    const encryption = options.dataConverter ? undefined : loadPayloadEncryptionConfig(options.env);
    const dataConverter = options.dataConverter ?? createDataConverter(encryption);
    const plainPayloads = !options.dataConverter && encryption === undefined;
    const lookupKeys = options.lookupKeys ?? loadLookupKeys(options.env);
    if (!plainPayloads && !dataConverter.payloadCodecs?.length) throw new ConfigError([MISSING_PAYLOAD_KEYS]);
    let connection: Connection;
    try {
      // The profile's / TEMPORAL_TLS_* / TEMPORAL_API_KEY security travels with the address.
      connection = await connectTemporal(config, (connectionOptions) =>
        Connection.connect({ ...connectionOptions, connectTimeout: options.connectTimeoutMs ?? 5_000 }),
      );
    } catch (error) {
      if (error instanceof TemporalUnreachableError) throw new TemporalConnectionError(config.address, error.detail);
      throw error;
    }
    const client = new Client({
      connection,
      namespace: config.namespace,
      dataConverter,
      ...(options.interceptors ? { interceptors: { workflow: options.interceptors } } : {}),
    });
    return new KycClient(client, config, {
      queryTimeoutMs: options.queryTimeoutMs,
      ownsConnection: true,
      plainPayloads,
      lookupKeys,
    });
  }

  /**
   * The state of a completion notification's delivery (docs/notifications.md): `SENDING` while
   * attempts go on, then DELIVERED, GONE, REJECTED or FAILED. Takes the `deliveryWorkflowId` of a
   * flow's `notification` record (or the record itself). Throws the SDK's `WorkflowNotFoundError`
   * for an unknown id.
   */
  async notificationDelivery(delivery: string | { deliveryWorkflowId?: string }): Promise<DeliveryState> {
    const workflowId = typeof delivery === 'string' ? delivery : delivery.deliveryWorkflowId;
    if (!workflowId) throw new Error('this notification has no delivery (its status is NONE or NOT_SENT)');
    return this.temporal.workflow.getHandle(workflowId).query(deliveryStateQuery);
  }

  /**
   * Whether the workflow waits for a worker nobody runs: its workflow task scheduled for at least
   * `afterMs` milliseconds and no recent poller on its task queue (client/worker-presence.ts).
   */
  unpolledWorkflow(workflowId: string, afterMs: number): Promise<UnpolledWorkflow | undefined> {
    return unpolledWorkflow(this.context, workflowId, afterMs);
  }

  /** Closes the connection when `connect` opened it. */
  async close(): Promise<void> {
    if (this.ownsConnection) await this.temporal.connection.close();
  }
}
