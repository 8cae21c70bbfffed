/** Finds (or builds once, through scripts/temporal-cli.sh) the Temporal CLI binary. */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

export const PROJECT_ROOT = join(__dirname, '..', '..');

export function resolveTemporalCli(): string {
  const path = execFileSync('bash', [join(PROJECT_ROOT, 'scripts', 'temporal-cli.sh')], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  }).trim();
  if (!path) throw new Error('scripts/temporal-cli.sh printed no path');
  return path;
}
