// The workflow bundle's entry point: every workflow type the worker registers.
export * from './phone-check';
export * from './device-approval';
export * from './identity-flow';
export * from './phone-gateway-slots';
export { completionNotificationWorkflow } from './completion-notification';
