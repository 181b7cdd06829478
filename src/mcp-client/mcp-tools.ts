import { createHash } from 'node:crypto'
import type { CallToolResult, Tool } from '@modelcontextprotocol/sdk/types.js'
import { HubError } from '../contracts/index.ts'
import type { McpServerDeclaration, McpToolTier } from '../manifest/index.ts'
import { createMcpConnection, type McpConnection, type McpConnectionOptions } from './mcp-connection.ts'

/** Between a server's name prefix and its tool's name: `notes__add_note`. */
export const MCP_NAME_SEPARATOR = '__'
/** How much of a tool's text answer an error message quotes, in characters. */
const ERROR_TEXT_CHARS = 2_000
/** The largest answer (as JSON) handed to the model or kept with an approval, in bytes. */
export const DEFAULT_MCP_MAX_ANSWER_BYTES = 256 * 1024
/** Tool names a model's function calling accepts (OpenAI: 1-64 of these); others are not offered. */
const OFFERABLE_NAME = /^[A-Za-z0-9_-]{1,64}$/

/** An MCP tool as the hub's model and tool service see it. */
export interface McpToolDescriptor {
  name: string
  tier: McpToolTier
  description: string
  parameters: Record<string, unknown>
  /** The MCP server skill the tool belongs to (its ledger actor and the tool.request `tool`). */
  source: string
}

/**
 * A call to another process's tool that waits for consent: what the approval shows and what runs
 * once approved. An out-of-process skill's call has this shape too and is approved alike (decision
 * 1832). The fingerprint binds the tool's owner, the tool and the arguments; `target` is the
 * approval's (pseudo-)path.
 */
export interface ConsentCallPlan<Kind extends string> {
  kind: Kind
  tool: string
  tier: Exclude<McpToolTier, 'read_only'>
  args: Record<string, unknown>
  summary: string
  preview: string
  target: string
  fingerprint: string
  createdAt: string
}

/** A call to an MCP server's tool (`remoteTool`, as the server names it) that waits for consent. */
export interface McpCallPlan extends ConsentCallPlan<'mcp-call'> {
  server: string
  remoteTool: string
}

export function isMcpCallPlan(value: unknown): value is McpCallPlan {
  return (value as { kind?: unknown } | null)?.kind === 'mcp-call'
}

export interface McpServerStatus {
  state: 'ready' | 'degraded' | 'unavailable' | 'failed'
  reason?: string
}

export interface McpTools {
  /** Declared servers (enabled in the manifest, whether or not the network lets them run). */
  readonly declared: number
  /** Connects every server that may run, at once; failures are kept as their status. */
  start(): Promise<void>
  owns(name: string): boolean
  /** Why a name of one of these servers is not among the descriptors (network off, turned off, not connected, unknown). */
  refusal(name: string): HubError | undefined
  descriptors(): McpToolDescriptor[]
  run(name: string, args: Record<string, unknown>, signal?: AbortSignal): Promise<unknown>
  plan(name: string, args: Record<string, unknown>): Promise<McpCallPlan>
  execute(plan: McpCallPlan): Promise<unknown>
  /** The skill's health: ready, off (network), or why it failed. */
  status(skillId: string): McpServerStatus
  close(): Promise<void>
}

