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
