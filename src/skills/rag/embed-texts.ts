import { HubError } from '../../contracts/index.ts'
import type { EmbedFunction } from './rag-options.ts'

/**
 * Calls the configured embedding function in batches and checks what comes back: one vector per
 * text, all of the same positive length, finite numbers only. A failing embedder is
 * E_DEPENDENCY_UNAVAILABLE (Ollama not running); a malformed answer is E_VALIDATION.
 */
export async function embedTexts(
  embed: EmbedFunction,
  texts: string[],
  batchSize: number,
): Promise<Float32Array[]> {
  const vectors: Float32Array[] = []
  for (let offset = 0; offset < texts.length; offset += batchSize) {
    const batch = texts.slice(offset, offset + batchSize)
    let answer: unknown
    try {
      answer = await embed(batch)
    } catch (error) {
      if (error instanceof HubError) throw error
      throw new HubError(
        'E_DEPENDENCY_UNAVAILABLE',
        `embedding failed: ${(error as Error)?.message ?? error}`,
        {
          cause: error,
        },
      )
    }
    if (!Array.isArray(answer) || answer.length !== batch.length) {
      throw new HubError(
        'E_VALIDATION',
        `embedding function returned ${Array.isArray(answer) ? answer.length : typeof answer} vectors for ${batch.length} texts`,
        { details: { expected: batch.length } },
      )
    }
    for (const [index, vector] of answer.entries()) {
      const dimensions = vectors[0]?.length ?? (Array.isArray(vector) ? vector.length : 0)
      if (
        !Array.isArray(vector) ||
        vector.length === 0 ||
        vector.length !== dimensions ||
        !vector.every((value) => typeof value === 'number' && Number.isFinite(value))
      ) {
        throw new HubError(
          'E_VALIDATION',
          `embedding ${offset + index} is not a list of ${dimensions} finite numbers`,
          {
            details: { index: offset + index, expectedDimensions: dimensions },
          },
        )
      }
      vectors.push(Float32Array.from(vector))
    }
  }
  return vectors
}
