import {
  type RunEmitter,
  type RunState,
  type SkillRuntime,
  type StepContext,
  spokenAnswerOf,
} from '../../skill-api/index.ts'
import type { MemoryStore } from './memory-store.ts'

export interface MemoryStep extends SkillRuntime {
  /** Stores the finished turn (the manifest's writeOn: turn.end) and emits memory.write.receipt. */
  recordTurn(turn: RunState, emitter: RunEmitter): Promise<void>
}

export function createMemoryStep(options: { id: string; store: MemoryStore }): MemoryStep {
  return {
    id: options.id,
    status: () => ({ state: 'ready' }),
    async invoke({ run: turn, emitter }: StepContext) {
      const context = options.store.readContext({ sessionId: turn.sessionId, query: turn.text })
      turn.memory = [
        ...context.facts.map((fact) => ({
          id: fact.id,
          kind: 'fact' as const,
          text: fact.text,
          score: fact.score,
        })),
        ...context.summaries.map((summary) => ({
          id: summary.id,
          kind: 'summary' as const,
          text: summary.text,
          score: summary.score,
        })),
      ]
      await emitter.emit('memory.context', {
        facts: context.facts.map((fact) => ({ id: fact.id, kind: fact.kind, text: fact.text })),
        summaries: context.summaries.map((summary) => ({ id: summary.id, text: summary.text })),
      })
    },
    async recordTurn(turn, emitter) {
      // A cancelled turn (barge-in) is kept with what the person heard of the answer, and not at
      // all when nothing was spoken (a chat turn whose client left, a voice turn cut before audio).
      const assistantText = turn.outcome === 'cancelled' ? (spokenAnswerOf(turn) ?? '') : turn.answer
      if (assistantText.length === 0 || turn.text.length === 0) return
      const receipt = options.store.recordTurn({
        sessionId: turn.sessionId,
        traceId: turn.traceId,
        userText: turn.text,
        assistantText,
      })
      await emitter.emit('memory.write.receipt', { id: receipt.id, ts: receipt.ts })
    },
  }
}
