/**
 * Writes generated simulator credentials as one file per secret, in the layout the worker's
 * `*_FILE` variables and the simulators read (docker-compose mounts this folder into both).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadOrCreateDevCredentials, type DevCredentials } from './dev-credentials';

export const SECRET_FILE_NAMES = {
  bankApiClientKey: 'bank-api-client-key',
  bankPrivateKeyPem: 'bank-private-key.pem',
  esignAppId: 'esign-app-id',
  esignAppSecret: 'esign-app-secret',
  phoneToken: 'phone-token',
  payloadKeys: 'payload-keys',
} as const;

export async function writeSecretFiles(dir: string): Promise<DevCredentials> {
  mkdirSync(dir, { recursive: true });
  const credentials = await loadOrCreateDevCredentials(join(dir, 'dev-credentials.json'));
  for (const [field, name] of Object.entries(SECRET_FILE_NAMES)) {
    writeFileSync(join(dir, name), credentials[field as keyof typeof SECRET_FILE_NAMES], { mode: 0o644 });
  }
  return credentials;
}
