import { mkdirSync, readFileSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

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

/** Where drawn ports are reserved, shared by every process of this user on the machine. */
export const PORT_RESERVATION_DIR = join(tmpdir(), 'kyc-port-reservations');

/**
 * How long a drawn port stays reserved: longer than the longest wait between a draw and the bind
 * (a cluster draws its 11 ports, then runs initdb and the schema tool before the server binds
 * them: tens of seconds on a loaded machine).
 */
export const PORT_RESERVATION_MS = 5 * 60_000;

function isFolder(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/**
 * Reserves `port` for this caller: false when another draw reserved it less than
 * PORT_RESERVATION_MS ago (`now` in ms since the epoch; `dir` defaults to PORT_RESERVATION_DIR). The file is created exclusively, so two processes drawing the same
 * number at once cannot both win; a stale reservation is taken over by refreshing its time.
 */
export function reservePort(port: number, now = Date.now(), dir = PORT_RESERVATION_DIR): boolean {
  const file = join(dir, String(port));
  try {
    mkdirSync(dir, { recursive: true });
    writeFileSync(file, String(process.pid), { flag: 'wx' });
    return true;
  } catch (error) {
    // The folder cannot be used (another user's, or a file in its place): draw without
    // reserving, as before reservations existed, rather than refuse every port.
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST' || !isFolder(dir)) return true;
  }
  try {
    if (now - statSync(file).mtimeMs < PORT_RESERVATION_MS) return false;
    const seconds = now / 1000;
    utimesSync(file, seconds, seconds);
    return true;
  } catch {
    return false;
  }
}

/**
 * A free loopback TCP port for a server that binds it a moment later.
 *
 * Picked at random from 20000–32767 minus the ephemeral range, so neither outgoing connections nor
 * other `listen(0)` callers can take it in between; and reserved for PORT_RESERVATION_MS in
 * PORT_RESERVATION_DIR, so another caller of this function (another test file's cluster or dev
 * server, drawing while ours still runs initdb) does not draw it too: that race once failed CI
 * with the server's "bind: address already in use". (Ports stay below 32768: the Temporal server
 * stores membership ports as a smallint.)
 *
 * @returns a port number in 20000–32767
 * @throws Error when no free port was found in 200 draws
 */
export async function freePort(): Promise<number> {
  const [ephemeralLow, ephemeralHigh] = ephemeralRange();
  for (let draw = 0; draw < 200; draw++) {
    const port = 20000 + Math.floor(Math.random() * (32768 - 20000));
    if (port >= ephemeralLow && port <= ephemeralHigh) continue;
    if (!(await canListen(port))) continue;
    if (reservePort(port)) return port;
  }
  throw new Error('no free loopback port found in 20000-32767');
}
