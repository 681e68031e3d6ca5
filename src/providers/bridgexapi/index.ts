export {
  createBridgeXApiProvider,
  type BridgeXApiOptions,
  type BridgeXApiProvider,
} from './bridgexapi-provider.js';
export { bridgeDetail, bridgeFailure } from './bridgexapi-errors.js';
export { mapBridgeStatus } from './bridgexapi-status.js';
export {
  decodeOrderTrackingId,
  encodeOrderTrackingId,
  isOrderTrackingId,
  type OrderTrackingRef,
} from './order-tracking-id.js';
