// Seed 004 pairing: a device proves its ed25519 key to the hub, the owner approves, and the device
// gets a member token bound to its peer id and key fingerprint (docs/principals-and-pairing.md).
export { pairWithHub } from './pairing-client.ts'
export { pairingMessage } from './pairing-keys.ts'
export { pairingTtlFromEnv } from './pairing-options.ts'
export type { CompleteInput, PairingView, StartInput } from './pairing-service.ts'
export { PairingService } from './pairing-service.ts'
export { WindowRateLimiter } from './rate-limit.ts'
