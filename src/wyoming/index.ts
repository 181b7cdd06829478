// The Wyoming protocol's framing (Rhasspy / Home Assistant voice services), shared by the voice
// skills' Wyoming clients, the hub's Wyoming server for satellites and the tests' loopback peers.

export { engineChoiceHealth } from './engine-health.ts'
export type { WyomingEvent } from './wyoming-events.ts'
export { encodeWyomingEvent, parseWyomingUri, WyomingReader } from './wyoming-events.ts'
export { wyomingInfoData } from './wyoming-info.ts'
