import { HubError } from '../../contracts/index.ts'
import { canonicalJson, sha256Hex } from '../../frames/index.ts'
import type { ConsentCallPlan } from '../../mcp-client/index.ts'
import type { OfferedSkillTools, SkillToolsPort } from '../../skill-api/index.ts'
import { createArgumentChecker } from './skill-tool-arguments.ts'

/** Between a skill's name prefix and its tool id: `frames_echo__echo` (as the MCP tools, decision 1720). */
export const SKILL_TOOL_SEPARATOR = '__'
/** The largest result (as JSON) handed to the model or kept with an approval, in bytes. */
export const DEFAULT_SKILL_TOOL_MAX_ANSWER_BYTES = 256 * 1024

type SkillTier = OfferedSkillTools['tier']

/** A tool of an out-of-process skill as the hub's model and tool service see it. */
export interface SkillToolDescriptor {
  name: string
  tier: SkillTier
  description: string
  parameters: Record<string, unknown>
  source: string
}

/** A call to a skill's tool that waits for consent, approved as an MCP server's (decision 1832). */
export interface SkillCallPlan extends ConsentCallPlan<'skill-call'> {
  skill: string
  toolId: string
}

export function isSkillCallPlan(value: unknown): value is SkillCallPlan {
  return (value as { kind?: unknown } | null)?.kind === 'skill-call'
}

export interface SkillTools extends SkillToolsPort {
  /** Prefixes already taken by other tool sources (the MCP servers'); offering one of them is refused. */
  reservePrefixes(prefixes: readonly string[]): void
  owns(name: string): boolean
  refusal(name: string): HubError | undefined
  descriptors(): SkillToolDescriptor[]
  /** Whether any skill offers tools (the model is then offered tools even without a workspace). */
  readonly offering: boolean
  run(name: string, args: Record<string, unknown>, signal?: AbortSignal): Promise<unknown>
  plan(name: string, args: Record<string, unknown>): Promise<SkillCallPlan>
  execute(plan: SkillCallPlan): Promise<unknown>
}

/** The last dot-separated part of a skill id: `skill.frames_echo` → `frames_echo`. */
function prefixOf(skillId: string): string {
  return skillId.slice(skillId.lastIndexOf('.') + 1).replace(/[^A-Za-z0-9_-]/g, '_')
}

/** A tool's tier: its own (config.tools) or the skill's (decision 1850). */
function tierOfTool(source: OfferedSkillTools, toolId: string): SkillTier | 'off' {
  return source.tierOf?.(toolId) ?? source.tier
}

function fingerprintOf(skill: string, toolId: string, args: Record<string, unknown>): string {
  return sha256Hex(canonicalJson({ skill, tool: toolId, args }))
}

/**
 * The tools out-of-process skills (transport stdio or nats) offer to the model, under the tier of
 * their manifest entry: read_only tools run at once, others are planned and run once approved
 * (decision 1832). Skills offer and withdraw their tools as they open and close.
 */
