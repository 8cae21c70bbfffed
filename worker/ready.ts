/** The line the worker process prints once it polls; scripts and tests wait for it. */
export const WORKER_READY_LINE = 'kyc worker ready';

/** The line the standalone callback receiver (worker/callback-main.ts) prints once it listens. */
export const CALLBACK_RECEIVER_READY_LINE = 'kyc callback receiver ready';
