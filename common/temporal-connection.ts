/**
 * How every process of the project reaches Temporal — the worker (`NativeConnection`), the client
 * library and the `kyc` CLI (`Connection`), the scripts — from one reading of Temporal's
 * environment configuration (`@temporalio/envconfig`), the way the `temporal` CLI reads it:
 *
 * - a TOML profile (`[profile.<name>]`: `address`, `namespace`, `api_key`, `[profile.<name>.tls]`
 *   with `client_cert_path|_data`, `client_key_path|_data`, `server_ca_cert_path|_data`,
 *   `server_name`, `disabled`; `[profile.<name>.grpc_meta]`) from the file TEMPORAL_CONFIG_FILE
 *   names, else the user's default file (`$XDG_CONFIG_HOME` or `~/.config` + `/temporalio/temporal.toml`
 *   on Linux, `~/Library/Application Support/temporalio/temporal.toml` on macOS), when it exists;
 *   profile TEMPORAL_PROFILE, default `default`;
 * - environment variables over the profile, setting by setting: TEMPORAL_ADDRESS,
 *   TEMPORAL_NAMESPACE, TEMPORAL_API_KEY, TEMPORAL_TLS (`true`/`false`),
 *   TEMPORAL_TLS_CLIENT_CERT_PATH|_DATA, TEMPORAL_TLS_CLIENT_KEY_PATH|_DATA,
 *   TEMPORAL_TLS_SERVER_CA_CERT_PATH|_DATA, TEMPORAL_TLS_SERVER_NAME, TEMPORAL_GRPC_META_<NAME>.
 *
 * An API key turns TLS on (with the system's roots) unless TLS is disabled explicitly, as in
 * envconfig's `toClientOptions`. What envconfig accepts silently and would connect without the
 * security asked for is refused here with a `problems` line naming the setting: a client
 * certificate without its key (or the reverse), an unreadable certificate file, a key that does
 * not belong to its certificate, TEMPORAL_TLS_DISABLE_HOST_VERIFICATION (which the SDK cannot
 * honour), a TEMPORAL_CONFIG_FILE that does not exist.
 *
 * A variable set to an empty value counts as unset (common/environment.ts). This module depends on
 * nothing else of the project (config.ts wraps its problems into ConfigError).
 */
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { homedir, platform } from 'node:os';
import { isIP } from 'node:net';
import { isAbsolute, join } from 'node:path';
import { checkServerIdentity, connect as tlsConnect, type PeerCertificate } from 'node:tls';
import { inspect } from 'node:util';
import type { TLSConfig } from '@temporalio/client';
import { loadClientConfigProfile, toClientOptions, type ClientConfigProfile } from '@temporalio/envconfig';
import { withoutEmptyValues } from './environment';

/** The connection's security: TLS (mTLS when a client certificate pair is given), API key, gRPC metadata. */
export class TemporalConnectionSecurity {
  constructor(
    /** `true`: TLS with the system's roots; a TLSConfig: CA, server name, client pair; `false`: TLS disabled explicitly. */
    readonly tls: TLSConfig | boolean | undefined,
    /** Sent as `Authorization: Bearer <key>` by the SDK (Temporal Cloud API keys). A secret. */
    readonly apiKey: string | undefined,
    /** Extra gRPC headers (grpc_meta / TEMPORAL_GRPC_META_<NAME>). */
    readonly metadata: Record<string, string> | undefined,
  ) {}

  /** What is configured, without key material or the API key (safe to log). */
  describe(): string {
    const parts: string[] = [];
    if (this.tls === false) parts.push('TLS disabled');
    else if (this.tls === true) parts.push('TLS');
    else if (this.tls) parts.push(this.tls.clientCertPair ? 'mTLS (client certificate)' : 'TLS');
    if (this.apiKey) parts.push('API key');
    if (this.metadata && Object.keys(this.metadata).length)
      parts.push(`gRPC metadata ${Object.keys(this.metadata).join(', ')}`);
    return parts.join(', ') || 'plain';
  }

  toJSON(): string {
    return this.describe();
  }

  [inspect.custom](): string {
    return `TemporalConnectionSecurity(${this.describe()})`;
  }
}

/** The Temporal connection settings a profile and the environment give (address and namespace may be unset). */
export interface TemporalProfileSettings {
  address?: string;
  namespace?: string;
  /** Absent when the connection is plain (no TLS, API key or metadata configured). */
  security?: TemporalConnectionSecurity;
  /** The profile file read, if any. */
  profileFile?: string;
  profileName: string;
}

