/**
 * Writes generated simulator credentials as one file per secret, in the layout the worker's
 * `*_FILE` variables and the simulators read (docker-compose mounts this folder into both). The
 * folder is made 0700 and every file 0600 (common/private-files.ts): they include the payload
 * encryption key.
 */
import { join } from 'node:path';
import { makePrivateDir, writePrivateFile } from '../../common/private-files';
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
  makePrivateDir(dir);
  const credentials = await loadOrCreateDevCredentials(join(dir, 'dev-credentials.json'));
  for (const [field, name] of Object.entries(SECRET_FILE_NAMES)) {
    writePrivateFile(join(dir, name), credentials[field as keyof typeof SECRET_FILE_NAMES]);
  }
  return credentials;
}
