// How each event type is shown: its channel (seed 003 grouping), render kind and icon, as the
// catalog declares them. The build turns catalog/registry.yaml into this table (web/build/), so the
// page never hand-copies the catalog; types the catalog does not know get a hint from their namespace.
import type { Channel } from '../../../src/contracts/index.ts'

export interface TypeHint {
  channel: Channel
  render: string
  icon: string
  /** False for ephemeral types (never stored, no seq). */
  stored: boolean
  summary: string
}

export type UiHints = Readonly<Record<string, TypeHint>>

export const CHANNELS: readonly Channel[] = [
  'text',
  'voice',
  'control_room',
  'ops',
  'tool',
  'rag',
  'scrape',
  'compiler',
  'neuro',
]

const CHANNEL_BY_NAMESPACE: Readonly<Record<string, Channel>> = {
  chat: 'text',
  stream: 'text',
  llm: 'text',
  turn: 'text',
  voice: 'voice',
  stt: 'voice',
  tts: 'voice',
  avatar: 'voice',
  control_room: 'control_room',
  approval: 'control_room',
  ui: 'control_room',
  nudge: 'control_room',
  tool: 'tool',
  fs: 'tool',
  rag: 'rag',
  retrieval: 'rag',
  indexing: 'rag',
  memory: 'rag',
  scrape: 'scrape',
  compiler: 'compiler',
  neuro: 'neuro',
  persona: 'neuro',
}

interface RegistryLike {
  entries?: unknown
}

function isChannel(value: unknown): value is Channel {
  return typeof value === 'string' && (CHANNELS as readonly string[]).includes(value)
}

/**
 * The hint table from a parsed registry (registry.yaml or catalog/dist/registry.json). For a type
 * with several versions the highest wins. Entries that are not well-formed are skipped.
 */
export function hintsFromRegistry(registry: RegistryLike): Record<string, TypeHint> {
  const table: Record<string, TypeHint & { version: number }> = Object.create(null)
  const entries = Array.isArray(registry.entries) ? registry.entries : []
  for (const raw of entries) {
    if (raw === null || typeof raw !== 'object') continue
    const entry = raw as Record<string, unknown>
    const ui = entry.ui as Record<string, unknown> | undefined
    if (typeof entry.type !== 'string' || !isChannel(entry.channel)) continue
    if (typeof ui?.render !== 'string' || typeof ui.icon !== 'string') continue
    const version = typeof entry.version === 'number' ? entry.version : 1
    const previous = table[entry.type]
    if (previous !== undefined && previous.version > version) continue
    table[entry.type] = {
      version,
      channel: entry.channel,
      render: ui.render,
      icon: ui.icon,
      stored: entry.stored !== false,
      summary: typeof entry.summary === 'string' ? entry.summary : '',
    }
  }
  const hints: Record<string, TypeHint> = Object.create(null)
  for (const [type, { version: _version, ...hint }] of Object.entries(table)) hints[type] = hint
  return hints
}

/** The catalog's hint, or one derived from the namespace for types the catalog does not know. */
export function hintFor(type: string, hints: UiHints): TypeHint {
  const known = Object.hasOwn(hints, type) ? hints[type] : undefined
  if (known !== undefined) return known
  const namespace = type.split('.')[0] ?? ''
  return {
    channel: Object.hasOwn(CHANNEL_BY_NAMESPACE, namespace) ? CHANNEL_BY_NAMESPACE[namespace]! : 'ops',
    render: 'generic',
    icon: 'dot',
    stored: true,
    summary: '',
  }
}
