/**
 * The phone gateway simulator alone in a process of its own, for the benchmark's rate part
 * (benchmarks/run.ts starts it like a worker): the simulator stamps each call when its event loop
 * takes the request, so it must not share an event loop with the benchmark's client, which sends
 * a burst's starts and result requests all at once. Listens on 127.0.0.1:BENCH_GATEWAY_PORT and
 * accepts PHONE_TOKEN.
 */
import { startPhoneGatewaySimulator } from '../simulators/phone-gateway';
import { WORKER_READY_LINE } from '../worker/ready';

async function main(): Promise<void> {
  const { BENCH_GATEWAY_PORT, PHONE_TOKEN } = process.env;
  if (!BENCH_GATEWAY_PORT || !PHONE_TOKEN) throw new Error('BENCH_GATEWAY_PORT and PHONE_TOKEN are required');
  const simulator = await startPhoneGatewaySimulator({
    host: '127.0.0.1',
    port: Number(BENCH_GATEWAY_PORT),
    token: PHONE_TOKEN,
  });
  console.log(`${WORKER_READY_LINE}: phone gateway simulator at ${simulator.url}`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
