/**
 * The notify URL given to the e-signature platform must outlive any one worker: the platform calls
 * it when the flow ends, possibly hours later, and a receiver that is gone by then loses the
 * callback (the flow then ends only at its next poll). A per-worker address cannot be told from a
 * stable one in general (a single-host deployment may rightly use its own name), so this only
 * recognises the clear case — ESIGN_NOTIFY_URL names this very host (its hostname or one of its
 * non-loopback interface addresses, e.g. a pod's IP) — and the worker warns about it.
 */
import { hostname, networkInterfaces } from 'node:os';

/** This host's own names: its hostname and its non-loopback interface addresses (lower case, IPv6 without brackets). */
function ownHostNames(): Set<string> {
  const names = new Set<string>([hostname().toLowerCase()]);
  for (const addresses of Object.values(networkInterfaces())) {
    for (const address of addresses ?? []) if (!address.internal) names.add(address.address.toLowerCase());
  }
  return names;
}

/**
 * A warning when `notifyUrl` (ESIGN_NOTIFY_URL) names this host, which with more than one worker
 * (or a worker that is replaced) is a per-worker address; undefined otherwise (also for loopback,
 * which is the single-machine development setup, and when no URL is set).
 */
export function perHostNotifyUrlWarning(
  notifyUrl: string | undefined,
  ownNames: Set<string> = ownHostNames(),
): string | undefined {
  if (!notifyUrl) return undefined;
  const host = new URL(notifyUrl).hostname.toLowerCase().replace(/^\[|\]$/g, '');
  if (!ownNames.has(host)) return undefined;
  return (
    `ESIGN_NOTIFY_URL names this host (${host}): callbacks for flows started here are lost when it goes away. ` +
    'Give the platform one stable address instead: a load balancer or service name in front of the callback receivers ' +
    '(CALLBACK_RECEIVER=off and `npm run callback-receiver` to run them as their own service; see docs/operations.md)'
  );
}
