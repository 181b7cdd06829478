// The hub's own share of a chat turn's time to first token (issue 17): from the request's arrival
// to the model request leaving, and from the first token's bytes reaching the hub to its frame
// being written to the client's socket. The model's marks come from the LLM step over a
// diagnostics channel, so nothing between the route and the provider carries them.
import { subscribe } from 'node:diagnostics_channel'
import { LLM_FIRST_TOKEN_CHANNEL, type LlmFirstTokenMessage } from '../../skills/llm/index.ts'

export interface KernelTiming {
  /** Request arrival → model request handed to the socket, ms. */
  beforeModelMs: number
  /** First token's bytes read from the model → its frame written to the client's socket, ms. */
  afterFirstTokenMs: number
  /**
   * The process's CPU time over the same two phases, ms (the first from the route's first hook,
   * so the hub-wide hooks before it are left out): what the hub spent, without the waits a loaded
   * machine adds.
   */
  beforeModelCpuMs: number
  afterFirstTokenCpuMs: number
}

/** A moment: performance.now() ms and the process's CPU time in µs. */
export interface ClockMark {
  at: number
  cpuUs: number
}

/** One turn's clock; `finish` answers the hub's share once the first answer frame is written. */
export interface TurnClock {
  finish(written: ClockMark): KernelTiming | undefined
  close(): void
}

const clocks = new Map<string, { model?: LlmFirstTokenMessage }>()
let listening = false

function onFirstToken(message: unknown): void {
  const marks = message as LlmFirstTokenMessage
  const clock = clocks.get(marks.traceId)
  if (clock !== undefined) clock.model ??= marks
}

/** The current moment on both clocks. */
export function clockMark(): ClockMark {
  const usage = process.cpuUsage()
  return { at: performance.now(), cpuUs: usage.user + usage.system }
}

/**
 * Starts timing the turn of `traceId`: `arrivedAt` (performance.now() ms) is when the request
 * arrived, `arrivedCpuUs` the CPU time when the hub's code first saw it. A trace id already being
 * timed (a client reusing one) gets no clock rather than a mixed-up one.
 */
export function openTurnClock(
  traceId: string,
  arrivedAt: number,
  arrivedCpuUs: number,
): TurnClock | undefined {
  if (!listening) {
    subscribe(LLM_FIRST_TOKEN_CHANNEL, onFirstToken)
    listening = true
  }
  if (clocks.has(traceId)) return undefined
  const state: { model?: LlmFirstTokenMessage } = {}
  clocks.set(traceId, state)
  return {
    finish(written) {
      const model = state.model
      if (model === undefined) return undefined
      return {
        beforeModelMs: Math.max(0, model.sentAt - arrivedAt),
        afterFirstTokenMs: Math.max(0, written.at - model.firstTokenAt),
        beforeModelCpuMs: Math.max(0, model.sentCpuUs - arrivedCpuUs) / 1000,
        afterFirstTokenCpuMs: Math.max(0, written.cpuUs - model.firstTokenCpuUs) / 1000,
      }
    },
    close() {
      if (clocks.get(traceId) === state) clocks.delete(traceId)
    },
  }
}

/** An SSE comment (ignored by clients) carrying the timing, in the spirit of Server-Timing. */
export function timingComment(timing: KernelTiming): string {
  const ms = (value: number) => value.toFixed(3)
  return `: kernel-ms before-model=${ms(timing.beforeModelMs)} after-first-token=${ms(timing.afterFirstTokenMs)} cpu-before-model=${ms(timing.beforeModelCpuMs)} cpu-after-first-token=${ms(timing.afterFirstTokenCpuMs)}\n\n`
}