/** Connection options both `Connection.connect` (client) and `NativeConnection.connect` (worker) take. */
export interface TemporalConnectionOptions {
  address: string;
  tls?: TLSConfig | boolean;
  apiKey?: string;
  metadata?: Record<string, string>;
}

/** The user's default profile file, as envconfig and the `temporal` CLI locate it (undefined when no home is known). */
export function defaultProfileFile(env: NodeJS.ProcessEnv): string | undefined {
  switch (platform()) {
    case 'win32':
      return env.APPDATA ? join(env.APPDATA, 'temporalio', 'temporal.toml') : undefined;
    case 'darwin':
      return env.HOME ? join(env.HOME, 'Library', 'Application Support', 'temporalio', 'temporal.toml') : undefined;
    default: {
      const xdg = env.XDG_CONFIG_HOME;
      if (xdg) return isAbsolute(xdg) ? join(xdg, 'temporalio', 'temporal.toml') : undefined;
      const home = env.HOME ?? homedir();
      return home ? join(home, '.config', 'temporalio', 'temporal.toml') : undefined;
    }
  }
}

/** Only the variables envconfig reads, without undefined values (its `overrideEnvVars` shape). */
function temporalVariables(env: NodeJS.ProcessEnv): Record<string, string> {
  const picked: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) {
    if (value !== undefined && name.startsWith('TEMPORAL_')) picked[name] = value;
  }
  return picked;
}

const TLS_FIELDS = {
  clientCert: { variable: 'TEMPORAL_TLS_CLIENT_CERT', key: 'client_cert' },
  clientKey: { variable: 'TEMPORAL_TLS_CLIENT_KEY', key: 'client_key' },
  serverCACert: { variable: 'TEMPORAL_TLS_SERVER_CA_CERT', key: 'server_ca_cert' },
} as const;

/**
 * Reads the profile and the environment (rule above). Returns the settings and the problems found
 * (one line each, naming the variable or profile key, never key material); with problems the
 * settings must not be used.
 */
