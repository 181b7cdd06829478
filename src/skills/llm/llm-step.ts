import { HubError } from '../../contracts/index.ts'
import type { SkillHealth, SkillRuntime, StepContext, ToolPort } from '../../skill-api/index.ts'
import { buildPrompt } from './prompt-builder.ts'
import { reportFirstToken } from './request-marks.ts'
import type { LlmChatRequest, LlmMessage, LlmProvider, LlmRequestMarks, LlmUsage } from './types.ts'

/** Rounds of "model asks for tools, tools answer" in one turn before the turn gives up. */
export const DEFAULT_MAX_TOOL_ROUNDS = 4

export interface LlmSkillOptions {
  id: string
  provider: LlmProvider
  systemPrompt?: string
  contextTokens?: number
  temperature?: number
  /** The hub's tools; looked up on every call, since the skill that offers them may open later. */
  tools?: () => ToolPort | undefined
  maxToolRounds?: number
}

interface ToolCall {
  id: string
  name: string
  arguments: Record<string, unknown>
}

/**
 * An iterator whose first `next()` was already called (to start its work early), as an iterable:
 * the first result is that call's, then it goes on; leaving the loop early returns the iterator.
 */
function resumed<T>(iterator: AsyncIterator<T>, first: Promise<IteratorResult<T>>): AsyncIterable<T> {
  let pending: Promise<IteratorResult<T>> | undefined = first
  return {
    [Symbol.asyncIterator]: () => ({
      next: () => {
        const next = pending ?? iterator.next()
        pending = undefined
        return next
      },
      return: async (value?: unknown) =>
        (await iterator.return?.(value)) ?? { done: true as const, value: undefined as T },
    }),
  }
}

/**
 * The LLM step of a chat turn: assembles the prompt, streams the answer to the client first (so the
 * bus adds nothing to time-to-first-token) and then as events: stream.start, llm.token and
 * stream.chunk per token (ephemeral), llm.complete, stream.end, chat.message. When tools are
 * offered and the model calls them, each call runs (file writes wait for approval) and the model
 * is asked again with the results, up to DEFAULT_MAX_TOOL_ROUNDS times.
 */
