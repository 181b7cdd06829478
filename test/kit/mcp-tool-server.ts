// An MCP server written with the official SDK, for the hub-as-MCP-client tests: `lookup` reads a
// note, `add_note` writes one (to a JSON file, so a test sees whether it ran), `fail` answers with
// isError, and `crash` never answers (the stdio server exits; the HTTP server drops the socket).
// Run as a script it serves stdio; startKitMcpHttpServer serves Streamable HTTP on loopback.
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { createServer, type Server as HttpServer, type IncomingMessage } from 'node:http'
import type { AddressInfo } from 'node:net'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { Server } from '@modelcontextprotocol/sdk/server/index.js'
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js'
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js'
import {
  CallToolRequestSchema,
  type CallToolResult,
  ListToolsRequestSchema,
} from '@modelcontextprotocol/sdk/types.js'

/** This file, for a manifest's `command: node, args: [--import, tsx, KIT_MCP_SERVER_SCRIPT]`. */
export const KIT_MCP_SERVER_SCRIPT = fileURLToPath(import.meta.url)
/** Where the notes live: an environment variable for the stdio server, an option for HTTP. */
export const KIT_NOTES_FILE_ENV = 'KIT_MCP_NOTES_FILE'

export const KIT_MCP_TOOLS = [
  {
    name: 'lookup',
    description: 'Read the note stored under a key.',
    inputSchema: {
      type: 'object' as const,
      properties: { key: { type: 'string', minLength: 1 } },
      required: ['key'],
      additionalProperties: false,
    },
  },
  {
    name: 'add_note',
    description: 'Store a note under a key.',
    inputSchema: {
      type: 'object' as const,
      properties: { key: { type: 'string', minLength: 1 }, text: { type: 'string' } },
      required: ['key', 'text'],
      additionalProperties: false,
    },
  },
  { name: 'fail', description: 'Always fails.', inputSchema: { type: 'object' as const, properties: {} } },
  { name: 'crash', description: 'Never answers.', inputSchema: { type: 'object' as const, properties: {} } },
  { name: 'vanish', description: 'Dies at once.', inputSchema: { type: 'object' as const, properties: {} } },
  {
    name: 'slow',
    description: 'Answers after ms milliseconds.',
    inputSchema: { type: 'object' as const, properties: { ms: { type: 'integer', minimum: 0 } } },
  },
  {
    name: 'big',
    description: 'Answers with a text of the given size.',
    inputSchema: { type: 'object' as const, properties: { bytes: { type: 'integer', minimum: 0 } } },
  },
  { name: 'dotted.name', description: 'A name no model can call.', inputSchema: { type: 'object' as const } },
  {
    name: 'grow',
    description: 'Adds the tool extra and tells the client the list changed.',
    inputSchema: { type: 'object' as const, properties: {} },
  },
  {
    name: 'env',
    description: "Reads one of the server process's environment variables.",
    inputSchema: { type: 'object' as const, properties: { name: { type: 'string' } }, required: ['name'] },
  },
]

export function readNotes(file: string): Record<string, string> {
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Record<string, string>) : {}
}

