// A catalog entry for tests that build a registry by hand (the guardrail tests): every field a
// RegistryEntry needs, stored, stable, and the payload schema given.
import type { RegistryEntry } from '../../src/contracts/index.ts'

/** A stored, stable event entry of version 1 with `schema` as its payload schema. */
export function registryEntry(type: string, schema: Record<string, unknown>): RegistryEntry {
  return {
    type,
    version: 1,
    kind: 'event',
    summary: '',
    producers: [],
    consumers: [],
    stored: true,
    channel: 'text',
    ui: { render: 'json', icon: 'circle' },
    semantics: { delivery: 'at-least-once', ordering: 'none' },
    status: 'stable',
    aliases: [],
    origin: ['product'],
    schema,
    examples: [],
  }
}
