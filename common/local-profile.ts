/**
 * The local stack's connection settings, so nobody copies an address or a key by hand: `npm run
 * demo` writes a Temporal environment-configuration profile (`temporal.toml`, the format of
 * `@temporalio/envconfig` and of the `temporal` CLI's TEMPORAL_CONFIG_FILE) and the payload key
 * file next to it; the `kyc` CLI reads them. One rule, setting by setting:
 *
 *   explicit (CLI option, then environment variable) > profile > checkout default.
 *
 * - Profile: the file named by TEMPORAL_CONFIG_FILE, else `<data dir>/temporal.toml` when it
 *   exists (which then becomes TEMPORAL_CONFIG_FILE), else the user's default profile file; profile
 *   TEMPORAL_PROFILE, default `default`. It gives TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE,
 *   TEMPORAL_API_KEY and the TEMPORAL_TLS_* settings when they are not set: the library reads it
 *   (common/temporal-connection.ts), as the worker does.
 * - Key: unless KYC_PAYLOAD_KEYS or KYC_PAYLOAD_KEYS_FILE is set, the `payload-keys` file next
 *   to that profile (without a profile: `<data dir>/payload-keys`) becomes KYC_PAYLOAD_KEYS_FILE
 *   when it exists; KYC_PAYLOAD_ENCRYPTION=off is then refused (ConfigError), since that stack
 *   encrypts.
 * - Data dir: KYC_DATA_DIR, else `.data` of this checkout (where `npm run demo` writes).
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { ConfigError } from './config';
import { withoutEmptyValues } from './environment';
import { writePrivateFile } from './private-files';

export const PROFILE_FILE_NAME = 'temporal.toml';
export const PAYLOAD_KEYS_FILE_NAME = 'payload-keys';

// The checkout's root: one level up from common/ when run from source, two from lib/common/ when
// compiled (`npm run build`); the root is where package.json is.
const CHECKOUT_ROOT =
  [join(__dirname, '..'), join(__dirname, '..', '..')].find((dir) => existsSync(join(dir, 'package.json'))) ??
  join(__dirname, '..');
/** `.data` of this checkout: `npm run demo`'s default `--data-dir` (also for the compiled CLI). */
export const CHECKOUT_DATA_DIR = join(CHECKOUT_ROOT, '.data');

export interface LocalSettings {
  /** The environment with the profile's and the key file's settings filled in where missing. */
  env: NodeJS.ProcessEnv;
  /** The profile file read, if any. */
  profileFile?: string;
  /** The key file taken as KYC_PAYLOAD_KEYS_FILE, if any. */
  payloadKeysFile?: string;
}

/** Applies the rule above to `env` (not modified). Throws `ConfigError` for a missing profile file. */
export function withLocalSettings(processEnv: NodeJS.ProcessEnv): LocalSettings {
  const env = withoutEmptyValues(processEnv);
  const resolved: NodeJS.ProcessEnv = { ...env };
  const dataDir = env.KYC_DATA_DIR || CHECKOUT_DATA_DIR;
  const checkoutProfile = join(dataDir, PROFILE_FILE_NAME);
  const profileFile = env.TEMPORAL_CONFIG_FILE || (existsSync(checkoutProfile) ? checkoutProfile : undefined);

  if (profileFile) {
    if (!existsSync(profileFile)) throw new ConfigError([`TEMPORAL_CONFIG_FILE: cannot read ${profileFile}`]);
    // Read (with TLS, API key and the environment over it) where every connection's settings are read.
    resolved.TEMPORAL_CONFIG_FILE = profileFile;
  }

  let payloadKeysFile: string | undefined;
  const keysGiven = env.KYC_PAYLOAD_KEYS || env.KYC_PAYLOAD_KEYS_FILE;
  if (!keysGiven) {
    const candidate = join(profileFile ? dirname(profileFile) : dataDir, PAYLOAD_KEYS_FILE_NAME);
    if (existsSync(candidate) && env.KYC_PAYLOAD_ENCRYPTION === 'off') {
      // The stack found here encrypts: plain payloads sent to it would put personal data in clear
      // in its history, which is what the switch must never do by accident.
      throw new ConfigError([
        `KYC_PAYLOAD_ENCRYPTION: is off, but the stack this profile points at encrypts with the key in ${candidate}; ` +
          'unset KYC_PAYLOAD_ENCRYPTION, or set KYC_DATA_DIR / TEMPORAL_CONFIG_FILE to a stack without a key',
      ]);
    }
    if (existsSync(candidate)) {
      payloadKeysFile = candidate;
      resolved.KYC_PAYLOAD_KEYS_FILE = candidate;
    }
  }
  return { env: resolved, profileFile, payloadKeysFile };
}

export interface LocalStack {
  address: string;
  namespace: string;
  /** The codec server's URL: the `temporal` CLI reads it from the profile (`[profile.default.codec]`). */
  codecEndpoint: string;
  /** KYC_PAYLOAD_KEYS text. */
  payloadKeys: string;
}

/** TOML basic string: the values here are addresses and URLs, so escaping quotes and backslashes is enough. */
function tomlString(value: string): string {
  return `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

/**
 * Writes `<dir>/temporal.toml` (profile `default`) and `<dir>/payload-keys` (mode 0600) for the
 * stack just started. Returns the two paths.
 */
export function writeLocalSettings(dir: string, stack: LocalStack): { profileFile: string; payloadKeysFile: string } {
  mkdirSync(dir, { recursive: true });
  const profileFile = join(dir, PROFILE_FILE_NAME);
  const payloadKeysFile = join(dir, PAYLOAD_KEYS_FILE_NAME);
  writeFileSync(
    profileFile,
    [
      '# Written by `npm run demo`: the local stack, for `kyc` and `temporal` (TEMPORAL_CONFIG_FILE).',
      `# The payload key is in ${PAYLOAD_KEYS_FILE_NAME} next to this file; kyc reads it from there.`,
      '[profile.default]',
      `address = ${tomlString(stack.address)}`,
      `namespace = ${tomlString(stack.namespace)}`,
      '',
      '[profile.default.codec]',
      `endpoint = ${tomlString(stack.codecEndpoint)}`,
      '',
    ].join('\n'),
  );
  writePrivateFile(payloadKeysFile, `${stack.payloadKeys}\n`);
  return { profileFile, payloadKeysFile };
}
