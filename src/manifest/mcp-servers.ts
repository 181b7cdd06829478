import { asObject, draftAt, list, rawSkills } from './check-kit.ts'
import type { IssueDraft } from './manifest-issue.ts'
import type { CapabilityTier, HubManifest, Skill } from './manifest-types.ts'
import { tierRank } from './tool-policy.ts'
import { isLoopbackHost } from './wyoming-checks.ts'

// External MCP servers declared as skills (`transport: { type: inproc, module: mcp }`, decisions
// 1720-1723). Their config is checked here, with the manifest's line numbers, and turned into the
// frozen declarations the hub's MCP client connects with. Every key acts or is refused.

/** The module name of an MCP server skill (`transport.module`). */
export const MCP_MODULE = 'mcp'
/** How long one tools/call may take before the hub gives up on it, in milliseconds. */
export const DEFAULT_MCP_CALL_TIMEOUT_MS = 60_000
/** The keys an MCP skill's config may have (the skill module refuses any other). */
export const MCP_CONFIG_KEYS = Object.freeze([
  'command',
  'args',
  'cwd',
  'env',
  'url',
  'headers',
  'network',
  'networkEnabled',
  'tools',
  'timeoutMs',
])

/** Tiers an MCP tool may have; `off` keeps a tool of the server from the model. */
export const MCP_TOOL_TIERS = Object.freeze(['read_only', 'write_local_confirm', 'destructive_two_step'])
export type McpToolTier = 'read_only' | 'write_local_confirm' | 'destructive_two_step'

export type McpConnectionSettings =
  | {
      readonly kind: 'stdio'
      readonly command: string
      readonly args: readonly string[]
      readonly cwd?: string
      readonly env: Readonly<Record<string, string>>
    }
  | { readonly kind: 'http'; readonly url: string; readonly headers: Readonly<Record<string, string>> }

export interface McpServerDeclaration {
  readonly skillId: string
  /** Names the server's tools for the model: `<prefix>__<tool>`. */
  readonly prefix: string
  /** The tier of every tool the `tools` map does not name. */
  readonly tier: McpToolTier
  /** Per-tool tiers, or `off` (not offered). */
  readonly toolTiers: Readonly<Record<string, McpToolTier | 'off'>>
  readonly connection: McpConnectionSettings
  /** A URL beyond loopback, or `network: true`: off until `networkEnabled: true` (network_off_by_default). */
  readonly needsNetwork: boolean
  readonly networkEnabled: boolean
  readonly timeoutMs: number
}

const TOOL_NAME = /^[A-Za-z0-9_.-]{1,64}$/

export function isMcpSkill(skill: { transport?: { type?: string; module?: string } | undefined }): boolean {
  return (skill.transport?.type ?? 'inproc') === 'inproc' && skill.transport?.module === MCP_MODULE
}

/** The id's last part as a function-name prefix (`skill.mcp.notes` → `notes`). */
export function mcpPrefixOf(skillId: string): string {
  return (skillId.split('.').at(-1) ?? skillId).replace(/[^A-Za-z0-9_-]/g, '_')
}

function urlNeedsNetwork(url: string): boolean {
  try {
    return !isLoopbackHost(new URL(url).hostname)
  } catch {
    return true
  }
}

function isStringMap(value: unknown): boolean {
  const map = asObject(value)
  return map !== undefined && Object.values(map).every((item) => typeof item === 'string')
}

