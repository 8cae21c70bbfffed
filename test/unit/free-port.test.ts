import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PORT_RESERVATION_DIR, PORT_RESERVATION_MS, freePort, reservePort } from '../../scripts/lib/free-port';

describe('freePort', () => {
  it('reserves what it draws, so a second draw anywhere on the machine skips it until the reservation is stale', async () => {
    const port = await freePort();
    const file = join(PORT_RESERVATION_DIR, String(port));
    expect(existsSync(file)).toBe(true);
    expect(readFileSync(file, 'utf8')).toBe(String(process.pid));

    // Another process drawing the same number while ours has not bound it yet loses.
    expect(reservePort(port)).toBe(false);
    expect(reservePort(port, statSync(file).mtimeMs + PORT_RESERVATION_MS - 1000)).toBe(false);
    // A reservation older than PORT_RESERVATION_MS (its owner bound and left, or died) is taken over.
    const later = statSync(file).mtimeMs + PORT_RESERVATION_MS + 1000;
    expect(reservePort(port, later)).toBe(true);
    expect(Math.abs(statSync(file).mtimeMs - later)).toBeLessThan(1000);
  });

  it('never hands out the same port twice in a run of draws', async () => {
    const ports = [];
    for (let i = 0; i < 40; i++) ports.push(await freePort());
    expect(new Set(ports).size).toBe(ports.length);
    for (const port of ports) expect(port >= 20000 && port < 32768).toBe(true);
  });

  it('draws without reserving when the reservation folder cannot be used (a file in its place)', () => {
    const parent = mkdtempSync(join(tmpdir(), 'kyc-free-port-'));
    try {
      const notAFolder = join(parent, 'kyc-port-reservations');
      writeFileSync(notAFolder, 'x');
      // Every draw used to count as reserved by someone else: "no free loopback port found".
      expect(reservePort(24_000, Date.now(), notAFolder)).toBe(true);
      expect(reservePort(24_000, Date.now(), notAFolder)).toBe(true);
    } finally {
      rmSync(parent, { recursive: true, force: true });
    }
  });
});
