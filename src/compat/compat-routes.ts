import type { FastifyInstance } from 'fastify'
import type { CompatOptions } from './compat-ports.ts'
import { mcpRoute } from './mcp/mcp-route.ts'
import { withSearchTools } from './mcp/search-tools.ts'
import { ollamaRoutes } from './ollama/ollama-routes.ts'
import { openAiRoutes } from './openai/openai-routes.ts'

/**
 * The compatible APIs on the hub's own server, behind its token, Host and Origin checks: OpenAI's
 * under /v1, Ollama's under /api, and MCP (Streamable HTTP) at /mcp (decisions 1700-1707,
 * docs/compatibility.md).
 */
export function compatRoutes(options: CompatOptions) {
  return async (app: FastifyInstance) => {
    await app.register(openAiRoutes(options), { prefix: '/v1' })
    await app.register(ollamaRoutes(options), { prefix: '/api' })
    // Its own scope, so its error handler answers JSON-RPC errors for /mcp only.
    await app.register(async (scope) =>
      mcpRoute(withSearchTools(options.tools, options.searches), options.version)(scope),
    )
  }
}
