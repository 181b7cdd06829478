import type { StdioBridgeOptions } from './mcp-stdio-bridge.ts'

/**
 * `localhub mcp`'s stdio bridge, loaded when the command runs: importing it loads the MCP SDK,
 * which a hub that only serves must not pay for (decision 1711).
 */
export async function runMcpStdioBridge(options: StdioBridgeOptions): Promise<void> {
  const bridge = await import('./mcp-stdio-bridge.ts')
  await bridge.runMcpStdioBridge(options)
}
