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
  /** McpServersPort: each MCP server skill's connection state (kernel; the mcp module's health). */
  mcpServers: 'mcp.servers',
  /** ConsentPort: the hub's approvals, for skills in other processes that ask permission (kernel). */
  consent: 'consent',
  /** SkillLifecyclePort: skill.started / skill.failed of a host that restarts after opening (kernel). */
  skillLifecycle: 'skill.lifecycle',
  /** SkillToolsPort: out-of-process skills offer their tools to the model through it (kernel). */
  skillTools: 'skill.tools',
})

/**
 * Lifecycle events of a skill after it opened (a stdio host that crashed and came back): published
 * by the kernel as skill.started / skill.failed, the same events the boot publishes.
 */
export interface SkillLifecyclePort {
  started(skillId: string, info: { pid?: number; startMs?: number }): Promise<void>
  failed(
    skillId: string,
    info: { reason: string; restarts: number; willRestart: boolean; nextRestartInMs?: number },
  ): Promise<void>
}

/** A tool of an out-of-process skill, as its host declared it (adapter_manifest_sync). */
export interface OfferedSkillTool {
  readonly toolId: string
  readonly description: string
  readonly inputSchema: Readonly<Record<string, unknown>>
}

/** One skill's tools offered to the model, under the tier its manifest entry gives. */
export interface OfferedSkillTools {
  readonly skillId: string
  readonly tier: 'read_only' | 'write_local_confirm' | 'destructive_two_step'
  /** The host's current tools (empty while it is down), without those turned off. */
  tools(): readonly OfferedSkillTool[]
  /** A tool's own tier, or `off` (the manifest's config.tools); `tier` when absent (decision 1850). */
  tierOf?(toolId: string): OfferedSkillTools['tier'] | 'off'
  call(toolId: string, args: Record<string, unknown>, signal?: AbortSignal): Promise<unknown>
}

/** Where a skill offers its tools to the model; returns a function that withdraws them. */
export interface SkillToolsPort {
  offer(tools: OfferedSkillTools): () => void
}

/**
 * The hub's approvals as an out-of-process skill needs them (seed 002 permission_request and
 * consent_revoke_request): open an approval, wait for the decision, withdraw a receipt.
 */
export interface ConsentPort {
  request(
    plan: Record<string, unknown>,
    context: { traceId: string; sessionId?: string; actorSkill: string },
  ): Promise<{ status: 'granted' | 'pending'; approvalId: string }>
  waitForDecision(id: string, signal?: AbortSignal): Promise<{ status: string }>
  revokeConsent(input: {
    requestId: string
    receiptId: string
    scope: 'once' | 'session-all'
    reason?: string
    by: string
  }): Promise<{
    ok: boolean
    revokedAt: string | null
    recordHash: string | null
    error: 'already_revoked' | 'not_found' | 'io_error' | null
  }>
}

/** The health of the manifest's MCP server skills, as the hub's MCP client sees them. */
export interface McpServersPort {
  status(skillId: string): { state: 'ready' | 'degraded' | 'unavailable' | 'failed'; reason?: string }
}

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
