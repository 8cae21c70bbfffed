/**
 * The sample Grafana dashboard (deploy/grafana/kyc-dashboard.json) as tests read it: its PromQL
 * queries, the metric names they use and the labels they group or filter the project's metrics by.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../../scripts/lib/temporal-cli';

export const DASHBOARD_PATH = join(PROJECT_ROOT, 'deploy', 'grafana', 'kyc-dashboard.json');

interface Dashboard {
  panels: Array<{ title: string; targets: Array<{ expr: string }> }>;
}

export function dashboardQueries(): string[] {
  const dashboard = JSON.parse(readFileSync(DASHBOARD_PATH, 'utf8')) as Dashboard;
  return dashboard.panels.flatMap((panel) => panel.targets.map((target) => target.expr));
}

/** Metric names (as scraped: `_bucket`, `_count`, `_sum` kept) a query reads. */
export function metricsOf(query: string): string[] {
  return [...new Set(query.match(/\b(?:kyc|temporal)_[a-z0-9_]+/g) ?? [])];
}

/** Labels a query groups by (`by (...)`) or matches on (`{label=...}`), `le` included. */
export function labelsOf(query: string): string[] {
  const grouped = [...query.matchAll(/\bby \(([^)]*)\)/g)].flatMap((match) => match[1]!.split(','));
  const matched = [...query.matchAll(/\{([^}]*)\}/g)].flatMap((match) =>
    [...match[1]!.matchAll(/([A-Za-z_][A-Za-z0-9_]*)\s*(?:=~|!~|!=|=)/g)].map((label) => label[1]!),
  );
  return [...new Set([...grouped, ...matched].map((label) => label.trim()).filter(Boolean))];
}

/** A histogram's scraped series name back to the metric's name. */
export function baseName(series: string): string {
  return series.replace(/_(bucket|count|sum)$/, '');
}
