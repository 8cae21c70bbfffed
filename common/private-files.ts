/**
 * Files that hold secrets (generated credentials, payload keys) and the folders that keep them:
 * readable by their owner only. Node's `mode` options apply only when a file or folder is created,
 * so an existing one (written by an older version with 0644, or by hand) is chmod-ed as well.
 * The compose services all run as the image's `node` user, so owner-only is enough for them.
 * The simulators' state files (the bank's holds CPFs) are written the same way.
 */
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';

/** Owner read/write only. */
export const PRIVATE_FILE_MODE = 0o600;
/** Owner only. */
export const PRIVATE_DIR_MODE = 0o700;

/** Writes `data` to `path` with mode 0600, also when the file already existed with another mode. */
export function writePrivateFile(path: string, data: string): void {
  writeFileSync(path, data, { mode: PRIVATE_FILE_MODE });
  chmodSync(path, PRIVATE_FILE_MODE);
}

/** Makes an existing file mode 0600 (a secrets file an older version wrote 0644). */
export function keepFilePrivate(path: string): void {
  chmodSync(path, PRIVATE_FILE_MODE);
}

/** Creates `dir` (and its parents) when missing, and makes it mode 0700 (parents are left as they are). */
export function makePrivateDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: PRIVATE_DIR_MODE });
  chmodSync(dir, PRIVATE_DIR_MODE);
}

/**
 * Creates `dir` (and its missing parents) mode 0700 when it does not exist yet; a folder that
 * already exists keeps its mode, since it may be shared (a state file put in /tmp).
 */
export function makePrivateDirWhenMissing(dir: string): void {
  // mkdirSync returns the first folder it created, undefined when `dir` already existed.
  const created = mkdirSync(dir, { recursive: true, mode: PRIVATE_DIR_MODE });
  if (created !== undefined) chmodSync(dir, PRIVATE_DIR_MODE);
}
