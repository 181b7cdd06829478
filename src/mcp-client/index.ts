// The hub as an MCP client: external MCP servers from the manifest as tools under the hub's consent.
export type { ConsentCallPlan, McpCallPlan, McpTools } from './mcp-tools.ts'
export { createMcpTools, isMcpCallPlan } from './mcp-tools.ts'
