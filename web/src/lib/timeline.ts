// One turn as a waterfall: the pipeline's steps from their pipeline.status start/done pairs, plus
// time to first token from stream.start to the first chunk (chunks are live-only, so that needs the
// page to have been open during the turn; otherwise llm.complete's usage is used when it has it).
import type { Envelope } from '../../../src/contracts/index.ts'

export type StepState = 'done' | 'skipped' | 'error' | 'running'

export interface TimelineStep {
  label: string
  pipelineId: string
  state: StepState
  /** Offset from the turn's first event, in milliseconds. */
  startMs: number
  durationMs: number
  skill?: string
  errorCode?: string
}

export interface TimelineMark {
  label: string
  atMs: number
}

export interface Timeline {
  traceId: string
  startTs?: string
  totalMs: number
  steps: TimelineStep[]
  marks: TimelineMark[]
  ttftMs?: number
  outcome?: string
  events: Envelope[]
}

const MARKED_TYPES = ['turn.start', 'stream.start', 'stream.end', 'turn.end', 'error.raised']
const FIRST_TOKEN_TYPES = new Set(['stream.chunk', 'llm.token'])

function timeOf(event: Envelope): number {
  const value = Date.parse(event.ts)
  return Number.isFinite(value) ? value : Number.NaN
}

function field(event: Envelope, name: string): unknown {
  const payload = event.payload as Record<string, unknown> | null
  return payload !== null && typeof payload === 'object' ? payload[name] : undefined
}

/** The trace's events, deduplicated by id, in log order (seq, then time for ephemeral ones). */
export function traceEvents(events: readonly Envelope[], traceId: string): Envelope[] {
  const seen = new Set<string>()
  const picked: Envelope[] = []
  for (const event of events) {
    if (event.traceId !== traceId || !Number.isFinite(timeOf(event))) continue
    const key = event.id ?? `${event.type}:${event.ts}:${event.seq}`
    if (seen.has(key)) continue
    seen.add(key)
    picked.push(event)
  }
  return picked.sort(
    (a, b) =>
      timeOf(a) - timeOf(b) || (a.seq ?? Number.MAX_SAFE_INTEGER) - (b.seq ?? Number.MAX_SAFE_INTEGER),
  )
}

function usageTtft(events: readonly Envelope[]): number | undefined {
  for (const event of events) {
    if (event.type !== 'llm.complete') continue
    const usage = field(event, 'usage') as Record<string, unknown> | undefined
    for (const name of ['ttftMs', 'firstTokenMs', 'ttft_ms']) {
      const value = usage?.[name]
      if (typeof value === 'number' && value >= 0) return value
    }
  }
  return undefined
}

export function buildTimeline(all: readonly Envelope[], traceId: string): Timeline {
  const events = traceEvents(all, traceId)
  if (events.length === 0) return { traceId, totalMs: 0, steps: [], marks: [], events }
  const t0 = timeOf(events[0]!)
  const tEnd = timeOf(events.at(-1)!)
  const open = new Map<string, { event: Envelope; index: number }>()
  const steps: TimelineStep[] = []
  for (const event of events) {
    if (event.type !== 'pipeline.status') continue
    const pipelineId = String(field(event, 'pipelineId') ?? '')
    const label = String(field(event, 'step') ?? '?')
    const index = field(event, 'stepIndex')
    const key = `${pipelineId}|${typeof index === 'number' ? index : label}`
    const state = field(event, 'state')
    const skill = field(event, 'skill')
    if (state === 'start') {
      open.set(key, { event, index: steps.length })
      steps.push({
        label,
        pipelineId,
        state: 'running',
        startMs: timeOf(event) - t0,
        durationMs: Math.max(0, tEnd - timeOf(event)),
        ...(typeof skill === 'string' ? { skill } : {}),
      })
      continue
    }
    if (state !== 'done' && state !== 'skipped' && state !== 'error') continue
    const started = open.get(key)
    open.delete(key)
    const reported = field(event, 'durationMs')
    const errorCode = field(event, 'errorCode')
    const startMs = started === undefined ? timeOf(event) - t0 : timeOf(started.event) - t0
    const measured = started === undefined ? 0 : timeOf(event) - timeOf(started.event)
    const step: TimelineStep = {
      label,
      pipelineId,
      state,
      startMs,
      durationMs: typeof reported === 'number' && reported >= 0 ? reported : Math.max(0, measured),
      ...(typeof skill === 'string' ? { skill } : {}),
      ...(typeof errorCode === 'string' ? { errorCode } : {}),
    }
    if (started === undefined) steps.push(step)
    else steps[started.index] = { ...steps[started.index]!, ...step }
  }
  const marks: TimelineMark[] = []
  for (const type of MARKED_TYPES) {
    const event = events.find((candidate) => candidate.type === type)
    if (event !== undefined) marks.push({ label: type, atMs: timeOf(event) - t0 })
  }
  const start = events.find((event) => event.type === 'stream.start')
  const first =
    start === undefined
      ? undefined
      : events.find((event) => FIRST_TOKEN_TYPES.has(event.type) && timeOf(event) >= timeOf(start))
  if (first !== undefined) marks.push({ label: 'first token', atMs: timeOf(first) - t0 })
  marks.sort((a, b) => a.atMs - b.atMs)
  const ttftMs =
    start !== undefined && first !== undefined ? timeOf(first) - timeOf(start) : usageTtft(events)
  const end = events.find((event) => event.type === 'turn.end')
  const outcome = end === undefined ? undefined : field(end, 'outcome')
  return {
    traceId,
    startTs: events[0]!.ts,
    totalMs: tEnd - t0,
    steps,
    marks,
    ...(ttftMs === undefined ? {} : { ttftMs }),
    ...(typeof outcome === 'string' ? { outcome } : {}),
    events,
  }
}
