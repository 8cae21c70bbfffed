/**
 * Polls `read` every `intervalMs` (100 ms by default) until `done` holds, for up to 60 s.
 *
 * @returns the value that satisfied `done`
 * @throws Error naming `what` and the last value read, when 60 s pass first
 */
export async function waitFor<T>(
  read: () => T | Promise<T>,
  done: (value: T) => boolean,
  what: string,
  intervalMs = 100,
): Promise<T> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; last: ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
