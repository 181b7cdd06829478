export { compatRoutes } from './compat-routes.ts'
export { runMcpStdioBridge } from './mcp/mcp-bridge-entry.ts'