export function createSkillTools(): SkillTools {
  const offered = new Map<string, OfferedSkillTools>()
  const reserved = new Set<string>()
  const checkArguments = createArgumentChecker()

  function split(name: string): { source: OfferedSkillTools; toolId: string } | undefined {
    const at = name.indexOf(SKILL_TOOL_SEPARATOR)
    if (at <= 0) return undefined
    const source = offered.get(name.slice(0, at))
    return source === undefined ? undefined : { source, toolId: name.slice(at + SKILL_TOOL_SEPARATOR.length) }
  }

  /** The tool, with the arguments checked against the schema its host declared. */
  function lookup(
    name: string,
    args: Record<string, unknown>,
  ): { source: OfferedSkillTools; toolId: string; tier: SkillTier } {
    const found = split(name)
    const tool = found?.source.tools().find((candidate) => candidate.toolId === found.toolId)
    const tier = found === undefined ? 'off' : tierOfTool(found.source, found.toolId)
    if (found === undefined || tool === undefined || tier === 'off')
      throw refusalOf(name) ?? new HubError('E_BAD_REQUEST', `no skill tool named ${name.slice(0, 80)}`)
    checkArguments(found.source.skillId, found.toolId, tool.inputSchema, args)
    return { ...found, tier }
  }

  function refusalOf(name: string): HubError | undefined {
    const found = split(name)
    if (found === undefined) return undefined
    const { source, toolId } = found
    if (tierOfTool(source, toolId) === 'off')
      return new HubError(
        'E_PERMISSION_REQUIRED',
        `${name.slice(0, 120)} is turned off in the manifest (config.tools of skill ${source.skillId})`,
        { details: { reason: 'not-offered', skillId: source.skillId } },
      )
    const tools = source.tools()
    if (tools.length === 0)
      return new HubError(
        'E_DEPENDENCY_UNAVAILABLE',
        `skill ${source.skillId} is not running; its tools come back when its host does`,
        { details: { reason: 'not-running', skillId: source.skillId } },
      )
    if (tools.some((tool) => tool.toolId === toolId)) return undefined
    return new HubError(
      'E_BAD_REQUEST',
      `skill ${source.skillId} has no tool ${toolId}; it has ${tools.map((tool) => tool.toolId).join(', ')}`,
    )
  }

  async function invoke(
    source: OfferedSkillTools,
    toolId: string,
    args: Record<string, unknown>,
    signal?: AbortSignal,
  ): Promise<unknown> {
    const result = await source.call(toolId, args, signal)
    const bytes = Buffer.byteLength(JSON.stringify(result ?? null))
    if (bytes > DEFAULT_SKILL_TOOL_MAX_ANSWER_BYTES)
      throw new HubError(
        'E_RESOURCE_LIMIT',
        `tool ${toolId} of ${source.skillId} answered ${bytes} bytes, more than the ${DEFAULT_SKILL_TOOL_MAX_ANSWER_BYTES} the hub passes on`,
      )
    return result ?? null
  }

  return {
    reservePrefixes(prefixes) {
      for (const prefix of prefixes) reserved.add(prefix)
    },
    offer(tools) {
      const prefix = prefixOf(tools.skillId)
      const holder = offered.get(prefix)
      if (reserved.has(prefix) || (holder !== undefined && holder !== tools))
        throw new HubError(
          'E_VALIDATION',
          `skill ${tools.skillId} would offer its tools as ${prefix}${SKILL_TOOL_SEPARATOR}…, a prefix another skill already uses; give it an id with another last part`,
          {
            details: {
              issues: [
                {
                  path: '/id',
                  expected: 'a last id part no other tool skill has',
                  got: prefix,
                  message: 'tool name prefix taken',
                },
              ],
            },
          },
        )
      offered.set(prefix, tools)
      return () => {
        if (offered.get(prefix) === tools) offered.delete(prefix)
      }
    },
    get offering() {
      return offered.size > 0
    },
    owns: (name) => split(name) !== undefined,
    refusal: refusalOf,
    descriptors() {
      const found: SkillToolDescriptor[] = []
      for (const [prefix, source] of offered) {
        for (const tool of source.tools()) {
          const tier = tierOfTool(source, tool.toolId)
          if (tier === 'off') continue
          found.push({
            name: `${prefix}${SKILL_TOOL_SEPARATOR}${tool.toolId}`,
            tier,
            description: `${tool.description} (skill ${source.skillId})`,
            parameters: { ...tool.inputSchema },
            source: source.skillId,
          })
        }
      }
      return found
    },
    async run(name, args, signal) {
      const { source, toolId, tier } = lookup(name, args)
      if (tier !== 'read_only') throw new HubError('E_BAD_REQUEST', `${name} needs consent: plan it first`)
      return invoke(source, toolId, args, signal)
    },
    async plan(name, args) {
      const { source, toolId, tier } = lookup(name, args)
      if (tier === 'read_only') throw new HubError('E_BAD_REQUEST', `${name} only reads: run it`)
      const skill = source.skillId
      return {
        kind: 'skill-call',
        tool: name,
        skill,
        toolId,
        tier,
        args,
        summary: `call ${toolId} of skill ${skill}`,
        preview: `skill ${skill}: call tool ${toolId} with\n${JSON.stringify(args, null, 2)}\n`,
        // The pseudo-path a skill's own permission requests use too (decision 1803).
        target: `/skills/${encodeURIComponent(skill)}/${encodeURIComponent(toolId)}`,
        fingerprint: fingerprintOf(skill, toolId, args),
        createdAt: new Date().toISOString(),
      }
    },
    async execute(plan) {
      const { source, toolId } = lookup(plan.tool, plan.args)
      if (source.skillId !== plan.skill || fingerprintOf(plan.skill, toolId, plan.args) !== plan.fingerprint)
        throw new HubError('E_VALIDATION', 'the plan was altered after it was approved')
      return { tool: plan.tool, result: await invoke(source, toolId, plan.args) }
    },
  }
}