export function readTemporalProfile(processEnv: NodeJS.ProcessEnv): {
  settings: TemporalProfileSettings;
  problems: string[];
} {
  // An empty TEMPORAL_API_KEY or TEMPORAL_TLS_* is unset, not a setting (envconfig would turn TLS on).
  const env = withoutEmptyValues(processEnv);
  const problems: string[] = [];
  const profileName = env.TEMPORAL_PROFILE || 'default';
  const explicitFile = env.TEMPORAL_CONFIG_FILE || undefined;
  const fallbackFile = explicitFile ? undefined : defaultProfileFile(env);
  const profileFile = explicitFile ?? (fallbackFile && existsSync(fallbackFile) ? fallbackFile : undefined);
  const settings: TemporalProfileSettings = { profileName, ...(profileFile ? { profileFile } : {}) };
  if (explicitFile && !existsSync(explicitFile)) {
    problems.push(`TEMPORAL_CONFIG_FILE: cannot read ${explicitFile}`);
    return { settings, problems };
  }
  // Which setting a TLS file came from, for messages: the variable when it is set, else the profile's key.
  const where = (field: keyof typeof TLS_FIELDS, form: 'path' | 'data') => {
    const { variable, key } = TLS_FIELDS[field];
    const name = `${variable}_${form.toUpperCase()}`;
    return env[name] ? name : `tls.${key}_${form} of profile "${profileName}" in ${profileFile ?? '(no file)'}`;
  };

  let profile: ClientConfigProfile;
  try {
    profile = loadClientConfigProfile({
      ...(profileFile ? { configSource: { path: profileFile } } : { disableFile: true }),
      // Given explicitly, so TEMPORAL_PROFILE naming a profile the file lacks is an error, not a silent default.
      ...(profileFile && env.TEMPORAL_PROFILE ? { profile: env.TEMPORAL_PROFILE } : {}),
      overrideEnvVars: temporalVariables(env),
    });
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    problems.push(
      profileFile
        ? `TEMPORAL_CONFIG_FILE: profile "${profileName}" of ${profileFile}: ${reason}`
        : `TEMPORAL_PROFILE: ${reason}`,
    );
    return { settings, problems };
  }
  if (env.TEMPORAL_PROFILE && !profileFile) {
    problems.push(
      `TEMPORAL_PROFILE: is "${env.TEMPORAL_PROFILE}" but there is no profile file (set TEMPORAL_CONFIG_FILE; ${fallbackFile ?? 'no default file'} does not exist)`,
    );
  }
  if (env.TEMPORAL_TLS_DISABLE_HOST_VERIFICATION === 'true' || env.TEMPORAL_TLS_DISABLE_HOST_VERIFICATION === '1') {
    problems.push(
      'TEMPORAL_TLS_DISABLE_HOST_VERIFICATION: is not supported by the TypeScript SDK; give the name in the server certificate with TEMPORAL_TLS_SERVER_NAME instead',
    );
  }

  const tls = profile.tls;
  if (tls && tls.disabled !== true) {
    for (const field of Object.keys(TLS_FIELDS) as (keyof typeof TLS_FIELDS)[]) {
      const source = tls[field];
      if (source && 'path' in source && !isReadable(source.path)) {
        problems.push(`${where(field, 'path')}: cannot read ${source.path}`);
      }
    }
    if (Boolean(tls.clientCert) !== Boolean(tls.clientKey)) {
      const [given, missing] = tls.clientCert
        ? (['clientCert', 'clientKey'] as const)
        : (['clientKey', 'clientCert'] as const);
      const form = (field: 'clientCert' | 'clientKey') => (tls[field] && 'data' in tls[field] ? 'data' : 'path');
      problems.push(
        `${where(given, form(given))}: is set but the client ${missing === 'clientKey' ? 'key' : 'certificate'} is not ` +
          `(${TLS_FIELDS[missing].variable}_PATH or tls.${TLS_FIELDS[missing].key}_path); mTLS needs both`,
      );
    }
  }
  if (problems.length) return { settings, problems };

  const { connectionOptions, namespace } = toClientOptions(profile);
  const tlsConfig = connectionOptions.tls ?? undefined;
  if (tlsConfig && typeof tlsConfig === 'object' && tlsConfig.clientCertPair && tls?.clientCert && tls.clientKey) {
    const problem = certificatePairProblem(tlsConfig.clientCertPair.crt, tlsConfig.clientCertPair.key);
    if (problem) problems.push(`${where('clientCert', 'path' in tls.clientCert ? 'path' : 'data')}: ${problem}`);
  }
  const metadata =
    connectionOptions.metadata && Object.keys(connectionOptions.metadata).length
      ? (connectionOptions.metadata as Record<string, string>)
      : undefined;
  const apiKey =
    typeof connectionOptions.apiKey === 'string' && connectionOptions.apiKey ? connectionOptions.apiKey : undefined;
  if (tlsConfig !== undefined || apiKey || metadata) {
    settings.security = new TemporalConnectionSecurity(tlsConfig, apiKey, metadata);
  }
  if (connectionOptions.address) settings.address = connectionOptions.address;
  if (namespace) settings.namespace = namespace;
  return { settings, problems };
}

function isReadable(path: string): boolean {
  try {
    readFileSync(path);
    return true;
  } catch {
    return false;
  }
}

/** Why a client certificate and key cannot be used together, or undefined when they can (PEM, matching). */
function certificatePairProblem(crt: Uint8Array, key: Uint8Array): string | undefined {
  let certificate: X509Certificate;
  try {
    certificate = new X509Certificate(Buffer.from(crt));
  } catch {
    return 'is not a PEM certificate';
  }
  try {
    if (!certificate.checkPrivateKey(createPrivateKey(Buffer.from(key)))) {
      return 'the client key does not belong to this certificate';
    }
  } catch {
    return 'the client key is not a readable, unencrypted PEM private key';
  }
  return undefined;
}

/** The options to connect with: the address plus whatever security is configured. */
export function temporalConnectionOptions(config: {
  address: string;
  security?: TemporalConnectionSecurity;
}): TemporalConnectionOptions {
  const { security } = config;
  return {
    address: config.address,
    ...(security?.tls !== undefined ? { tls: security.tls } : {}),
    ...(security?.apiKey ? { apiKey: security.apiKey } : {}),
    ...(security?.metadata ? { metadata: security.metadata } : {}),
  };
}

/** host and port of a `host:port` address (`[v6]:port` too); undefined when it has no port. */
function hostAndPort(address: string): { host: string; port: number } | undefined {
  const match = /^\[?([^\]]+?)\]?:(\d+)$/.exec(address.trim());
  return match ? { host: match[1]!, port: Number(match[2]) } : undefined;
}

