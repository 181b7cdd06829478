import type { PayloadOf } from '../../contracts/index.ts'
import {
  type MemoryItem,
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
      // The run's items and the event's lists in one pass over each kind, with no intermediate
      // arrays (decision 2096): this runs on every turn's way to the model.
      const memory: MemoryItem[] = []
      const facts: PayloadOf<'memory.context'>['facts'] = []
      const summaries: PayloadOf<'memory.context'>['summaries'] = []
      for (const fact of context.facts) {
        memory.push({ id: fact.id, kind: 'fact', text: fact.text, score: fact.score })
        facts.push({ id: fact.id, kind: fact.kind, text: fact.text })
      }
      for (const summary of context.summaries) {
        memory.push({ id: summary.id, kind: 'summary', text: summary.text, score: summary.score })
        summaries.push({ id: summary.id, text: summary.text })
      }
      turn.memory = memory
      await emitter.emit('memory.context', { facts, summaries })
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
