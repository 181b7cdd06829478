import type { FastifyRequest } from 'fastify'
import type { EmbeddingPort, SearchPort } from '../skill-api/index.ts'

// What the compatible APIs need of the hub, handed in by the kernel (src/kernel/hub/open-hub.ts).
// This folder imports nothing of the kernel: the shapes below match HubPort.chat structurally.

/** A message of the conversation the client holds, as the hub's chat turn takes it. */
export interface TurnMessage {
  role: 'system' | 'user' | 'assistant'
  content: string
}

export interface CompatPrincipal {
  id: string
  via: 'bearer' | 'cookie' | 'query'
}

export interface CompatTurnInput {
  text: string
  sessionId?: string
  stream: boolean
  traceId: string
  principal: CompatPrincipal
  signal: AbortSignal
  history: TurnMessage[]
  route: string
}

/** The parts of one turn as POST /chat streams them (HubPort's ChatPart). */
export type CompatTurnPart =
  | { event: 'stream.start' | 'stream.chunk' | 'stream.end' | 'tool.status'; data: unknown; text?: string }
  | { event: 'error'; error: { code: string; message: string; details?: unknown } }

/** One tool of the hub, as MCP lists it. */
export interface CompatToolDescriptor {
  name: string
  description: string
  /** JSON Schema of the arguments object. */
  parameters: Record<string, unknown>
  /** read_only runs at once; anything else waits for the person's approval. */
  tier: string
}

export type CompatToolAnswer = { status: string; [key: string]: unknown }

export interface CompatTools {
  descriptors(): CompatToolDescriptor[]
  /** Runs one call; a tool that needs consent waits for the decision until `signal` aborts. */
  call(name: string, args: Record<string, unknown>, signal: AbortSignal): Promise<CompatToolAnswer>
}

export interface CompatOptions {
  /** One hub turn (HubPort.chat). */
  chat(input: CompatTurnInput): AsyncIterable<CompatTurnPart>
  /** The caller the server authenticated (the route would not run without one). */
  principalOf(request: FastifyRequest): CompatPrincipal | undefined
  /** The model behind the hub's turns, when one is configured (shown next to `localhub`). */
  modelName(): string | undefined
  /** Embeddings, when the model provider can embed. */
  embeddings(): EmbeddingPort | undefined
  /** The hub's consented tools, offered over MCP. */
  tools: CompatTools
  /** Searches of memory and documents offered over MCP as read-only tools, when those skills run. */
  searches(): { memory?: SearchPort | undefined; documents?: SearchPort | undefined }
  version: string
}
