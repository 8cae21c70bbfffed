/**
 * The dev secrets (simulator credentials and the payload encryption key) are readable by their
 * owner only: the folder 0700, every file 0600, also when an older version left them 0644 / 0755.
 */
import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SECRET_FILE_NAMES, writeSecretFiles } from '../../scripts/lib/secret-files';

let root: string;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'kyc-secrets-'));
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

const modeOf = (path: string) => statSync(path).mode & 0o777;
const FILES = [...Object.values(SECRET_FILE_NAMES), 'dev-credentials.json'];

it('writes the folder 0700 and every secret file 0600', async () => {
  const dir = join(root, 'secrets');
  const credentials = await writeSecretFiles(dir);
  expect(modeOf(dir)).toBe(0o700);
  for (const name of FILES) expect({ name, mode: modeOf(join(dir, name)) }).toEqual({ name, mode: 0o600 });
  expect(readFileSync(join(dir, SECRET_FILE_NAMES.payloadKeys), 'utf8')).toBe(credentials.payloadKeys);
});

it('tightens a folder and files an older version left readable by others, keeping the credentials', async () => {
  const dir = join(root, 'secrets');
  const first = await writeSecretFiles(dir);
  chmodSync(dir, 0o755);
  for (const name of FILES) chmodSync(join(dir, name), 0o644);
  const again = await writeSecretFiles(dir);
  expect(again).toEqual(first);
  expect(modeOf(dir)).toBe(0o700);
  for (const name of FILES) expect({ name, mode: modeOf(join(dir, name)) }).toEqual({ name, mode: 0o600 });
});

it('rewrites credentials stored before payload encryption 0600', async () => {
  const dir = join(root, 'old');
  mkdirSync(dir, { mode: 0o755 });
  const { payloadKeys: _dropped, ...older } = await writeSecretFiles(join(root, 'source'));
  writeFileSync(join(dir, 'dev-credentials.json'), JSON.stringify(older), { mode: 0o644 });
  const upgraded = await writeSecretFiles(dir);
  expect(upgraded.payloadKeys).toBeTruthy();
  expect(modeOf(join(dir, 'dev-credentials.json'))).toBe(0o600);
});
