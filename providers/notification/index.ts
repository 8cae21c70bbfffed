export { signNotification, type SignedHeaders } from './signing';
export { classifyStatus, deliverOnce, type DeliveryAnswer, type DeliveryRequest } from './delivery';