export function createLlmStep(options: LlmSkillOptions): SkillRuntime {
  const maxRounds = options.maxToolRounds ?? DEFAULT_MAX_TOOL_ROUNDS
  return {
    id: options.id,
    status: (): SkillHealth => ({ state: 'ready' }),
    async invoke(context: StepContext) {
      const { run: turn, emitter, metrics, onPart, signal } = context
      const prompt = buildPrompt({
        ...(options.systemPrompt === undefined ? {} : { system: options.systemPrompt }),
        ...(options.contextTokens === undefined ? {} : { contextTokens: options.contextTokens }),
        question: turn.text,
        memory: turn.memory,
        passages: turn.passages,
        history: turn.history,
      })
      turn.passages = prompt.cited
      const streamId = `${turn.traceId}:answer`
      const messages: LlmMessage[] = prompt.messages.map((message) => ({
        role: message.role,
        content: message.content,
      }))
      const toolPort = options.tools?.()
      const tools = toolPort?.definitions() ?? []
      const started = performance.now()
      const marks: LlmRequestMarks = {}
      let seq = 0
      let usage: LlmUsage | undefined
      const requestOf = (): LlmChatRequest => ({
        messages,
        ...(tools.length === 0 ? {} : { tools }),
        ...(options.temperature === undefined ? {} : { options: { temperature: options.temperature } }),
        marks,
      })
      // The model's requests follow the turn's signal; this one also stops a first request whose
      // announcing events were refused.
      const asking = new AbortController()
      const forwardAbort = (): void => asking.abort(signal.reason)
      if (signal.aborted) forwardAbort()
      else signal.addEventListener('abort', forwardAbort, { once: true })
      try {
        // The first request leaves before chat.prompt and stream.start are emitted (decision 1758):
        // it is written in the ticks after this turn's microtasks, the emits wait for the check
        // phase, so their work overlaps the model's instead of coming before it. Their order in
        // the log is unchanged: both are emitted before any token is taken.
        const firstRequest = requestOf()
        const firstAnswer = options.provider.chat(firstRequest, asking.signal)[Symbol.asyncIterator]()
        const firstDelta = firstAnswer.next()
        // Read below; one abandoned after a refused emit must not become an unhandled rejection.
        firstDelta.catch(() => undefined)
        try {
          await new Promise((resolve) => setImmediate(resolve))
          await emitter.emit('chat.prompt', {
            messages: prompt.messages,
            system: prompt.messages[0]?.content ?? '',
          })
          onPart({ kind: 'start', streamId, traceId: turn.traceId, sessionId: turn.sessionId })
          await emitter.emit('stream.start', {
            streamId,
            meta: { kind: 'answer', model: options.provider.model, skill: options.id },
          })
        } catch (error) {
          asking.abort(error)
          throw error
        }
        for (let round = 0; ; round++) {
          const deltas =
            round === 0 ? resumed(firstAnswer, firstDelta) : options.provider.chat(requestOf(), asking.signal)
          const calls: ToolCall[] = []
          let roundText = ''
          usage = undefined
          for await (const delta of deltas) {
            if (delta.type === 'done') {
              usage = delta.usage
              turn.finishReason = delta.finishReason
              continue
            }
            if (delta.type === 'tool_call') {
              calls.push({ id: delta.id, name: delta.name, arguments: delta.arguments })
              continue
            }
            if (seq === 0) {
              metrics.observe('ttft_ms', performance.now() - started, { skill: options.id })
              reportFirstToken(turn.traceId, marks)
            }
            turn.answer += delta.text
            roundText += delta.text
            onPart({ kind: 'chunk', streamId, seq, text: delta.text })
            // Let the first token reach the client's socket before the bookkeeping of the rest runs:
            // a fast model can hand over the whole answer in one read, and it would all be processed first.
            // Two check phases, so one poll phase (where a reader in this process gets its bytes) comes first.
            if (seq === 0) await new Promise((resolve) => setImmediate(() => setImmediate(resolve)))
            await emitter.emit('llm.token', { text: delta.text, seq })
            await emitter.emit('stream.chunk', { streamId, seq, data: { text: delta.text } })
            seq++
          }
          if (usage === undefined) {
            throw new HubError('E_IO', `${options.provider.name} ended the stream without a final message`)
          }
          if (calls.length === 0 || toolPort === undefined) break
          if (round >= maxRounds) {
            throw new HubError(
              'E_RESOURCE_LIMIT',
              `the model kept calling tools after ${maxRounds} rounds; the turn stops here`,
            )
          }
          messages.push({ role: 'assistant', content: roundText, toolCalls: calls })
          for (const call of calls) {
            onPart({ kind: 'tool', name: call.name, status: 'requested', callId: call.id })
            const answer = await toolPort.call(call.name, call.arguments, context)
            onPart({ kind: 'tool', name: call.name, status: answer.status, callId: call.id })
            messages.push({
              role: 'tool',
              toolCallId: call.id,
              name: call.name,
              content: JSON.stringify(answer),
            })
          }
        }
        turn.usage = { promptTokens: usage.promptTokens, completionTokens: usage.completionTokens }
        await emitter.emit('llm.complete', {
          text: turn.answer,
          usage: { ...usage, finishReason: turn.finishReason },
        })
        await emitter.emit('stream.end', { streamId, reason: 'done' })
        await emitter.emit('chat.message', { role: 'assistant', content: turn.answer })
        onPart({ kind: 'end', streamId, reason: 'done', text: turn.answer, citations: turn.passages })
      } finally {
        signal.removeEventListener('abort', forwardAbort)
      }
    },
  }
}
