import { channel } from 'node:diagnostics_channel'
import type { LlmDelta, LlmRequestMarks } from './types.ts'

/** The `onSent` of an HTTP request: the first request of a chat keeps its mark (retries do not move it). */
export function markSent(marks: LlmRequestMarks): () => void {
  return () => {
    if (marks.sentAt !== undefined) return
    marks.sentAt = performance.now()
    marks.sentCpuUs = cpuMicroseconds()
  }
}

/** CPU time of the process so far (user + system), µs: the hub's share without the machine's waits. */
export function cpuMicroseconds(): number {
  const usage = process.cpuUsage()
  return usage.user + usage.system
}

/**
 * Passes the deltas of one read chunk on; the first token with text gets the chunk's arrival time
 * (taken before parsing, so the parse counts as the hub's time, not the model's).
 */
export function* markFirstToken(
  marks: LlmRequestMarks,
  arrived: { at: number; cpuUs: number },
  deltas: Iterable<LlmDelta>,
): Generator<LlmDelta> {
  for (const delta of deltas) {
    if (delta.type === 'token' && delta.text !== '' && marks.firstTokenAt === undefined) {
      marks.firstTokenAt = arrived.at
      marks.firstTokenCpuUs = arrived.cpuUs
    }
    yield delta
  }
}

/** performance.now() and the CPU time, taken as a chunk of the answer arrives. */
export function arrivalMark(): { at: number; cpuUs: number } {
  return { at: performance.now(), cpuUs: cpuMicroseconds() }
}

/** Diagnostics channel where the LLM step reports a turn's model marks as its first token goes out. */
export const LLM_FIRST_TOKEN_CHANNEL = 'localhub:llm.first-token'

export interface LlmFirstTokenMessage {
  traceId: string
  /** performance.now() ms: the model request left / the first token's bytes were read. */
  sentAt: number
  firstTokenAt: number
  /** Process CPU time (µs) at the same two moments. */
  sentCpuUs: number
  firstTokenCpuUs: number
}

const firstTokenChannel = channel(LLM_FIRST_TOKEN_CHANNEL)

/** Tells a listening subscriber (the hub's turn timing) when this turn's model was asked and answered. */
export function reportFirstToken(traceId: string, marks: LlmRequestMarks): void {
  if (!firstTokenChannel.hasSubscribers) return
  const { sentAt, firstTokenAt, sentCpuUs, firstTokenCpuUs } = marks
  if (sentAt === undefined || firstTokenAt === undefined) return
  if (sentCpuUs === undefined || firstTokenCpuUs === undefined) return
  const message: LlmFirstTokenMessage = { traceId, sentAt, firstTokenAt, sentCpuUs, firstTokenCpuUs }
  firstTokenChannel.publish(message)
}
