// A real hub (openHub, port 0, no model server) over a temp data dir and one workspace root, with
// helpers to call it as a client would: JSON bodies as given (surrogate escapes kept), raw bytes.
import { mkdirSync, readFileSync, realpathSync, writeFileSync } from 'node:fs'
import { connect } from 'node:net'
import { join } from 'node:path'
import { DEFAULT_MANIFEST_PATH, openHub, type RunningHub } from '../../src/kernel/index.ts'
import { makeTempDir } from '../kit/temp-dir.ts'

// Answers are arbitrary JSON read field by field.
// biome-ignore lint/suspicious/noExplicitAny: see above
export type Json = any

export interface HubWithWorkspace {
  hub: RunningHub
  /** Real path of the workspace root. */
  workspace: string
  /** A folder beside the workspace, outside every root. */
  outside: string
  dataDir: string
  /** body: a string is sent as it is; anything else as JSON.stringify(body). Answers parsed JSON, else text. */
  call(
    method: string,
    path: string,
    body?: unknown,
    headers?: Record<string, string>,
  ): Promise<{ status: number; body: Json }>
  /** Writes raw request bytes on a fresh connection and answers the status line's code. */
  raw(request: string): Promise<number>
  close(): Promise<void>
}

export async function openHubWithWorkspace(
  prefix: string,
  prepare: (dataDir: string) => void = () => undefined,
): Promise<HubWithWorkspace> {
  const temp = makeTempDir(prefix)
  mkdirSync(join(temp.path, 'workspace', 'docs'), { recursive: true })
  mkdirSync(join(temp.path, 'outside'))
  const workspace = realpathSync(join(temp.path, 'workspace'))
  const outside = realpathSync(join(temp.path, 'outside'))
  writeFileSync(join(workspace, 'docs', 'plan.md'), 'first line\n')
  const manifest = readFileSync(DEFAULT_MANIFEST_PATH, 'utf8').replace(
    /path: "~\/projects"/,
    `path: ${JSON.stringify(workspace)}`,
  )
  writeFileSync(join(temp.path, 'manifest.yaml'), manifest)
  const dataDir = join(temp.path, 'data')
  mkdirSync(dataDir)
  prepare(dataDir)
  let hub: RunningHub
  try {
    hub = await openHub({
      dataDir,
      manifestPath: join(temp.path, 'manifest.yaml'),
      port: 0,
      logger: false,
      // No model server: the routes under test must answer before a turn would need one.
      env: { OLLAMA_HOST: 'http://127.0.0.1:9' },
    })
  } catch (error) {
    temp.remove()
    throw error
  }
  const url = new URL(hub.url)
  return {
    hub,
    workspace,
    outside,
    dataDir,
    async call(method, path, body, headers = {}) {
      const response = await fetch(`${hub.url}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${hub.token}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
          ...headers,
        },
        ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
      })
      const text = await response.text()
      let parsed: Json = text
      try {
        parsed = text === '' ? undefined : JSON.parse(text)
      } catch {
        // Not JSON (an SSE stream, say): the text itself, so an assertion can show it.
      }
      return { status: response.status, body: parsed }
    },
    raw(request) {
      return new Promise((resolve, reject) => {
        const socket = connect(Number(url.port), url.hostname)
        let answer = ''
        socket.setEncoding('latin1')
        socket.on('data', (chunk) => {
          answer += chunk
          const status = /^HTTP\/1\.1 (\d{3})/.exec(answer)
          if (status !== null) {
            socket.destroy()
            resolve(Number(status[1]))
          }
        })
        socket.on('error', reject)
        socket.on('close', () => reject(new Error(`no status line in ${JSON.stringify(answer)}`)))
        socket.write(request.replaceAll('TOKEN', hub.token))
      })
    },
    async close() {
      await hub.close()
      temp.remove()
    },
  }
}
