import type { FastifyInstance } from 'fastify'
import type { CompatTools } from '../compat-ports.ts'
import { MCP_SCHEMAS } from '../compat-route-schemas.ts'
import { liftIdleTimeout } from '../idle-timeout.ts'

/** The Streamable HTTP endpoint of the hub's MCP server. */
export const MCP_PATH = '/mcp'
/** Largest JSON-RPC body (a write_file call carries the whole file). */
export const DEFAULT_MCP_BODY_LIMIT_BYTES = 4 * 1024 * 1024

type McpModules = readonly [
  typeof import('./mcp-server.ts'),
  typeof import('@modelcontextprotocol/sdk/server/streamableHttp.js'),
]
let mcpModules: Promise<McpModules> | undefined

/**
 * The MCP SDK (and zod, which it brings) costs ~25 MB of memory: it loads at the first POST /mcp,
 * not when the hub starts (decision 1711). A failed load is retried by the next request.
 */
export function loadMcpModules(): Promise<McpModules> {
  mcpModules ??= Promise.all([
    import('./mcp-server.ts'),
    import('@modelcontextprotocol/sdk/server/streamableHttp.js'),
  ] as const).catch((error: unknown) => {
    mcpModules = undefined
    throw error
  })
  return mcpModules
}

/**
 * POST /mcp: MCP over Streamable HTTP, stateless — each request gets its own server and transport,
 * so there is no session to resume and no server-initiated stream: GET and DELETE answer 405, as the
 * transport allows. The hub's token, Host and Origin checks run first, like on every route.
 */
export function mcpRoute(tools: CompatTools, version: string) {
  return (app: FastifyInstance) => {
    app.route({
      method: ['GET', 'DELETE'],
      url: MCP_PATH,
      schema: MCP_SCHEMAS.refused,
      handler: async (_request, reply) =>
        reply
          .code(405)
          .header('allow', 'POST')
          .send({
            jsonrpc: '2.0',
            error: { code: -32000, message: 'this MCP server is stateless: send requests with POST' },
            id: null,
          }),
    })
    app.route({
      method: 'POST',
      url: MCP_PATH,
      schema: MCP_SCHEMAS.post,
      bodyLimit: DEFAULT_MCP_BODY_LIMIT_BYTES,
      handler: async (request, reply) => {
        // A write waits for a person, who may take longer than the idle-socket timeout.
        liftIdleTimeout(request.raw)
        const [{ createMcpServer }, { StreamableHTTPServerTransport }] = await loadMcpModules()
        const closed = new AbortController()
        const server = createMcpServer(tools, version, closed.signal)
        const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined })
        reply.raw.on('close', () => {
          closed.abort()
          void transport.close()
          void server.close()
        })
        await server.connect(transport)
        reply.hijack()
        await transport.handleRequest(request.raw, reply.raw, request.body)
      },
    })
  }
}
