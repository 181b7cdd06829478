import type { StepContext } from './skill-module.ts'

/**
 * Names of the services the kernel and the built-in skills share through SkillServices. A skill
 * that provides one of these keeps to the interface below; docs/adding-a-skill.md lists them.
 */
export const SERVICE_NAMES = Object.freeze({
  /** ToolPort: the hub's consented tools, as the LLM step offers them to the model (kernel). */
  tools: 'tools',
  /** HealthProbe of the language model (the LLM skill). */
  modelHealth: 'model.health',
  /** EmbeddingPort of the language model's provider, when it can embed (the LLM skill). */
  embeddings: 'embeddings',
  /** SearchPort over episodic memory (the memory skill); MCP clients search it through the hub. */
  memorySearch: 'memory.search',
  /** SearchPort over the indexed documents (the rag skill). */
  documentSearch: 'rag.search',
})

/** A tool offered to a model, in the OpenAI function-calling shape the providers use. */
export interface ToolDefinition {
  type: 'function'
  function: { name: string; description: string; parameters: Record<string, unknown> }
}

/** What the LLM step needs of the hub's tools: their definitions, and a way to run one in the run. */
export interface ToolPort {
  definitions(): ToolDefinition[]
  /**
   * Runs one call the model asked for in the run of `context`; waits for the person's decision
   * when the tool needs consent. Resolves with what the model is told.
   */
  call(
    name: string,
    args: Record<string, unknown>,
    context: StepContext,
  ): Promise<{ status: string; [key: string]: unknown }>
}

/** A dependency's health, as /health shows it (the model server, say). */
export interface HealthProbe {
  readonly name: string
  readonly model?: string
  health(signal: AbortSignal): Promise<{ ok: boolean; [key: string]: unknown }>
}

/** Text embeddings from the model provider (OpenAI /v1/embeddings and Ollama /api/embed on the hub use it). */
export interface EmbeddingPort {
  /** The embedding model's name. */
  readonly model: string
  /** One vector per input, in input order. */
  embed(inputs: string[], signal?: AbortSignal): Promise<number[][]>
}

/** A read-only search a skill offers to the hub's other entries (MCP tools): ranked hits, plain data. */
export interface SearchPort {
  search(query: string, limit: number): Promise<unknown[]>
}