interface ProbeOutcome {
  /** The TLS handshake completed (and no alert followed within the wait). */
  ok: boolean;
  /** OpenSSL's / Node's error code, e.g. ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED, ECONNREFUSED. */
  code?: string;
  message?: string;
}

/**
 * One TLS handshake with the given settings, to learn why the SDK could not connect: gRPC reports
 * only "Failed to connect before the deadline", while the handshake says what the server refused.
 * With TLS 1.3 a server that requires a client certificate completes the handshake and then sends
 * a `certificate_required` alert (RFC 8446 §4.4.2.4), hence the short wait after it.
 */
function probeTls(
  target: { host: string; port: number },
  options: { tls?: TLSConfig; verify: boolean },
  timeoutMs = 3_000,
): Promise<ProbeOutcome> {
  return new Promise((resolve) => {
    const tlsConfig = options.tls ?? {};
    const servername = tlsConfig.serverNameOverride ?? (isIP(target.host) ? undefined : target.host);
    const socket = tlsConnect({
      host: target.host,
      port: target.port,
      ...(servername ? { servername } : {}),
      ALPNProtocols: ['h2'],
      rejectUnauthorized: options.verify,
      ...(tlsConfig.serverRootCACertificate ? { ca: Buffer.from(tlsConfig.serverRootCACertificate) } : {}),
      ...(tlsConfig.clientCertPair
        ? { cert: Buffer.from(tlsConfig.clientCertPair.crt), key: Buffer.from(tlsConfig.clientCertPair.key) }
        : {}),
      // The name is checked against serverNameOverride, as the SDK's connection does.
      ...(servername
        ? { checkServerIdentity: (_host: string, cert: PeerCertificate) => checkServerIdentity(servername, cert) }
        : {}),
    });
    let settled = false;
    const finish = (outcome: ProbeOutcome) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(outcome);
    };
    const timer = setTimeout(
      () => finish({ ok: false, code: 'ETIMEDOUT', message: 'no TLS answer in time' }),
      timeoutMs,
    );
    socket.once('secureConnect', () => setTimeout(() => finish({ ok: true }), 500));
    socket.once('error', (error: NodeJS.ErrnoException) =>
      finish({ ok: false, code: error.code, message: error.message }),
    );
    socket.once('close', () => finish({ ok: false, code: 'ECONNRESET', message: 'the server closed the connection' }));
  });
}

const CLIENT_CERT_SETTINGS =
  "set TEMPORAL_TLS_CLIENT_CERT_PATH and TEMPORAL_TLS_CLIENT_KEY_PATH (or client_cert_path and client_key_path in the profile's [profile.<name>.tls])";

/**
 * Why a connection with `security` to `address` fails, in words that name the setting to change,
 * or undefined when a TLS handshake does not tell (the SDK's own message must then do). Makes one
 * TLS connection to `address`: with the configured TLS settings, or, for a plain connection, to
 * see whether the server speaks TLS instead.
 */
export async function diagnoseConnectionFailure(
  address: string,
  security: TemporalConnectionSecurity | undefined,
): Promise<string | undefined> {
  const target = hostAndPort(address);
  if (!target) return undefined;
  const tls = security?.tls;
  const nothingListens = `nothing accepts connections on ${address} (is the server running, and is this its frontend address?)`;
  if (tls === undefined || tls === false) {
    const probe = await probeTls(target, { verify: false });
    if (probe.code === 'ECONNREFUSED') return nothingListens;
    return probe.ok || /ALERT/.test(probe.code ?? '')
      ? "the server speaks TLS and this connection is plain: configure TLS with a profile's [profile.<name>.tls] " +
          "or the TEMPORAL_TLS_* variables (TEMPORAL_TLS=true for TLS with the system's roots; see docs/operations.md)"
      : undefined;
  }
  const tlsConfig = tls === true ? undefined : tls;
  const probe = await probeTls(target, { tls: tlsConfig, verify: true });
  const code = probe.code ?? '';
  if (probe.ok) return undefined;
  if (code === 'ECONNREFUSED') return nothingListens;
  if (/CERTIFICATE_REQUIRED|HANDSHAKE_FAILURE/.test(code) && !tlsConfig?.clientCertPair) {
    return `the server requires a client certificate (mTLS): ${CLIENT_CERT_SETTINGS}`;
  }
  if (/UNKNOWN_CA|BAD_CERTIFICATE|CERTIFICATE_UNKNOWN|DECRYPT_ERROR/.test(code)) {
    return 'the server refused this client certificate: it must be signed by a CA the server trusts for clients';
  }
  if (/CERTIFICATE_EXPIRED|CERT_HAS_EXPIRED/.test(code))
    return "a certificate has expired (the server's or this client's)";
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID') {
    return (
      `the server's certificate does not name ${tlsConfig?.serverNameOverride ?? target.host}: ` +
      'set TEMPORAL_TLS_SERVER_NAME (or server_name in the profile) to a name it holds'
    );
  }
  if (/SELF_SIGNED|UNABLE_TO_VERIFY|UNABLE_TO_GET_ISSUER|LOCAL_ISSUER/.test(code)) {
    return (
      "the server's certificate is not signed by a CA this client trusts: " +
      'set TEMPORAL_TLS_SERVER_CA_CERT_PATH (or server_ca_cert_path in the profile) to its CA'
    );
  }
  if (/WRONG_VERSION_NUMBER|PACKET_LENGTH_TOO_LONG/.test(code) || code === 'ECONNRESET') {
    return 'the server does not speak TLS on this port: remove the TLS settings (or set TEMPORAL_TLS=false), or use its TLS port';
  }
  return probe.message ? `TLS handshake: ${probe.message}` : undefined;
}

