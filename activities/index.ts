/**
 * Activity factories: each takes its provider client, so activities stay thin and testable and
 * nothing provider-specific leaks into workflows (they import only the types below).
 */
import { createPhoneCheckActivities } from './phone-check';
import { createDeviceApprovalActivities } from './device-approval';
import { createIdentityFlowActivities } from './identity-flow';
import { createNotificationActivities } from './notification';

export {
  createPhoneCheckActivities,
  createDeviceApprovalActivities,
  createIdentityFlowActivities,
  createNotificationActivities,
};

export type PhoneCheckActivities = ReturnType<typeof createPhoneCheckActivities>;
export type DeviceApprovalActivities = ReturnType<typeof createDeviceApprovalActivities>;
export type IdentityFlowActivities = ReturnType<typeof createIdentityFlowActivities>;
