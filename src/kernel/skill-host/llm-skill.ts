import { HubError } from '../../contracts/index.ts'
import type { LlmProvider, LlmUsage } from '../../skills/llm/index.ts'
import { buildPrompt } from '../chat/prompt-builder.ts'
import type { SkillRuntime, SkillStatus, StepContext } from '../pipeline/index.ts'

export interface LlmSkillOptions {
  id: string
  provider: LlmProvider
  systemPrompt?: string
  contextTokens?: number
  temperature?: number
}

/**
 * The LLM step of a chat turn: assembles the prompt, streams the answer to the client first (so the
 * bus adds nothing to time-to-first-token) and then as events: stream.start, llm.token and
 * stream.chunk per token (ephemeral), llm.complete, stream.end, chat.message.
 */
export function createLlmSkill(
  options: LlmSkillOptions,
): SkillRuntime & { setStatus(state: SkillStatus, reason?: string): void } {
  let status: { state: SkillStatus; reason?: string } = { state: 'ready' }
  return {
    id: options.id,
    status: () => status,
    setStatus(state, reason) {
      status = reason === undefined ? { state } : { state, reason }
    },
    async invoke(context: StepContext) {
      const { turn, emitter, metrics, onPart, signal } = context
      const prompt = buildPrompt({
        ...(options.systemPrompt === undefined ? {} : { system: options.systemPrompt }),
        ...(options.contextTokens === undefined ? {} : { contextTokens: options.contextTokens }),
        question: turn.text,
        memory: turn.memory,
        passages: turn.passages,
        history: turn.history,
      })
      turn.passages = prompt.cited
      await emitter.emit('chat.prompt', {
        messages: prompt.messages,
        system: prompt.messages[0]?.content ?? '',
      })
      const streamId = `${turn.traceId}:answer`
      onPart({ kind: 'start', streamId, traceId: turn.traceId, sessionId: turn.sessionId })
      await emitter.emit('stream.start', {
        streamId,
        meta: { kind: 'answer', model: options.provider.model, skill: options.id },
      })
      const started = performance.now()
      let seq = 0
      let usage: LlmUsage | undefined
      const request = {
        messages: prompt.messages,
        ...(options.temperature === undefined ? {} : { options: { temperature: options.temperature } }),
      }
      for await (const delta of options.provider.chat(request, signal)) {
        if (delta.type === 'done') {
          usage = delta.usage
          turn.finishReason = delta.finishReason
          continue
        }
        if (seq === 0) metrics.observe('ttft_ms', performance.now() - started, { skill: options.id })
        turn.answer += delta.text
        onPart({ kind: 'chunk', streamId, seq, text: delta.text })
        // Let the first token reach the client's socket before the bookkeeping of the rest runs:
        // a fast model can hand over the whole answer in one read, and it would all be processed first.
        if (seq === 0) await new Promise((resolve) => setImmediate(resolve))
        await emitter.emit('llm.token', { text: delta.text, seq })
        await emitter.emit('stream.chunk', { streamId, seq, data: { text: delta.text } })
        seq++
      }
      if (usage === undefined)
        throw new HubError('E_IO', `${options.provider.name} ended the stream without a final message`)
      turn.usage = { promptTokens: usage.promptTokens, completionTokens: usage.completionTokens }
      await emitter.emit('llm.complete', {
        text: turn.answer,
        usage: { ...usage, finishReason: turn.finishReason },
      })
      await emitter.emit('stream.end', { streamId, reason: 'done' })
      await emitter.emit('chat.message', { role: 'assistant', content: turn.answer })
      onPart({ kind: 'end', streamId, reason: 'done', text: turn.answer, citations: turn.passages })
    },
  }
}
