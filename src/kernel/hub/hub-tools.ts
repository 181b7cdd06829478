import type { McpCallPlan, McpTools } from '../../mcp-client/index.ts'
import type { Plan, ToolRegistry } from '../../skills/tools-fs/index.ts'
import type { SkillCallPlan, SkillTools } from './skill-tools.ts'

/** A tool the hub offers: the file tools' descriptors and the MCP servers' (with their skill as source). */
export interface HubToolDescriptor {
  name: string
  tier: 'read_only' | 'write_local_confirm' | 'destructive_two_step' | 'network_off_by_default'
  description: string
  parameters: Record<string, unknown>
  /** The skill whose tool it is, when not the file tools (an MCP server's or a stdio skill's id). */
  source?: string
}

/** What the tool service needs of every tool the hub offers, whoever implements it. */
export interface HubTools {
  descriptors(): HubToolDescriptor[]
  openAiTools(): {
    type: 'function'
    function: { name: string; description: string; parameters: Record<string, unknown> }
  }[]
  run(name: string, args: Record<string, unknown>, signal?: AbortSignal): Promise<unknown>
  plan(name: string, args: Record<string, unknown>): Promise<Plan | McpCallPlan | SkillCallPlan>
  /** Why a name that is not offered is refused, when an MCP server can say (network off, say). */
  refusal?(name: string): Error | undefined
}

type OpenAiTool = ReturnType<HubTools['openAiTools']>[number]

// Every chat turn offers the tools again (decision 2064): a descriptor's definition is made once
// and reused while its name, description and parameters are the ones it was made from.
const openAiTools = new WeakMap<HubToolDescriptor, OpenAiTool>()

function openAiToolOf(descriptor: HubToolDescriptor): OpenAiTool {
  const made = openAiTools.get(descriptor)
  if (
    made !== undefined &&
    made.function.name === descriptor.name &&
    made.function.description === descriptor.description &&
    made.function.parameters === descriptor.parameters
  )
    return made
  const tool: OpenAiTool = {
    type: 'function',
    function: {
      name: descriptor.name,
      description: descriptor.description,
      parameters: descriptor.parameters,
    },
  }
  openAiTools.set(descriptor, tool)
  return tool
}

/**
 * The file tools, the MCP servers' tools and the out-of-process skills' tools behind one list: a
 * name with an MCP server's prefix goes to that server, one with a stdio skill's prefix to that
 * skill (prefixes never overlap: skill-tools.ts refuses a taken one), anything else to the file
 * tools (whose names have no `__`).
 */
export function combineHubTools(files: ToolRegistry, mcp: McpTools, skills?: SkillTools): HubTools {
  const descriptors = (): HubToolDescriptor[] => [
    ...files.descriptors(),
    ...mcp.descriptors(),
    ...(skills?.descriptors() ?? []),
  ]
  return {
    descriptors,
    openAiTools: () => descriptors().map(openAiToolOf),
    run: (name, args, signal) =>
      mcp.owns(name)
        ? mcp.run(name, args, signal)
        : skills?.owns(name) === true
          ? skills.run(name, args, signal)
          : files.run(name, args),
    plan: (name, args) =>
      mcp.owns(name)
        ? mcp.plan(name, args)
        : skills?.owns(name) === true
          ? skills.plan(name, args)
          : files.plan(name, args),
    refusal: (name) => mcp.refusal(name) ?? skills?.refusal(name),
  }
}
