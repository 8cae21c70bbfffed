/**
 * The project's metric catalog (contracts/metrics.ts), its documentation (docs/observability.md)
 * and the sample Grafana dashboard agree: every metric the dashboard queries is documented, and
 * it groups and filters the project's metrics only by labels they carry. That the metrics are
 * really emitted under these names is checked against a live scrape in
 * test/integration/worker-observability.test.ts.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { KYC_METRICS, type MetricDefinition } from '../../contracts/metrics';
import { PROJECT_ROOT } from '../../scripts/lib/temporal-cli';
import { baseName, dashboardQueries, labelsOf, metricsOf } from '../support/dashboard';

const docs = readFileSync(join(PROJECT_ROOT, 'docs', 'observability.md'), 'utf8');
const byName = new Map<string, MetricDefinition>(KYC_METRICS.map((metric) => [metric.name, metric]));

/** The docs' table row of a metric: the line that starts with its name in backticks. */
function docRow(name: string): string | undefined {
  return docs.split('\n').find((line) => line.startsWith(`| \`${name}\``));
}

it('documents every project metric with its kind and labels', () => {
  for (const metric of KYC_METRICS) {
    const row = docRow(metric.name);
    expect(row).toBeDefined();
    expect(row).toContain(metric.kind);
    for (const label of [...metric.labels, ...metric.contextTags]) expect(row).toContain(`\`${label}\``);
  }
});

it('names each metric once and by Prometheus rules', () => {
  expect(byName.size).toBe(KYC_METRICS.length);
  for (const metric of KYC_METRICS) {
    expect(metric.name).toMatch(/^kyc_[a-z_]+$/);
    if (metric.kind === 'counter') expect(metric.name).toMatch(/_total$/);
  }
});

it('the dashboard queries only documented metrics', () => {
  const queries = dashboardQueries();
  expect(queries.length).toBeGreaterThan(0);
  const used = new Set(queries.flatMap(metricsOf));
  for (const series of used) {
    if (series.startsWith('kyc_')) {
      const metric = byName.get(baseName(series));
      expect(metric).toBeDefined();
      if (metric!.kind === 'counter') expect(series).toBe(metric!.name);
    } else {
      // SDK metrics: listed in the docs' table of the SDK metrics the dashboard uses.
      expect(docRow(baseName(series))).toBeDefined();
    }
  }
  // Every project metric has a panel.
  for (const metric of KYC_METRICS) expect([...used].map(baseName)).toContain(metric.name);
});

it("the dashboard groups and filters the project's metrics only by labels they carry", () => {
  for (const query of dashboardQueries()) {
    const metrics = metricsOf(query)
      .filter((series) => series.startsWith('kyc_'))
      .map((series) => byName.get(baseName(series))!);
    if (metrics.length === 0) continue;
    const allowed = new Set(['le', ...metrics.flatMap((metric) => [...metric.labels, ...metric.contextTags])]);
    for (const label of labelsOf(query))
      expect({ query, label, allowed: allowed.has(label) }).toMatchObject({ allowed: true });
  }
});
