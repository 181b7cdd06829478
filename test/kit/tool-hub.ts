// What the tests of the model's tools share (MCP servers, stdio skills' tools, per-tool tiers): the
// default manifest with more skills, a hub opened on it with a loopback model, chat turns read from
// their SSE stream, and GET /tools as `name:tier:source` lines.
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { parse, stringify } from 'yaml'
import { DEFAULT_MANIFEST_PATH, openHub, type RunningHub } from '../../src/kernel/index.ts'
import { REPO_ROOT } from './child-process.ts'
import { callHub } from './manifest-hub.ts'

// biome-ignore lint/suspicious/noExplicitAny: raw YAML and JSON answers
export type Json = Record<string, any>

/** The TypeScript example skill host (examples/skills/frames-echo) as a stdio transport entry. */
export function tsExampleStdioTransport(): Json {
  return {
    type: 'stdio',
    command: process.execPath,
    args: ['--conditions=localhub-source', '--import', 'tsx', 'examples/skills/frames-echo/index.ts'],
    cwd: REPO_ROOT,
    timeoutMs: 30_000,
  }
}

/** The default manifest with `skills` added and the given workspace roots (none by default). */
export function defaultManifestWith(skills: readonly Json[], roots: readonly Json[] = []): string {
  const manifest = parse(readFileSync(DEFAULT_MANIFEST_PATH, 'utf8')) as Json
  manifest.workspace.roots = [...roots]
  manifest.skills.push(...skills)
  return stringify(manifest)
}

/** A hub on port 0 with its data and manifest in `directory`, its model at `llm`. */
export async function openToolHub(
  directory: string,
  manifestText: string,
  llm: { baseUrl: string; model: string },
): Promise<RunningHub> {
  writeFileSync(join(directory, 'manifest.yaml'), manifestText)
  return openHub({
    dataDir: join(directory, 'data'),
    manifestPath: join(directory, 'manifest.yaml'),
    port: 0,
    logger: false,
    llmFlags: llm,
  })
}

/** The text of a streamed chat answer (its stream.chunk events). */
export function chatText(body: string): string {
  return body
    .split('\n\n')
    .filter((block) => block.startsWith('event: stream.chunk'))
    .map((block) => (JSON.parse(/^data: (.+)$/m.exec(block)![1]!) as { data: { text: string } }).data.text)
    .join('')
}

/** One chat turn in `sessionId`; resolves with the answer's text. */
export async function chatTurn(hub: RunningHub, text: string, sessionId: string): Promise<string> {
  const response = await fetch(`${hub.url}/chat`, {
    method: 'POST',
    headers: { authorization: `Bearer ${hub.token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ text, sessionId }),
  })
  return chatText(await response.text())
}

/** GET /tools as `name:tier:source` (source `fs` for the file tools). */
export async function listedTools(hub: RunningHub): Promise<string[]> {
  const listed = await callHub<Json>(hub, 'GET', '/tools')
  return (listed.body.data as Json[]).map((tool) => `${tool.name}:${tool.tier}:${tool.source ?? 'fs'}`)
}
