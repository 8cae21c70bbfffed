/**
 * A collector that cannot be reached while a process runs (common/tracing.ts): the real OTLP/HTTP
 * exporter, pointed at a loopback port nothing listens on, fails each batch; startTracing's
 * `onExportFailure` hears of it once, naming the endpoint without credentials, then no more often
 * than its interval allows. Without it, the SDK only tells its silent diagnostic logger.
 */
import { freePort } from '../../scripts/lib/free-port';
import { startTracing, type Tracing } from '../../common/tracing';

jest.setTimeout(60_000);

let tracing: Tracing | undefined;
afterEach(async () => {
  await tracing?.shutdown();
  tracing = undefined;
});

async function exportOneBatch(tracer: Tracing): Promise<void> {
  tracer.tracer.startSpan('kyc-test-span', { attributes: { workflowId: 'wf-1', phone: '13812345600' } }).end();
  // forceFlush settles once the batch's export has finished; it rejects with the export's error.
  await expect(tracer.spanProcessor.forceFlush()).rejects.toThrow(/ECONNREFUSED/);
}

it('warns once at the first failed batch, naming the endpoint without its credentials, then holds back', async () => {
  const port = await freePort();
  const warnings: string[] = [];
  tracing = startTracing(
    { tracesUrl: `http://user:pw@127.0.0.1:${port}/v1/traces?token=s3cret`, headers: {}, serviceName: 'kyc-test' },
    { onExportFailure: (message) => warnings.push(message) },
  );
  await exportOneBatch(tracing);
  expect(warnings).toHaveLength(1);
  expect(warnings[0]).toMatch(
    new RegExp(
      `^warning: traces not exported to http://127\\.0\\.0\\.1:${port}/v1/traces: .+ \\(a batch of spans lost; next warning in 300 s at the earliest\\)$`,
    ),
  );
  for (const secret of ['user', 'pw', 's3cret', '13812345600', 'kyc-test-span'])
    expect(warnings[0]).not.toContain(secret);

  await exportOneBatch(tracing);
  await exportOneBatch(tracing);
  expect(warnings).toHaveLength(1);
});

it('counts the batches lost since the last warning once the interval has passed', async () => {
  const port = await freePort();
  const warnings: string[] = [];
  tracing = startTracing(
    { tracesUrl: `http://127.0.0.1:${port}/v1/traces`, headers: {}, serviceName: 'kyc-test' },
    { onExportFailure: (message) => warnings.push(message), exportFailureIntervalMs: 0 },
  );
  await exportOneBatch(tracing);
  await exportOneBatch(tracing);
  expect(warnings).toHaveLength(2);
  expect(warnings[1]).toContain('(a batch of spans lost)');
});