/** Temporal could not be reached with the configured settings; the message says which setting to check. */
export class TemporalUnreachableError extends Error {
  override readonly name = 'TemporalUnreachableError';
  constructor(
    readonly address: string,
    /** The SDK's message and, when a TLS handshake tells, why (`diagnoseConnectionFailure`). */
    readonly detail: string,
    security: TemporalConnectionSecurity | undefined,
  ) {
    super(`cannot connect to Temporal at ${address} (${security?.describe() ?? 'plain'}): ${detail}`);
  }
}

/** Node's code for a TLS servername that is an IP address (https://nodejs.org/api/deprecations.html#DEP0123). */
const IP_SERVERNAME_WARNING = 'DEP0123';
let ipServernameWarningDropped = false;

/**
 * With TLS to an IP literal (`TEMPORAL_TLS=true` on 127.0.0.1:7233) and no server name, grpc-js
 * (the SDK's `Connection`) sets the TLS servername to that address anyway (its
 * channel-credentials, grpc/grpc-node#1919, open), which RFC 6066 §3 forbids ("Literal IPv4 and
 * IPv6 addresses are not permitted in HostName"), and Node prints DEP0123 at each process's first
 * connection: about the library's call, not the user's setup, which is valid (the certificate is
 * checked against the IP, as without the name). The project's own TLS probe sets no name for an IP.
 * Only that warning code is dropped, only in this case, once per process; every other warning
 * passes unchanged.
 */
function dropIpServernameWarning(): void {
  if (ipServernameWarningDropped) return;
  ipServernameWarningDropped = true;
  const emitWarning = process.emitWarning.bind(process) as (...args: unknown[]) => void;
  const codeOf = (args: unknown[]): unknown => {
    const [, second, third] = args;
    return typeof second === 'object' && second !== null ? (second as { code?: unknown }).code : third;
  };
  process.emitWarning = (...args: unknown[]) => {
    if (codeOf(args) === IP_SERVERNAME_WARNING) return;
    emitWarning(...args);
  };
}

/** TLS is on and the address's host is an IP literal, with no server name to send instead. */
function tlsToIpLiteral(config: { address: string; security?: TemporalConnectionSecurity }): boolean {
  const tls = config.security?.tls;
  if (tls === undefined || tls === false) return false;
  if (tls !== true && tls.serverNameOverride) return false;
  const target = hostAndPort(config.address);
  return target !== undefined && isIP(target.host) !== 0;
}

/**
 * Connects with `connect` (`Connection.connect` or `NativeConnection.connect`) and the configured
 * options; a failure becomes `TemporalUnreachableError`, with the reason a TLS handshake gives
 * (`diagnoseConnectionFailure`) when there is one.
 */
export async function connectTemporal<T>(
  config: { address: string; security?: TemporalConnectionSecurity },
  connect: (options: TemporalConnectionOptions) => Promise<T>,
): Promise<T> {
  if (tlsToIpLiteral(config)) dropIpServernameWarning();
  try {
    return await connect(temporalConnectionOptions(config));
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const diagnosis = await diagnoseConnectionFailure(config.address, config.security).catch(() => undefined);
    throw new TemporalUnreachableError(
      config.address,
      diagnosis ? `${message}; ${diagnosis}` : message,
      config.security,
    );
  }
}
