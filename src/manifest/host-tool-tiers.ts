import { asObject, draftAt, rawSkills } from './check-kit.ts'
import type { IssueDraft } from './manifest-issue.ts'
import type { CapabilityTier, Skill } from './manifest-types.ts'
import { type McpToolTier, toolTierProblem } from './mcp-servers.ts'

// Per-tool tiers of an out-of-process skill (transport stdio or nats, decision 1850): the same
// `config.tools: {<tool>: tier | off}` an MCP server skill has, so a person learns one shape. The
// keys are tool ids a skill host declares (seed 002's `^[a-z][a-z0-9_]*$`); whether the host really
// serves each one is known only once it syncs its manifest (checked then, by the skill host).

/** Transports whose tools come from a frame-protocol skill host. */
const HOST_TRANSPORTS: readonly string[] = ['stdio', 'nats']
/** The tool_id pattern of adapter_manifest_sync entries. */
const HOST_TOOL_ID = /^[a-z][a-z0-9_]*$/

export type HostToolTier = McpToolTier | 'off'

/** The tier map of a stdio/nats skill's config, as validated at load (empty when absent). */
export function hostToolTiersOf(skill: Pick<Skill, 'config'>): Readonly<Record<string, HostToolTier>> {
  const tools = skill.config?.tools
  if (tools === null || typeof tools !== 'object' || Array.isArray(tools)) return Object.freeze({})
  return Object.freeze({ ...(tools as Record<string, HostToolTier>) })
}

/** config.tools of stdio/nats skills: a map of tool ids to tiers at most the skill's, or off. */
export function hostToolTierDrafts(root: unknown): IssueDraft[] {
  const drafts: IssueDraft[] = []
  for (const { skill, path } of rawSkills(root)) {
    const transport = asObject(skill.transport)
    const config = asObject(skill.config)
    if (!HOST_TRANSPORTS.includes(String(transport?.type)) || config?.tools === undefined) continue
    const at = (where: string, problem: string, fix: string, expected: string) =>
      drafts.push(draftAt(root, `${path}/config/${where}`, problem, fix, expected))
    const tier =
      typeof skill.capabilityTier === 'string' ? (skill.capabilityTier as CapabilityTier) : undefined
    if (tier === undefined) {
      at(
        'tools',
        "these tiers would not act: without capabilityTier the skill's tools are pipeline steps only, not offered to the model",
        'add capabilityTier (the highest tier of its tools), or remove config.tools',
        'capabilityTier on the skill',
      )
      continue
    }
    const tools = asObject(config.tools)
    if (tools === undefined || Array.isArray(config.tools)) {
      at('tools', 'tools must map tool ids to tiers', 'e.g. tools: { echo: read_only, wipe: off }', 'a map')
      continue
    }
    for (const [name, value] of Object.entries(tools)) {
      const where = `tools/${name.replace(/~/g, '~0').replace(/\//g, '~1')}`
      if (!HOST_TOOL_ID.test(name))
        at(
          where,
          `${name} is not a skill tool id`,
          'use the tool id the skill host declares (snake_case)',
          '^[a-z][a-z0-9_]*$',
        )
      const problem = toolTierProblem(name, value, tier)
      if (problem !== undefined) at(where, ...problem)
    }
  }
  return drafts
}
