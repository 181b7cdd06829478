import type { FastifyInstance } from 'fastify'
import type { CompatTools } from '../compat-ports.ts'
import { MCP_SCHEMAS } from '../compat-route-schemas.ts'
import { liftIdleTimeout } from '../idle-timeout.ts'

/** The Streamable HTTP endpoint of the hub's MCP server. */
export const MCP_PATH = '/mcp'
/** Largest JSON-RPC body (a write_file call carries the whole file). */
export const DEFAULT_MCP_BODY_LIMIT_BYTES = 4 * 1024 * 1024
/** JSON-RPC 2.0's code for a body that is not JSON. */
const PARSE_ERROR = -32700

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
    // What fails before the SDK's transport sees the body (its JSON, its size, its media type)
    // answers as that transport does: a JSON-RPC error, -32700 for a body that is not JSON.
    app.setErrorHandler((error: unknown, request, reply) => {
      const { statusCode, code } = error as { statusCode?: unknown; code?: unknown }
      const message = error instanceof Error ? error.message : String(error)
      const clientError = typeof statusCode === 'number' && statusCode >= 400 && statusCode < 500
      if (!clientError) request.log.error({ err: error }, 'MCP request failed')
      const notJson =
        error instanceof SyntaxError ||
        code === 'FST_ERR_CTP_INVALID_JSON_BODY' ||
        code === 'FST_ERR_CTP_EMPTY_JSON_BODY'
      const rpcCode = notJson ? PARSE_ERROR : clientError ? -32000 : -32603
      return reply.code(clientError ? statusCode : 500).send({
        jsonrpc: '2.0',
        error: { code: rpcCode, message: notJson ? `Parse error: ${message}` : message },
        id: null,
      })
    })
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
