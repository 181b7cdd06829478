import type { RagStore } from '../../skills/rag/index.ts'
import type { SkillRuntime, StepContext } from '../pipeline/index.ts'

/** Seed 000: the RAG skill returns six passages unless the manifest says otherwise. */
export const DEFAULT_RAG_TOP_K = 6

export function createRagSkill(options: { id: string; store: RagStore; topK?: number }): SkillRuntime {
  const topK = options.topK ?? DEFAULT_RAG_TOP_K
  return {
    id: options.id,
    status: () => ({ state: 'ready' }),
    async invoke({ turn, emitter, metrics }: StepContext) {
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
