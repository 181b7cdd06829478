import { deadlineSignal, HubError } from '../../contracts/index.ts'
import type { SkillRuntime, StepContext } from '../../skill-api/index.ts'

/** How long a remote skill may take for one step unless the manifest says otherwise, in milliseconds. */
export const DEFAULT_HTTP_SKILL_TIMEOUT_MS = 30_000
/** Largest answer accepted from a remote skill. */
export const DEFAULT_HTTP_SKILL_MAX_BYTES = 4 * 1024 * 1024

interface EventLine {
  type: string
  payload: Record<string, unknown>
  severity?: 'debug' | 'info' | 'warn' | 'error'
}

function parseLine(line: string, number: number, skill: string): EventLine {
  let value: unknown
  try {
    value = JSON.parse(line)
  } catch {
    throw new HubError('E_VALIDATION', `skill ${skill} answered line ${number} that is not JSON`)
  }
  const record = value as Partial<EventLine> | null
  if (
    record === null ||
    typeof record !== 'object' ||
    typeof record.type !== 'string' ||
    typeof record.payload !== 'object' ||
    record.payload === null
  ) {
    throw new HubError(
      'E_VALIDATION',
      `skill ${skill} answered line ${number} without a type and a payload object`,
    )
  }
  return {
    type: record.type,
    payload: record.payload,
    ...(record.severity === undefined ? {} : { severity: record.severity }),
  }
}

/**
 * A skill reached over HTTP that speaks the envelope: the kernel POSTs the step (the turn's text,
 * passages, memory and answer so far, plus traceId, sessionId and the step's mode) and the skill
 * answers NDJSON event drafts `{type, payload, severity?}`. Each is validated and published in the
 * turn's causal chain; rag.context, memory.context and stream.chunk also feed the turn itself.
 * Protocol: docs/kernel-skills.md.
 */
export function createHttpSkill(options: { id: string; url: string; timeoutMs?: number }): SkillRuntime {
  const timeoutMs = options.timeoutMs ?? DEFAULT_HTTP_SKILL_TIMEOUT_MS
  let lastFailure: string | undefined
  return {
    id: options.id,
    status: () =>
      lastFailure === undefined ? { state: 'ready' } : { state: 'degraded', reason: lastFailure },
    async invoke({ run: turn, step, emitter, signal, onPart }: StepContext) {
      const body = {
        skill: options.id,
        mode: step.mode ?? null,
        traceId: turn.traceId,
        sessionId: turn.sessionId,
        turn: { text: turn.text, passages: turn.passages, memory: turn.memory, answer: turn.answer },
        // The event that started a bus-triggered run (or the last one a recv step received).
        signal: turn.signal ?? null,
      }
      // Bounds the whole exchange, the answer's body included (deadline-signal.ts says why not
      // AbortSignal.any with AbortSignal.timeout).
      const deadline = deadlineSignal(step.timeoutMs ?? timeoutMs, signal)
      let text: string
      try {
        let response: Response
        try {
          response = await fetch(options.url, {
            method: 'POST',
            headers: { 'content-type': 'application/json', accept: 'application/x-ndjson' },
            body: JSON.stringify(body),
            signal: deadline.signal,
          })
        } catch (cause) {
          if (signal.aborted) throw cause
          lastFailure = `${options.url} did not answer: ${(cause as Error).message}`
          throw new HubError(
            'E_DEPENDENCY_UNAVAILABLE',
            `skill ${options.id} at ${options.url} is not reachable`,
            { cause },
          )
        }
        if (!response.ok) {
          lastFailure = `${options.url} answered HTTP ${response.status}`
          throw new HubError(
            'E_DEPENDENCY_UNAVAILABLE',
            `skill ${options.id} answered HTTP ${response.status}: ${(await response.text()).slice(0, 300)}`,
          )
        }
        text = await response.text()
        if (text.length > DEFAULT_HTTP_SKILL_MAX_BYTES) {
          throw new HubError(
            'E_RESOURCE_LIMIT',
            `skill ${options.id} answered more than ${DEFAULT_HTTP_SKILL_MAX_BYTES} bytes`,
          )
        }
      } finally {
        deadline.clear()
      }
      lastFailure = undefined
      const lines = text.split('\n').filter((line) => line.trim() !== '')
      const events = lines.map((line, index) => parseLine(line, index + 1, options.id))
      let seq = 0
      for (const event of events) {
        await emitter.emitUntyped(event.type, event.payload, {
          source: options.id,
          ...(event.severity === undefined ? {} : { severity: event.severity }),
        })
        if (event.type === 'rag.context') {
          const hits = (event.payload.hits as Record<string, unknown>[] | undefined) ?? []
          turn.passages = hits.map((hit) => ({
            sourceId: String(hit.sourceId),
            title: String(hit.title ?? hit.sourceId),
            snippet: String(hit.snippet ?? ''),
            text: String(hit.snippet ?? ''),
            score: Number(hit.score ?? 0),
            location: (hit.loc as { path: string } | undefined) ?? { path: String(hit.sourceId) },
          }))
        } else if (event.type === 'memory.context') {
          const facts = (event.payload.facts as { id?: string; text?: string }[] | undefined) ?? []
          turn.memory = facts.map((fact, index) => ({
            id: fact.id ?? String(index),
            kind: 'fact',
            text: String(fact.text ?? ''),
            score: 1,
          }))
        } else if (event.type === 'stream.chunk') {
          const piece = String((event.payload.data as { text?: unknown } | undefined)?.text ?? '')
          turn.answer += piece
          onPart({ kind: 'chunk', streamId: String(event.payload.streamId), seq: seq++, text: piece })
        }
      }
    },
  }
}
