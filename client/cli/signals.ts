/** Ctrl-C during `watch` or a wait: end the long poll cleanly and exit with the conventional 130. */

export class InterruptedError extends Error {
  override readonly name: string = 'InterruptedError';
  constructor(message = 'interrupted') {
    super(message);
  }
}

/** An abort signal fired by the first SIGINT or SIGTERM; `dispose` stops listening for them. */
export interface InterruptScope {
  signal: AbortSignal;
  dispose(): void;
}

export function interruptScope(): InterruptScope {
  const controller = new AbortController();
  const abort = () => controller.abort();
  const dispose = () => {
    process.off('SIGINT', abort);
    process.off('SIGTERM', abort);
  };
  process.once('SIGINT', abort);
  process.once('SIGTERM', abort);
  controller.signal.addEventListener('abort', dispose);
  return { signal: controller.signal, dispose };
}

/** Aborts on the first SIGINT or SIGTERM of this process. */
export function interruptSignal(): AbortSignal {
  return interruptScope().signal;
}

export function throwIfInterrupted(signal: AbortSignal): void {
  if (signal.aborted) throw new InterruptedError();
}
