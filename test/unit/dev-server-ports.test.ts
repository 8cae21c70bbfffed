import { createServer, type Server } from 'node:net';
import { startDevServer } from '../../scripts/lib/dev-server';
import { freePort } from '../../scripts/lib/free-port';

describe('the dev-server launcher', () => {
  let other: Server;
  let port: number;

  beforeAll(async () => {
    port = await freePort();
    other = createServer();
    await new Promise<void>((resolve) => other.listen(port, '127.0.0.1', resolve));
  });
  afterAll(() => new Promise<void>((resolve) => other.close(() => resolve())));

  it('refuses a port another server holds, before starting anything, naming the port and the way out', async () => {
    // No binary is started: the path would fail if it were.
    await expect(startDevServer({ cliPath: '/nonexistent/temporal', port })).rejects.toThrow(
      new RegExp(
        `127\\.0\\.0\\.1:${port} \\(the dev server's gRPC port\\) is already in use.*--ports auto.*TEMPORAL_ADDRESS`,
      ),
    );
  });
});
