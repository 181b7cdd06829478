// One line of text per event, chosen by the catalog's render hint. Pure, so it is tested in Node;
// the React row only lays these strings out. Payloads are untrusted: everything is length-capped.
import type { Envelope } from '../../../src/contracts/index.ts'
import type { TypeHint } from './ui-hints.ts'

export const MAX_SUMMARY_CHARS = 200

type Payload = Record<string, unknown>

function payloadOf(event: Envelope): Payload {
  const payload = event.payload as unknown
  return payload !== null && typeof payload === 'object' && !Array.isArray(payload)
    ? (payload as Payload)
    : {}
}

function cap(text: string, max = MAX_SUMMARY_CHARS): string {
  const single = text.replace(/\s+/g, ' ').trim()
  return single.length > max ? `${single.slice(0, max - 1)}…` : single
}

function str(value: unknown): string | undefined {
  if (typeof value === 'string') return value
  if (typeof value === 'number' || typeof value === 'boolean') return String(value)
  return undefined
}

/** A compact `key=value` list of the scalar fields, for types with no dedicated line. */
export function compactPayload(payload: Payload, maxFields = 6): string {
  const parts: string[] = []
  for (const key of Object.keys(payload)) {
    if (parts.length >= maxFields) break
    const value = payload[key]
    const text = str(value)
    if (text !== undefined) parts.push(`${key}=${cap(text, 60)}`)
    else if (Array.isArray(value)) parts.push(`${key}=[${value.length}]`)
    else if (value !== null && typeof value === 'object') parts.push(`${key}={…}`)
  }
  return parts.join(' ')
}

function hashed(payload: Payload, field: string): string | undefined {
  const length = payload[`${field}_len`]
  return typeof length === 'number' ? `(${length} chars, hashed)` : undefined
}

function textOf(payload: Payload, field: string): string {
  const direct = str(payload[field])
  return direct ?? hashed(payload, field) ?? ''
}

type Summariser = (payload: Payload, event: Envelope) => string

const SUMMARISERS: Readonly<Record<string, Summariser>> = {
  chat_bubble: (p) => `${str(p.role) ?? 'user'}: ${textOf(p, 'text') || textOf(p, 'content')}`,
  stream: (p) => `stream ${str(p.streamId) ?? ''} ${str(p.reason) ?? ''}`,
  stream_chunk: (p) => {
    const data = p.data as Payload | undefined
    const text = str(data?.text)
    return text === undefined ? (hashed(p, 'data') ?? '') : `“${text}”`
  },
  token: (p) => (typeof p.text === 'string' ? `“${p.text}”` : textOf(p, 'text')),
  session_state: (p) =>
    `${str(p.sessionId) ?? ''}: ${str(p.from) ?? '?'} → ${str(p.to) ?? '?'} (${str(p.cause) ?? ''})`,
  step: (p) => {
    const duration = typeof p.durationMs === 'number' ? ` ${Math.round(p.durationMs)} ms` : ''
    return `${str(p.step) ?? ''} ${str(p.state) ?? ''}${duration}`
  },
  turn: (p) => {
    const duration = typeof p.durationMs === 'number' ? ` in ${Math.round(p.durationMs)} ms` : ''
    return `${str(p.sessionId) ?? ''} ${str(p.outcome) ?? str(p.inputType) ?? ''}${duration}`
  },
  error: (p) => {
    const error = p.error as Payload | undefined
    return `${str(p.code) ?? str(error?.code) ?? ''} ${str(p.message) ?? str(error?.message) ?? ''}`
  },
  approval: (p) => {
    const targets = Array.isArray(p.targets) ? p.targets.length : 0
    return `${str(p.action) ?? ''} ${str(p.decision) ?? str(p.tier) ?? ''} (${targets} target${targets === 1 ? '' : 's'})`
  },
  nudge: (p) => `${str(p.severity) ?? ''} ${str(p.title) ?? ''}`,
  interruptibility: (p) => `mode ${str(p.mode) ?? '?'}`,
  feedback: (p) => `${str(p.target) ?? ''} ${p.helpful === true ? 'helpful' : 'not helpful'}`,
  toast: (p) => `${str(p.level) ?? ''} ${str(p.title) ?? ''}`,
  rag_context: (p) => `${Array.isArray(p.hits) ? p.hits.length : 0} hits`,
  tool_call: (p) => `${str(p.tool) ?? str(p.name) ?? ''} ${compactPayload(p, 3)}`,
  llm_complete: (p) => {
    const usage = (p.usage ?? {}) as Payload
    return `complete ${compactPayload(usage, 4)}`
  },
}

/** The one-line text of an event row. */
export function eventSummary(event: Envelope, hint: TypeHint): string {
  const payload = payloadOf(event)
  const summarise = Object.hasOwn(SUMMARISERS, hint.render) ? SUMMARISERS[hint.render]! : undefined
  const text = summarise === undefined ? compactPayload(payload) : summarise(payload, event)
  return cap(text === '' ? compactPayload(payload) : text)
}

/** Ephemeral events carry no seq: they were never stored and are never replayed. */
export function isEphemeral(event: Pick<Envelope, 'seq'>): boolean {
  return typeof event.seq !== 'number'
}

/** HH:MM:SS.mmm in local time, or the raw value when it is not a date. */
export function formatTime(ts: string): string {
  const date = new Date(ts)
  if (Number.isNaN(date.getTime())) return cap(String(ts), 30)
  const pad = (value: number, width = 2) => String(value).padStart(width, '0')
  return `${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}.${pad(date.getMilliseconds(), 3)}`
}

/** Pretty JSON for the detail view, capped so a hostile payload cannot hang the page. */
export function eventDetail(event: Envelope, maxChars = 20_000): string {
  let text: string
  try {
    text = JSON.stringify(event, null, 2)
  } catch {
    text = '(not serialisable)'
  }
  return text.length > maxChars
    ? `${text.slice(0, maxChars)}\n… (${text.length - maxChars} more chars)`
    : text
}