function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`
  if (value !== null && typeof value === 'object')
    return `{${Object.keys(value)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${canonical((value as Record<string, unknown>)[key])}`)
      .join(',')}}`
  return JSON.stringify(value) ?? 'null'
}

function textOf(result: CallToolResult): string {
  return result.content
    .map((part) => (part.type === 'text' ? part.text : `[${part.type}]`))
    .join('\n')
    .slice(0, ERROR_TEXT_CHARS)
}

/** What the model (and an approval's execution result) receives of a tool's answer. */
function answerOf(result: CallToolResult): Record<string, unknown> {
  return {
    content: result.content,
    ...(result.structuredContent === undefined ? {} : { structuredContent: result.structuredContent }),
  }
}

/**
 * The tools of the manifest's MCP servers, under the hub's consent: read_only tools run at once,
 * others are planned (previewed with their arguments) and run only when the approval says so.
 */
export function createMcpTools(
  declarations: readonly McpServerDeclaration[],
  options: McpConnectionOptions,
): McpTools {
  const connections = new Map<string, McpConnection>()
  for (const declaration of declarations)
    connections.set(declaration.prefix, createMcpConnection(declaration, options))

  function split(name: string): { connection: McpConnection; remote: string } | undefined {
    const at = name.indexOf(MCP_NAME_SEPARATOR)
    if (at <= 0) return undefined
    const connection = connections.get(name.slice(0, at))
    return connection === undefined
      ? undefined
      : { connection, remote: name.slice(at + MCP_NAME_SEPARATOR.length) }
  }

  function tierOf(declaration: McpServerDeclaration, tool: string): McpToolTier | 'off' {
    return declaration.toolTiers[tool] ?? declaration.tier
  }

  function descriptorOf(connection: McpConnection, tool: Tool): McpToolDescriptor | undefined {
    const { declaration } = connection
    const tier = tierOf(declaration, tool.name)
    // A name the model could not call back (dots, slashes, spaces) is left out rather than mangled.
    if (tier === 'off' || !OFFERABLE_NAME.test(tool.name)) return undefined
    return {
      name: `${declaration.prefix}${MCP_NAME_SEPARATOR}${tool.name}`,
      tier,
      description: `${tool.description ?? tool.title ?? tool.name} (MCP server ${declaration.skillId})`,
      parameters: tool.inputSchema as Record<string, unknown>,
      source: declaration.skillId,
    }
  }

  /** The tool, refused when its server is off or the manifest turned it off. */
  function lookup(name: string): { connection: McpConnection; remote: string; tier: McpToolTier } {
    const found = split(name)
    if (found === undefined)
      throw new HubError('E_BAD_REQUEST', `no MCP tool named ${JSON.stringify(name).slice(0, 80)}`)
    const tier = tierOf(found.connection.declaration, found.remote)
    if (tier === 'off')
      throw new HubError('E_PERMISSION_REQUIRED', `${name} is turned off in the manifest (config.tools)`, {
        details: { reason: 'not-offered' },
      })
    return { ...found, tier }
  }

  function fingerprintOf(server: string, tool: string, args: Record<string, unknown>): string {
    return createHash('sha256').update(canonical({ server, tool, args })).digest('hex')
  }

  async function invoke(
    connection: McpConnection,
    remote: string,
    args: Record<string, unknown>,
    signal?: AbortSignal,
  ): Promise<Record<string, unknown>> {
    const result = await connection.call(remote, args, signal)
    if (result.isError === true)
      throw new HubError(
        'E_IO',
        `MCP tool ${remote} of ${connection.declaration.skillId} failed: ${textOf(result)}`,
        {
          details: { reason: 'tool-error' },
        },
      )
    const answer = answerOf(result)
    const bytes = Buffer.byteLength(JSON.stringify(answer))
    if (bytes > DEFAULT_MCP_MAX_ANSWER_BYTES)
      throw new HubError(
        'E_RESOURCE_LIMIT',
        `MCP tool ${remote} of ${connection.declaration.skillId} answered ${bytes} bytes, more than the ${DEFAULT_MCP_MAX_ANSWER_BYTES} the hub passes on`,
      )
    return answer
  }

  return {
    declared: connections.size,
    async start() {
      await Promise.all(
        [...connections.values()]
          .filter((connection) => connection.state().state !== 'off')
          .map((connection) => connection.connect().catch(() => undefined)),
      )
    },
    owns: (name) => split(name) !== undefined,
    refusal(name) {
      const found = split(name)
      if (found === undefined) return undefined
      const { connection, remote } = found
      const { skillId } = connection.declaration
      const { state, reason } = connection.state()
      if (state === 'off')
        return new HubError(
          'E_PERMISSION_REQUIRED',
          `${name}: MCP server ${skillId} needs the network, which is off until you enable it (config.networkEnabled: true in its manifest entry)`,
          { details: { reason: 'network-off', skillId } },
        )
      if (tierOf(connection.declaration, remote) === 'off')
        return new HubError('E_PERMISSION_REQUIRED', `${name} is turned off in the manifest (config.tools)`, {
          details: { reason: 'not-offered', skillId },
        })
      if (connection.tools().length === 0 && state !== 'ready') {
        // Never reached: try again in the background, so that the next call may find it.
        void connection.connect().catch(() => undefined)
        return new HubError(
          'E_DEPENDENCY_UNAVAILABLE',
          `MCP server ${skillId} is not connected (${reason ?? state}); the hub is trying again`,
          { details: { reason: 'not-connected', skillId } },
        )
      }
      const names = connection.tools().map((tool) => tool.name)
      return new HubError(
        'E_BAD_REQUEST',
        `MCP server ${skillId} lists no tool ${remote}; it lists ${names.join(', ')}`,
      )
    },
    descriptors() {
      const found: McpToolDescriptor[] = []
      for (const connection of connections.values()) {
        // A server that has never answered lists nothing; one whose connection broke keeps its
        // last list, so the model can still ask (and the call starts the server again).
        if (connection.state().state === 'off') continue
        for (const tool of connection.tools()) {
          const descriptor = descriptorOf(connection, tool)
          if (descriptor !== undefined) found.push(descriptor)
        }
      }
      return found
    },
    async run(name, args, signal) {
      const { connection, remote, tier } = lookup(name)
      if (tier !== 'read_only') throw new HubError('E_BAD_REQUEST', `${name} needs consent: plan it first`)
      return invoke(connection, remote, args, signal)
    },
    async plan(name, args) {
      const { connection, remote, tier } = lookup(name)
      if (tier === 'read_only') throw new HubError('E_BAD_REQUEST', `${name} only reads: run it`)
      // Refused before an approval is asked for: an off server cannot run even if approved.
      if (connection.state().state === 'off') await connection.connect()
      const server = connection.declaration.skillId
      const argumentsText = JSON.stringify(args, null, 2)
      return {
        kind: 'mcp-call',
        tool: name,
        server,
        remoteTool: remote,
        tier,
        args,
        summary: `call ${remote} on MCP server ${server}`,
        preview: `MCP server ${server}: call tool ${remote} with\n${argumentsText}\n`,
        target: `/mcp/${encodeURIComponent(server)}/${encodeURIComponent(remote).replace(/^\.+$/, (dots) => '%2E'.repeat(dots.length))}`,
        fingerprint: fingerprintOf(server, remote, args),
        createdAt: new Date().toISOString(),
      }
    },
    async execute(plan) {
      const { connection, remote } = lookup(plan.tool)
      if (fingerprintOf(connection.declaration.skillId, remote, plan.args) !== plan.fingerprint)
        throw new HubError('E_VALIDATION', 'the plan was altered after it was approved')
      return { tool: plan.tool, ...(await invoke(connection, remote, plan.args)) }
    },
    status(skillId) {
      const connection = [...connections.values()].find(
        (candidate) => candidate.declaration.skillId === skillId,
      )
      if (connection === undefined)
        return { state: 'unavailable', reason: 'the hub did not open this MCP server' }
      const { state, reason } = connection.state()
      if (state === 'ready') return { state: 'ready' }
      if (state === 'off') return { state: 'unavailable', reason: reason ?? 'off' }
      if (state === 'failed') return { state: 'failed', reason: reason ?? 'failed' }
      return { state: 'degraded', reason: `not connected yet (${state})` }
    },
    async close() {
      await Promise.all([...connections.values()].map((connection) => connection.close()))
    },
  }
}