function configDrafts(root: unknown, path: string, skill: Record<string, unknown>): IssueDraft[] {
  const drafts: IssueDraft[] = []
  const at = (key: string, problem: string, fix: string, expected: string) =>
    drafts.push(draftAt(root, `${path}/config${key === '' ? '' : `/${key}`}`, problem, fix, expected))
  const config = asObject(skill.config)
  if (config === undefined) {
    drafts.push(
      draftAt(
        root,
        path,
        'an MCP server skill needs config.command (stdio) or config.url (Streamable HTTP)',
        'add config: { command: ..., args: [...] } or config: { url: http://127.0.0.1:PORT/mcp }',
        'config with command or url',
      ),
    )
    return drafts
  }
  const hasCommand = config.command !== undefined
  const hasUrl = config.url !== undefined
  if (hasCommand === hasUrl)
    at(
      '',
      hasCommand ? 'config has both command and url' : 'config has neither command nor url',
      'keep command (a server started over stdio) or url (a Streamable HTTP server), not both',
      'exactly one of command, url',
    )
  if (hasCommand && (typeof config.command !== 'string' || config.command.length === 0))
    at('command', 'command must be a program to start', 'write the program, e.g. npx', 'a non-empty string')
  if (config.args !== undefined && !list(config.args).every((item) => typeof item === 'string'))
    at('args', 'args must be a list of strings', 'quote each argument', 'a list of strings')
  if (config.args !== undefined && !Array.isArray(config.args))
    at('args', 'args must be a list', 'write args: [ ... ]', 'a list of strings')
  if (config.cwd !== undefined && (typeof config.cwd !== 'string' || !config.cwd.startsWith('/')))
    at('cwd', 'cwd must be an absolute folder', 'write the full path of the folder', 'an absolute path')
  if (config.env !== undefined && !isStringMap(config.env))
    at('env', 'env must map names to strings', 'quote each value', 'a map of strings')
  for (const key of ['args', 'cwd', 'env'])
    if (config[key] !== undefined && !hasCommand)
      at(key, `${key} applies to a server started with command`, `remove ${key}, or use command`, 'no key')
  if (hasUrl) {
    let valid = false
    try {
      const url = new URL(String(config.url))
      valid = typeof config.url === 'string' && (url.protocol === 'http:' || url.protocol === 'https:')
    } catch {}
    if (!valid)
      at('url', 'url must be an http or https URL', 'e.g. http://127.0.0.1:8931/mcp', 'an http(s) URL')
  }
  if (config.headers !== undefined && (!isStringMap(config.headers) || !hasUrl))
    at(
      'headers',
      'headers must map names to strings, with url',
      'quote each value; use url',
      'a map of strings',
    )
  for (const key of ['network', 'networkEnabled'])
    if (config[key] !== undefined && typeof config[key] !== 'boolean')
      at(key, `${key} must be true or false`, `write ${key}: true or false`, 'a boolean')
  if (hasUrl && typeof config.url === 'string' && urlNeedsNetwork(config.url) && config.network === false)
    at(
      'network',
      `${config.url} is not a loopback address, so the server needs the network`,
      'remove network: false (and enable the server with networkEnabled: true)',
      'network: true or absent',
    )
  if (
    config.timeoutMs !== undefined &&
    (!Number.isInteger(config.timeoutMs) ||
      (config.timeoutMs as number) < 1 ||
      (config.timeoutMs as number) > 3_600_000)
  )
    at('timeoutMs', 'timeoutMs must be a whole number of milliseconds', 'e.g. 60000', 'an integer 1..3600000')
  const tier = typeof skill.capabilityTier === 'string' ? (skill.capabilityTier as CapabilityTier) : undefined
  if (config.tools !== undefined) {
    const tools = asObject(config.tools)
    if (tools === undefined)
      at('tools', 'tools must map tool names to tiers', 'e.g. tools: { search: read_only }', 'a map')
    for (const [name, value] of Object.entries(tools ?? {})) {
      const where = `tools/${name.replace(/~/g, '~0').replace(/\//g, '~1')}`
      if (!TOOL_NAME.test(name))
        at(where, `${name} is not an MCP tool name`, 'use the name the server lists', '1-64 of A-Za-z0-9_.-')
      const problem = toolTierProblem(name, value, tier)
      if (problem !== undefined) at(where, ...problem)
    }
  }
  return drafts
}

/**
 * What is wrong with one entry of a `config.tools` map (MCP servers and skill hosts alike): an
 * unknown tier, or one above the skill's capabilityTier. [problem, fix, expected], or undefined.
 */
