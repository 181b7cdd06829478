// Principals: tokens other than the hub's own, each with a role and the event types it may
// publish and read (docs/principals-and-pairing.md).
export type { PrincipalAccess } from './principal-access.ts'
export { principalAccess } from './principal-access.ts'
export { PrincipalStore } from './principal-store.ts'
export type { PrincipalRole, PrincipalView } from './principal-types.ts'
export { DEFAULT_MEMBER_SUBSCRIBE } from './principal-types.ts'
