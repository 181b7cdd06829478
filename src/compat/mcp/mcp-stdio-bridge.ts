import type { Readable, Writable } from 'node:stream'
import { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js'
import { Server } from '@modelcontextprotocol/sdk/server/index.js'
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js'
import { CallToolRequestSchema, ListToolsRequestSchema } from '@modelcontextprotocol/sdk/types.js'
import { MCP_PATH } from './mcp-route.ts'
import { MCP_SERVER_NAME } from './mcp-server.ts'

/** How long a relayed tools/call may wait (a write waits for the person's approval), in milliseconds. */
export const DEFAULT_BRIDGE_CALL_TIMEOUT_MS = 15 * 60_000

export interface StdioBridgeOptions {
  /** The running hub's base URL. */
  url: string
  token: string
  version: string
  stdin: Readable
  stdout: Writable
}

/**
 * `localhub mcp`: an MCP server on stdin/stdout for clients that start their servers as commands.
 * It relays tools/list and tools/call to the running hub's /mcp, so the tools, approvals, ledger
 * and events are the hub's own; nothing runs in this process. Resolves when stdin ends.
 */
export async function runMcpStdioBridge(options: StdioBridgeOptions): Promise<void> {
  const hub = new Client({ name: `${MCP_SERVER_NAME}-stdio`, version: options.version })
  await hub.connect(
    new StreamableHTTPClientTransport(new URL(MCP_PATH, options.url), {
      requestInit: { headers: { authorization: `Bearer ${options.token}` } },
    }),
  )
  const server = new Server(
    { name: MCP_SERVER_NAME, version: options.version },
    { capabilities: { tools: {} } },
  )
  server.setRequestHandler(ListToolsRequestSchema, (request, extra) =>
    hub.listTools(request.params, { signal: extra.signal }),
  )
  server.setRequestHandler(CallToolRequestSchema, (request, extra) =>
    hub.callTool(request.params, undefined, {
      signal: extra.signal,
      timeout: DEFAULT_BRIDGE_CALL_TIMEOUT_MS,
    }),
  )
  const closed = new Promise<void>((resolve) => {
    server.onclose = () => resolve()
  })
  await server.connect(new StdioServerTransport(options.stdin, options.stdout))
  options.stdin.once('end', () => void server.close())
  await closed
  await hub.close()
}
