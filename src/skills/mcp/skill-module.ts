import { MCP_CONFIG_KEYS, MCP_MODULE } from '../../manifest/index.ts'
import { defineSkill, type McpServersPort, SERVICE_NAMES } from '../../skill-api/index.ts'

/**
 * An external MCP server as a skill (decision 1720). The hub's MCP client (src/mcp-client, opened
 * by the kernel with the approvals and the ledger) connects to it and offers its tools; this
 * module only names the config keys and reports the connection as the skill's health.
 */
export const mcpSkillModule = defineSkill({
  name: MCP_MODULE,
  configKeys: MCP_CONFIG_KEYS,
  open(context) {
    return {
      runtime: {
        status() {
          const servers = context.services.get<McpServersPort>(SERVICE_NAMES.mcpServers)
          if (servers === undefined) return { state: 'unavailable', reason: 'this hub has no MCP client' }
          return servers.status(context.skill.id)
        },
      },
    }
  },
})
