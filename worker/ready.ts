/** The line the worker process prints once it polls; scripts and tests wait for it. */
export const WORKER_READY_LINE = 'kyc worker ready';
