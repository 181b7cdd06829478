import type { Readable } from 'node:stream'
import type { Client } from '@modelcontextprotocol/sdk/client/index.js'
import type { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js'
import type { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js'
import type { CallToolResult, Tool } from '@modelcontextprotocol/sdk/types.js'
import { HubError } from '../contracts/index.ts'
import type { McpServerDeclaration } from '../manifest/index.ts'

/** How long connecting (start, initialize, tools/list) may take, in milliseconds. */
export const DEFAULT_MCP_CONNECT_TIMEOUT_MS = 10_000
/** How much of a stdio server's stderr is kept to explain a failure, in characters. */
export const DEFAULT_MCP_STDERR_TAIL_CHARS = 1_000

type SdkModules = readonly [
  typeof import('@modelcontextprotocol/sdk/client/index.js'),
  typeof import('@modelcontextprotocol/sdk/client/stdio.js'),
  typeof import('@modelcontextprotocol/sdk/client/streamableHttp.js'),
  typeof import('@modelcontextprotocol/sdk/types.js'),
]
let sdkModules: Promise<SdkModules> | undefined

/** The SDK loads with the first MCP server, not with every hub (decision 1711: ~25 MB). */
function loadSdk(): Promise<SdkModules> {
  sdkModules ??= Promise.all([
    import('@modelcontextprotocol/sdk/client/index.js'),
    import('@modelcontextprotocol/sdk/client/stdio.js'),
    import('@modelcontextprotocol/sdk/client/streamableHttp.js'),
    import('@modelcontextprotocol/sdk/types.js'),
  ] as const).catch((error: unknown) => {
    sdkModules = undefined
    throw error
  })
  return sdkModules
}

/** The SDK's JSON-RPC codes the client tells apart (ErrorCode.ConnectionClosed, RequestTimeout). */
const CONNECTION_CLOSED = -32000
const REQUEST_TIMEOUT = -32001

export interface McpConnectionOptions {
  clientName: string
  clientVersion: string
  connectTimeoutMs?: number
}

export type McpConnectionState = 'off' | 'idle' | 'connecting' | 'ready' | 'failed'

export interface McpConnection {
  readonly declaration: McpServerDeclaration
  state(): { state: McpConnectionState; reason?: string }
  /** The server's tools as last listed (kept across a lost connection, refreshed on reconnect). */
  tools(): readonly Tool[]
  /** Connects if needed (a lost connection is made again). Refused when the server is off. */
  connect(): Promise<void>
  call(name: string, args: Record<string, unknown>, signal?: AbortSignal): Promise<CallToolResult>
  close(): Promise<void>
}

/** The response with a body that calls `onBroken` when reading it fails (the connection broke). */
export function watchBody(response: Response, onBroken: () => void): Response {
  if (response.body === null) return response
  const reader = response.body.getReader()
  let cancelled = false
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      let chunk: Awaited<ReturnType<typeof reader.read>>
      try {
        chunk = await reader.read()
      } catch (error) {
        // Only a read the consumer still waits for counts: after a cancel, nothing is broken.
        if (cancelled) return
        onBroken()
        controller.error(error)
        return
      }
      if (cancelled) return
      if (chunk.done) controller.close()
      else controller.enqueue(chunk.value)
    },
    cancel(reason) {
      cancelled = true
      return reader.cancel(reason)
    },
  })
  return new Response(body, {
    status: response.status,
    statusText: response.statusText,
    headers: response.headers,
  })
}

function withTimeout<T>(work: Promise<T>, milliseconds: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new HubError('E_TIMEOUT', `${what} took longer than ${milliseconds} ms`)),
      milliseconds,
    )
  })
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer))
}

/**
 * One external MCP server, through the SDK's Client: started (stdio) or reached (Streamable HTTP)
 * on first use or at the hub's start, listed, and called. A server that stops is noticed (the
 * transport closes), the calls in flight fail with a clear error, and the next use connects again.
 */
