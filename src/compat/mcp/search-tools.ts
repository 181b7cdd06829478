import type { SearchPort } from '../../skill-api/index.ts'
import { CompatError } from '../compat-errors.ts'
import type { CompatToolDescriptor, CompatTools } from '../compat-ports.ts'

/** Hits a search tool returns unless the call asks for fewer or more. */
export const DEFAULT_SEARCH_LIMIT = 8
/** Most hits one search tool call may ask for. */
export const MAX_SEARCH_LIMIT = 50

export const MEMORY_SEARCH_TOOL = 'memory_search'
export const DOCUMENT_SEARCH_TOOL = 'rag_search'

function searchDescriptor(name: string, description: string): CompatToolDescriptor {
  return {
    name,
    description,
    tier: 'read_only',
    parameters: {
      type: 'object',
      additionalProperties: false,
      required: ['query'],
      properties: {
        query: { type: 'string', minLength: 1, description: 'What to look for, in words.' },
        limit: { type: 'integer', minimum: 1, maximum: MAX_SEARCH_LIMIT },
      },
    },
  }
}

function searchArguments(args: Record<string, unknown>): { query: string; limit: number } {
  const { query, limit } = args
  if (typeof query !== 'string' || query.trim() === '')
    throw new CompatError(400, 'invalid_request', 'query must be a non-empty string', 'query')
  if (
    limit !== undefined &&
    (!Number.isInteger(limit) || (limit as number) < 1 || (limit as number) > MAX_SEARCH_LIMIT)
  )
    throw new CompatError(
      400,
      'invalid_request',
      `limit must be a whole number from 1 to ${MAX_SEARCH_LIMIT}`,
      'limit',
    )
  return { query, limit: (limit as number | undefined) ?? DEFAULT_SEARCH_LIMIT }
}

/**
 * The hub's tools plus read-only searches of episodic memory and the document index, when the
 * manifest runs those skills (looked up per call: skills open after the server's routes exist).
 */
export function withSearchTools(
  tools: CompatTools,
  searches: () => { memory?: SearchPort | undefined; documents?: SearchPort | undefined },
): CompatTools {
  const available = () => {
    const { memory, documents } = searches()
    const found: Array<{ descriptor: CompatToolDescriptor; port: SearchPort }> = []
    if (memory !== undefined)
      found.push({
        descriptor: searchDescriptor(
          MEMORY_SEARCH_TOOL,
          "Search the assistant's episodic memory (facts and summaries of earlier conversations).",
        ),
        port: memory,
      })
    if (documents !== undefined)
      found.push({
        descriptor: searchDescriptor(
          DOCUMENT_SEARCH_TOOL,
          'Search the documents indexed by the hub (localhub rag index): titles, snippets, file paths and lines.',
        ),
        port: documents,
      })
    return found
  }
  return {
    descriptors: () => [...tools.descriptors(), ...available().map((entry) => entry.descriptor)],
    async call(name, args, signal) {
      const search = available().find((entry) => entry.descriptor.name === name)
      if (search === undefined) return tools.call(name, args, signal)
      const { query, limit } = searchArguments(args)
      return { status: 'done', tool: name, data: { hits: await search.port.search(query, limit) } }
    },
  }
}
