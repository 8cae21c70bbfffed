/** What every flow module of the library shares: one Temporal client and the validated configuration. */
import type { Client } from '@temporalio/client';
import type { LookupKey, TemporalConfig } from '../common/config';

export interface KycContext {
  client: Client;
  config: TemporalConfig;
  /** How long a query may wait for a worker to answer before the call gives up. */
  queryTimeoutMs: number;
  /** KYC_LOOKUP_KEYS: starts tag flows with person hashes under each; empty: no hashes, no lookups. */
  lookupKeys: readonly LookupKey[];
}

export const DEFAULT_QUERY_TIMEOUT_MS = 15_000;