export function createMcpConnection(
  declaration: McpServerDeclaration,
  options: McpConnectionOptions,
): McpConnection {
  const connectTimeoutMs = options.connectTimeoutMs ?? DEFAULT_MCP_CONNECT_TIMEOUT_MS
  const off = declaration.needsNetwork && !declaration.networkEnabled
  let client: Client | undefined
  let connecting: Promise<Client> | undefined
  let listed: readonly Tool[] = []
  let failure: string | undefined
  let stderrTail = ''
  let closed = false
  const where =
    declaration.connection.kind === 'stdio'
      ? `${declaration.connection.command} (stdio)`
      : declaration.connection.url

  const offError = () =>
    new HubError(
      'E_PERMISSION_REQUIRED',
      `MCP server ${declaration.skillId} needs the network, which is off until you enable it (config.networkEnabled: true in its manifest entry)`,
      { details: { reason: 'network-off', skillId: declaration.skillId } },
    )

  const explain = (): string => (stderrTail.trim() === '' ? '' : `; its last output: ${stderrTail.trim()}`)

  function transportOf(
    [, stdio, http]: SdkModules,
    onBrokenAnswer: () => void,
  ): StdioClientTransport | StreamableHTTPClientTransport {
    const { StdioClientTransport, getDefaultEnvironment } = stdio
    const { StreamableHTTPClientTransport } = http
    const settings = declaration.connection
    if (settings.kind === 'http')
      return new StreamableHTTPClientTransport(new URL(settings.url), {
        requestInit: { headers: { ...settings.headers } },
        fetch: async (url, init) => {
          const response = await fetch(url, init)
          return init?.method === 'POST' ? watchBody(response, onBrokenAnswer) : response
        },
      })
    const transport = new StdioClientTransport({
      command: settings.command,
      args: [...settings.args],
      env: { ...getDefaultEnvironment(), ...settings.env },
      ...(settings.cwd === undefined ? {} : { cwd: settings.cwd }),
      stderr: 'pipe',
    })
    return transport
  }

  async function refreshTools(current: Client): Promise<void> {
    const tools: Tool[] = []
    let cursor: string | undefined
    do {
      const page = await current.listTools(cursor === undefined ? {} : { cursor })
      tools.push(...page.tools)
      cursor = page.nextCursor
    } while (cursor !== undefined && tools.length < 10_000)
    listed = Object.freeze(tools)
  }

  async function open(): Promise<Client> {
    const modules = await loadSdk()
    const [{ Client }, { StdioClientTransport }, , { ToolListChangedNotificationSchema }] = modules
    const current = new Client({ name: options.clientName, version: options.clientVersion })
    // A Streamable HTTP answer (a POST's body) that breaks mid-call reaches the SDK client only as
    // an error event, and the call would wait for its timeout: a broken answer closes the
    // connection instead, which fails the calls in flight at once (the next call connects again).
    const transport = transportOf(modules, () => {
      if (client === current) void current.close()
    })
    if (transport instanceof StdioClientTransport) {
      stderrTail = ''
      ;(transport.stderr as Readable | null)?.on('data', (chunk: Buffer) => {
        stderrTail = (stderrTail + chunk.toString('utf8')).slice(-DEFAULT_MCP_STDERR_TAIL_CHARS)
      })
    }
    current.onclose = () => {
      if (client === current) {
        client = undefined
        failure = `the connection closed${explain()}`
      }
    }
    try {
      await withTimeout(current.connect(transport), connectTimeoutMs, `connecting to ${where}`)
      await withTimeout(refreshTools(current), connectTimeoutMs, `listing the tools of ${where}`)
    } catch (error) {
      await current.close().catch(() => undefined)
      throw error
    }
    current.setNotificationHandler(ToolListChangedNotificationSchema, async () => {
      await refreshTools(current).catch(() => undefined)
    })
    return current
  }

  async function connected(): Promise<Client> {
    if (off) throw offError()
    if (closed) throw new HubError('E_DEPENDENCY_UNAVAILABLE', 'the hub is stopping')
    if (client !== undefined) return client
    connecting ??= open()
      .then((current) => {
        client = current
        failure = undefined
        return current
      })
      .catch((error: unknown) => {
        failure = `${(error as Error).message}${explain()}`
        throw new HubError(
          'E_DEPENDENCY_UNAVAILABLE',
          `MCP server ${declaration.skillId} (${where}) could not be reached: ${(error as Error).message}${explain()}`,
          { cause: error },
        )
      })
      .finally(() => {
        connecting = undefined
      })
    return connecting
  }

  function callError(error: unknown, name: string): HubError {
    if (error instanceof HubError) return error
    const code = (error as { code?: unknown } | null)?.code
    const closed = code === CONNECTION_CLOSED && /connection closed/i.test((error as Error).message)
    // fetch's own failure: the HTTP connection broke (reset, refused) before an answer came.
    const broken = error instanceof TypeError && /fetch failed|terminated/i.test(error.message)
    if (closed || broken) {
      const cause = broken
        ? ` (${String((error as { cause?: { message?: string } }).cause?.message ?? error.message)})`
        : ''
      return new HubError(
        'E_DEPENDENCY_UNAVAILABLE',
        `MCP server ${declaration.skillId} stopped during the call to ${name}: the connection closed${cause}${explain()}; the next call starts it again`,
        { cause: error, details: { reason: 'server-stopped', skillId: declaration.skillId } },
      )
    }
    if (code === REQUEST_TIMEOUT)
      return new HubError(
        'E_TIMEOUT',
        `MCP server ${declaration.skillId} did not answer ${name} within ${declaration.timeoutMs} ms`,
        { cause: error },
      )
    return new HubError(
      'E_DEPENDENCY_UNAVAILABLE',
      `MCP server ${declaration.skillId} failed on ${name}: ${(error as Error).message}`,
      { cause: error },
    )
  }

  return {
    declaration,
    state() {
      if (off)
        return {
          state: 'off',
          reason: 'needs the network: off until config.networkEnabled: true (network_off_by_default)',
        }
      if (client !== undefined) return { state: 'ready' }
      if (connecting !== undefined) return { state: 'connecting' }
      return failure === undefined ? { state: 'idle' } : { state: 'failed', reason: failure }
    },
    tools: () => listed,
    async connect() {
      await connected()
    },
    async call(name, args, signal) {
      const current = await connected()
      try {
        return (await current.callTool({ name, arguments: args }, undefined, {
          timeout: declaration.timeoutMs,
          ...(signal === undefined ? {} : { signal }),
        })) as CallToolResult
      } catch (error) {
        if (signal?.aborted) throw error
        const failure = callError(error, name)
        // A server that stopped is connected again (a new session) by the next call.
        if (
          (failure.details as { reason?: string } | undefined)?.reason === 'server-stopped' &&
          client === current
        )
          await current.close().catch(() => undefined)
        throw failure
      }
    },
    async close() {
      closed = true
      const current = client ?? (await connecting?.catch(() => undefined))
      client = undefined
      await current?.close().catch(() => undefined)
    },
  }
}