/** One SDK server over the notes file; `onCrash` is what `crash` does instead of answering. */
export function createKitMcpServer(notesFile: string, onCrash: () => void): Server {
  const server = new Server(
    { name: 'kit-notes', version: '1.0.0' },
    { capabilities: { tools: { listChanged: true }, logging: {} } },
  )
  let grown = false
  const extra = { name: 'extra', description: 'Added by grow.', inputSchema: { type: 'object' as const } }
  server.setRequestHandler(ListToolsRequestSchema, async () => ({
    tools: grown ? [...KIT_MCP_TOOLS, extra] : KIT_MCP_TOOLS,
  }))
  server.setRequestHandler(CallToolRequestSchema, async (request, extra): Promise<CallToolResult> => {
    const args = (request.params.arguments ?? {}) as Record<string, unknown>
    const key = typeof args.key === 'string' ? args.key : ''
    switch (request.params.name) {
      case 'lookup': {
        const text = readNotes(notesFile)[key] ?? null
        return {
          content: [{ type: 'text', text: text === null ? `no note ${key}` : `note ${key}: ${text}` }],
          structuredContent: { key, text },
        }
      }
      case 'add_note': {
        if (key === '' || typeof args.text !== 'string')
          return { content: [{ type: 'text', text: 'add_note needs key and text' }], isError: true }
        writeFileSync(notesFile, JSON.stringify({ ...readNotes(notesFile), [key]: args.text }))
        return { content: [{ type: 'text', text: `stored ${key}` }] }
      }
      case 'fail':
        return { content: [{ type: 'text', text: 'the kit tool failed on purpose' }], isError: true }
      case 'vanish':
        onCrash()
        return new Promise<never>(() => undefined)
      case 'crash':
        // Something of the answer is on its way first (over HTTP: the headers and one event), so
        // the connection breaks in the middle of the answer, not before it.
        await extra.sendNotification({
          method: 'notifications/message',
          params: { level: 'info', data: 'crashing' },
        })
        await new Promise((resolve) => setTimeout(resolve, 20))
        onCrash()
        return new Promise<never>(() => undefined)
      case 'grow':
        grown = true
        await server.sendToolListChanged()
        return { content: [{ type: 'text', text: 'grown' }] }
      case 'big':
        return { content: [{ type: 'text', text: 'x'.repeat(Number(args.bytes ?? 0)) }] }
      case 'slow':
        await new Promise((resolve) => setTimeout(resolve, Number(args.ms ?? 0)))
        return { content: [{ type: 'text', text: 'slept' }] }
      case 'env': {
        const value = process.env[String(args.name)] ?? null
        return { content: [{ type: 'text', text: String(value) }], structuredContent: { value } }
      }
      default:
        return { content: [{ type: 'text', text: `no tool ${request.params.name}` }], isError: true }
    }
  })
  return server
}

export interface KitMcpHttpServer {
  readonly url: string
  /** POST requests received (a server the hub must not reach stays at 0). */
  readonly requests: number
  /** The authorization header of the last POST (config.headers reach the server). */
  readonly lastAuthorization: string | undefined
  close(): Promise<void>
}

function readBody(request: IncomingMessage): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    request.on('data', (chunk: Buffer) => chunks.push(chunk))
    request.on('end', () => {
      try {
        resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')))
      } catch (error) {
        reject(error)
      }
    })
    request.on('error', reject)
  })
}

/** Streamable HTTP, stateless (a server and transport per POST), on 127.0.0.1 and a free port. */
export async function startKitMcpHttpServer(options: { notesFile: string }): Promise<KitMcpHttpServer> {
  let requests = 0
  let lastAuthorization: string | undefined
  const http: HttpServer = createServer((request, response) => {
    if (request.method !== 'POST') {
      response.writeHead(405, { allow: 'POST' }).end()
      return
    }
    requests++
    lastAuthorization = request.headers.authorization
    void (async () => {
      const body = await readBody(request)
      const server = createKitMcpServer(options.notesFile, () => response.socket?.destroy())
      const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined })
      response.on('close', () => {
        void transport.close()
        void server.close()
      })
      await server.connect(transport)
      await transport.handleRequest(request, response, body)
    })().catch(() => response.socket?.destroy())
  })
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve))
  const { port } = http.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}/mcp`,
    get requests() {
      return requests
    },
    get lastAuthorization() {
      return lastAuthorization
    },
    close: () =>
      new Promise<void>((resolve) => {
        http.closeAllConnections()
        http.close(() => resolve())
      }),
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const notesFile = process.env[KIT_NOTES_FILE_ENV]
  if (notesFile === undefined) {
    process.stderr.write(`set ${KIT_NOTES_FILE_ENV}\n`)
    process.exit(2)
  }
  if (process.argv.includes('--http')) {
    // Streamable HTTP in its own process (the benchmark's upstream): prints its URL, then serves.
    const http = await startKitMcpHttpServer({ notesFile })
    process.stdout.write(`${http.url}\n`)
  } else {
    const server = createKitMcpServer(notesFile, () => {
      process.stderr.write('kit server: crashing on purpose\n')
      process.exit(7)
    })
    await server.connect(new StdioServerTransport())
  }
}
