import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';

/**
 * The kernel's ephemeral range (Linux: /proc/sys/net/ipv4/ip_local_port_range, usually
 * 32768–60999). Outgoing connections take their local ports from it, so a port the OS handed out
 * with `listen(0)` and that was closed again can be taken by any new connection before our server
 * binds it (seen as EADDRINUSE on busy machines).
 */
function ephemeralRange(): [number, number] {
  try {
    const [low, high] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number);
    if (low && high && low <= high) return [low, high];
  } catch {
    // Not Linux: assume the IANA dynamic range.
  }
  return [49152, 65535];
}

/** Whether a server could bind `port` on `host` now (it is closed again at once). */
export function canListen(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.unref();
    server.once('error', () => resolve(false));
    server.listen(port, host, () => server.close(() => resolve(true)));
  });
}

/**
 * A free loopback TCP port for a server that binds it a moment later.
 *
 * Picked at random from 20000–32767 minus the ephemeral range, so neither outgoing connections nor
 * other `listen(0)` callers can take it in between; the only remaining race is another caller of
 * this function drawing the same number, which the random draw over ~12,000 ports makes rare.
 * (Ports stay below 32768: the Temporal server stores membership ports as a smallint.)
 *
 * @returns a port number in 20000–32767
 * @throws Error when no free port was found in 200 draws
 */
export async function freePort(): Promise<number> {
  const [ephemeralLow, ephemeralHigh] = ephemeralRange();
  for (let draw = 0; draw < 200; draw++) {
    const port = 20000 + Math.floor(Math.random() * (32768 - 20000));
    if (port >= ephemeralLow && port <= ephemeralHigh) continue;
    if (await canListen(port)) return port;
  }
  throw new Error('no free loopback port found in 20000-32767');
}
