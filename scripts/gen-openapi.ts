// `npm run gen:openapi` writes docs/openapi.json: the document GET /openapi.json serves, taken from a
// real hub started on the default manifest (every route it registers, skills and compat included).
// `--check` fails when the file differs from what the hub would serve (the regeneration test runs it).
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { DEFAULT_MANIFEST_PATH, openHub } from '../src/kernel/index.ts'

export const OPENAPI_FILE = resolve(import.meta.dirname, '..', 'docs', 'openapi.json')

/** The document a hub on the default manifest serves (no model server: nothing is asked of one). */
export async function servedOpenApiText(): Promise<string> {
  const temp = await mkdtemp(join(tmpdir(), 'localhub-openapi-'))
  try {
    const workspace = join(temp, 'workspace')
    mkdirSync(workspace)
    // The default manifest's workspace (~/projects) may not exist here; the routes do not depend on it.
    const manifest = readFileSync(DEFAULT_MANIFEST_PATH, 'utf8').replace(
      /path: "~\/projects"/,
      `path: ${JSON.stringify(workspace)}`,
    )
    writeFileSync(join(temp, 'manifest.yaml'), manifest)
    const dataDir = join(temp, 'data')
    mkdirSync(dataDir)
    const hub = await openHub({
      dataDir,
      manifestPath: join(temp, 'manifest.yaml'),
      port: 0,
      logger: false,
      env: { OLLAMA_HOST: 'http://127.0.0.1:9' },
    })
    try {
      const response = await fetch(`${hub.url}/openapi.json`, {
        headers: { authorization: `Bearer ${hub.token}` },
      })
      if (!response.ok) throw new Error(`GET /openapi.json answered ${response.status}`)
      return await response.text()
    } finally {
      await hub.close()
    }
  } finally {
    await rm(temp, { recursive: true, force: true })
  }
}

async function main(): Promise<void> {
  const text = await servedOpenApiText()
  if (process.argv.includes('--check')) {
    let current = ''
    try {
      current = readFileSync(OPENAPI_FILE, 'utf8')
    } catch {}
    if (current !== text) {
      process.stderr.write(`${OPENAPI_FILE} is out of date: run npm run gen:openapi\n`)
      process.exitCode = 1
    }
    return
  }
  writeFileSync(OPENAPI_FILE, text)
  process.stdout.write(`wrote ${OPENAPI_FILE}\n`)
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === resolve(import.meta.filename)) await main()
