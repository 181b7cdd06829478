import type { SkillRuntime, StepContext } from '../../skill-api/index.ts'
import type { RagStore } from './rag-store.ts'

/** Seed 000: the RAG skill returns six passages unless the manifest says otherwise. */
export const DEFAULT_RAG_TOP_K = 6

export function createRagStep(options: { id: string; store: RagStore; topK?: number }): SkillRuntime {
  const topK = options.topK ?? DEFAULT_RAG_TOP_K
  return {
    id: options.id,
    status: () => ({ state: 'ready' }),
    async invoke({ run: turn, emitter, metrics }: StepContext) {
      // A run without words (one started by a signal) has nothing to look up.
      if (turn.text.trim().length === 0) return
      const started = performance.now()
      await emitter.emit('rag.query', { text: turn.text, topK })
      const hits = await options.store.search({ query: turn.text, topK })
      turn.passages = hits.map((hit) => ({
        sourceId: hit.sourceId,
        title: hit.title,
        snippet: hit.snippet,
        text: hit.text,
        score: hit.score,
        location: hit.location,
      }))
      await emitter.emit('rag.context', {
        hits: hits.map((hit) => ({
          sourceId: hit.sourceId,
          title: hit.title,
          snippet: hit.snippet,
          score: hit.score,
          loc: hit.location,
        })),
      })
      metrics.observe('rag_ms', performance.now() - started, { skill: options.id })
    },
  }
}
