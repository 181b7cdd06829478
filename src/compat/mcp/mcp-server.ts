import { Server } from '@modelcontextprotocol/sdk/server/index.js'
import {
  CallToolRequestSchema,
  type CallToolResult,
  ListToolsRequestSchema,
  type Tool,
} from '@modelcontextprotocol/sdk/types.js'
import { HubError } from '../../contracts/index.ts'
import { CompatError } from '../compat-errors.ts'
import type { CompatToolAnswer, CompatToolDescriptor, CompatTools } from '../compat-ports.ts'

/** The name the hub gives itself to MCP clients. */
export const MCP_SERVER_NAME = 'localhub'
/** Where a tool's capability tier is shown in tools/list (`_meta`). */
export const TIER_META_KEY = 'localhub/capabilityTier'

/** An MCP tool of the hub: its schema, its tier, and hints a client may show the person. */
export function mcpToolOf(descriptor: CompatToolDescriptor): Tool {
  const readOnly = descriptor.tier === 'read_only'
  return {
    name: descriptor.name,
    description: readOnly
      ? descriptor.description
      : `${descriptor.description} Needs the person's approval in the hub's dashboard (tier ${descriptor.tier}); the call waits for it.`,
    inputSchema: descriptor.parameters as Tool['inputSchema'],
    annotations: {
      readOnlyHint: readOnly,
      destructiveHint: descriptor.tier.startsWith('destructive'),
      openWorldHint: descriptor.tier === 'network_off_by_default',
    },
    _meta: { [TIER_META_KEY]: descriptor.tier },
  }
}

/** What the MCP client sees of a tool answer: done and granted succeed; pending, refused and errors do not. */
export function mcpResultOf(answer: CompatToolAnswer): CallToolResult {
  const succeeded = answer.status === 'done' || answer.status === 'granted'
  return {
    content: [{ type: 'text', text: JSON.stringify(answer) }],
    structuredContent: answer,
    isError: !succeeded,
  }
}

/**
 * One MCP server over the hub's tools (a new one per Streamable HTTP request, one for stdio): tools/list
 * and tools/call. Calls go through the hub's tool service, so they are events, read tools run at once,
 * and other tiers wait for the person's decision (approval, grant, ledger), as the model's calls do.
 */
export function createMcpServer(tools: CompatTools, version: string, closed?: AbortSignal): Server {
  const server = new Server({ name: MCP_SERVER_NAME, version }, { capabilities: { tools: {} } })
  server.setRequestHandler(ListToolsRequestSchema, async () => ({
    tools: tools.descriptors().map(mcpToolOf),
  }))
  server.setRequestHandler(CallToolRequestSchema, async (request, extra) => {
    const signal = closed === undefined ? extra.signal : AbortSignal.any([extra.signal, closed])
    try {
      const answer = await tools.call(request.params.name, request.params.arguments ?? {}, signal)
      return mcpResultOf(answer)
    } catch (error) {
      if (error instanceof HubError) return mcpResultOf({ status: 'error', error: error.toJSON() })
      if (error instanceof CompatError)
        return mcpResultOf({ status: 'error', error: { code: 'E_VALIDATION', message: error.message } })
      throw error
    }
  })
  return server
}
