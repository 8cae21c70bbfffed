/** Finds (or builds once, through scripts/go-tool.sh) the Temporal CLI, server and SQL schema tool. */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

export const PROJECT_ROOT = join(__dirname, '..', '..');

/** The binary's path; a build's progress goes to this process's stderr. */
export function resolveGoTool(tool: 'cli' | 'server' | 'sql-tool'): string {
  const path = execFileSync('bash', [join(PROJECT_ROOT, 'scripts', 'go-tool.sh'), tool], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  }).trim();
  if (!path) throw new Error(`scripts/go-tool.sh ${tool} printed no path`);
  return path;
}

export function resolveTemporalCli(): string {
  return resolveGoTool('cli');
}
