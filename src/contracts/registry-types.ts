// The shape of the merged machine index, catalog/dist/registry.json. The catalog folder loader
// produces it; the validator, the bus and the generators consume it.

export type EventKind = 'event' | 'command' | 'reply'
export type EntryStatus = 'draft' | 'stable' | 'deprecated'
export type Delivery = 'at-least-once' | 'at-most-once'
export type Ordering = 'session' | 'none'
export type Channel =
  | 'text'
  | 'voice'
  | 'control_room'
  | 'ops'
  | 'tool'
  | 'rag'
  | 'scrape'
  | 'compiler'
  | 'neuro'

export interface UiHint {
  render: string
  icon: string
}

export interface Semantics {
  delivery: Delivery
  ordering: Ordering
  /** Payload field whose value becomes the idempotency key when the producer sets none. */
  idempotencyKey?: string
}

export interface RegistryEntry {
  type: string
  version: number
  kind: EventKind
  summary: string
  producers: string[]
  consumers: string[]
  stored: boolean
  channel: Channel
  ui: UiHint
  semantics: Semantics
  status: EntryStatus
  aliases: string[]
  /** Which seed(s) or `product` the type comes from. */
  origin: string[]
  /** JSON Schema 2020-12 of the payload (with `x-redact` annotations). */
  schema: Record<string, unknown>
  examples: Record<string, unknown>[]
}

export interface RegistryDocument {
  catalogVersion: string
  envelope: Record<string, unknown>
  result: Record<string, unknown>
  hubManifest: Record<string, unknown>
  entries: RegistryEntry[]
}

export function entryKey(type: string, version: number): string {
  return `${type}@${version}`
}