export function toolTierProblem(
  name: string,
  value: unknown,
  tier: CapabilityTier | undefined,
): [string, string, string] | undefined {
  if (value === 'off') return undefined
  if (!(MCP_TOOL_TIERS as readonly unknown[]).includes(value))
    return [
      'a tool is read_only, write_local_confirm, destructive_two_step or off',
      'use one of them',
      `${MCP_TOOL_TIERS.join(' | ')} | off`,
    ]
  if (tier !== undefined && tierRank(value as CapabilityTier) > tierRank(tier))
    return [
      `${name} is ${String(value)}, above the skill's capabilityTier ${tier}`,
      `raise capabilityTier to ${String(value)}`,
      `a tier up to ${tier}`,
    ]
  return undefined
}

/** MCP server skills: their config, their tier (required: the hub cannot know what a tool does), unique prefixes. */
export function mcpDrafts(root: unknown): IssueDraft[] {
  const drafts: IssueDraft[] = []
  const prefixes = new Map<string, string>()
  for (const { skill, path } of rawSkills(root)) {
    const transport = asObject(skill.transport)
    if (transport?.module !== MCP_MODULE) continue
    if ((transport.type ?? 'inproc') !== 'inproc') {
      drafts.push(
        draftAt(
          root,
          `${path}/transport/type`,
          'the MCP client runs in the hub',
          'write type: inproc',
          'inproc',
        ),
      )
      continue
    }
    if (skill.capabilityTier === undefined)
      drafts.push(
        draftAt(
          root,
          path,
          "an MCP server's tools may do anything, and the hub cannot tell what: say their tier",
          'add capabilityTier: read_only, write_local_confirm or destructive_two_step (and config.tools for single tools)',
          'capabilityTier',
        ),
      )
    else if (skill.capabilityTier === 'network_off_by_default')
      drafts.push(
        draftAt(
          root,
          `${path}/capabilityTier`,
          'for an MCP server, network use is a property of the server, not a tier of its tools',
          'write config.network: true and the tier of what its tools do (read_only, write_local_confirm, destructive_two_step)',
          MCP_TOOL_TIERS.join(' | '),
        ),
      )
    drafts.push(...configDrafts(root, path, skill))
    if (typeof skill.id === 'string' && skill.enabled !== false) {
      const prefix = mcpPrefixOf(skill.id)
      const other = prefixes.get(prefix)
      if (other !== undefined)
        drafts.push(
          draftAt(
            root,
            `${path}/id`,
            `its tools would be named ${prefix}__*, like those of ${other}`,
            'end the two ids differently (the last part of the id names the tools)',
            'a unique last id part',
          ),
        )
      prefixes.set(prefix, skill.id)
    }
  }
  return drafts
}

function declarationOf(skill: Skill): McpServerDeclaration {
  const config = skill.config ?? {}
  const connection: McpConnectionSettings =
    typeof config.url === 'string'
      ? Object.freeze({
          kind: 'http' as const,
          url: config.url,
          headers: Object.freeze({ ...((config.headers as Record<string, string> | undefined) ?? {}) }),
        })
      : Object.freeze({
          kind: 'stdio' as const,
          command: config.command as string,
          args: Object.freeze([...((config.args as string[] | undefined) ?? [])]),
          ...(typeof config.cwd === 'string' ? { cwd: config.cwd } : {}),
          env: Object.freeze({ ...((config.env as Record<string, string> | undefined) ?? {}) }),
        })
  const needsNetwork =
    config.network === true || (connection.kind === 'http' && urlNeedsNetwork(connection.url))
  return Object.freeze({
    skillId: skill.id,
    prefix: mcpPrefixOf(skill.id),
    tier: (skill.capabilityTier ?? 'write_local_confirm') as McpToolTier,
    toolTiers: Object.freeze({
      ...((config.tools as Record<string, McpToolTier | 'off'> | undefined) ?? {}),
    }),
    connection,
    needsNetwork,
    networkEnabled: config.networkEnabled === true,
    timeoutMs: typeof config.timeoutMs === 'number' ? config.timeoutMs : DEFAULT_MCP_CALL_TIMEOUT_MS,
  })
}

/** The enabled MCP server skills of a validated manifest, as the hub's MCP client connects to them. */
export function mcpServersOf(manifest: Pick<HubManifest, 'skills'>): readonly McpServerDeclaration[] {
  return Object.freeze(
    manifest.skills.filter((skill) => skill.enabled !== false && isMcpSkill(skill)).map(declarationOf),
  )
}
