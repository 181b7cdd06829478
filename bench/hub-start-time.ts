// Times a hub start as a person sees it (issue 22, decision 1632): `localhub serve` in its own
// process until `GET /events?limit=1` answers, then SIGTERM until it exits. Each start pays its own
// module loading, so starts measured one after another in one process (where the first paid the
// imports for all) can no longer make the first data directory look slow.
import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'

const CLI = fileURLToPath(new URL('../bin/localhub.js', import.meta.url))
const READY_TIMEOUT_MS = 120_000

export interface ServeStart {
  /** From spawning node until GET /events?limit=1 answered. */
  readyMs: number
  /** From SIGTERM until the process exited. */
  closeMs: number
}

export async function timeServeStart(
  dataDir: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<ServeStart> {
  const started = performance.now()
  const child = spawn(
    process.execPath,
    ['--max-semi-space-size=4', CLI, 'serve', '--port', '0', '--data', dataDir, '--log-level', 'warn'],
    { env, stdio: ['ignore', 'pipe', 'pipe'] },
  )
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  try {
    let output = ''
    let errors = ''
    child.stderr.on('data', (chunk) => {
      errors += chunk
    })
    const login = await new Promise<URL>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`serve not ready: ${errors}`)), READY_TIMEOUT_MS)
      child.stdout.on('data', (chunk) => {
        output += chunk
        const found = /(http:\/\/\S+\?token=\S+)\s/.exec(output)
        if (found === null) return
        clearTimeout(timer)
        resolve(new URL(found[1]!))
      })
      child.once('exit', (code) => {
        clearTimeout(timer)
        reject(new Error(`serve exited ${code}: ${errors}`))
      })
    })
    const token = login.searchParams.get('token') ?? ''
    const response = await fetch(`${login.origin}/events?limit=1`, {
      headers: { authorization: `Bearer ${token}` },
    })
    await response.text()
    if (!response.ok) throw new Error(`GET /events answered ${response.status}`)
    const readyMs = performance.now() - started
    const stopping = performance.now()
    child.kill('SIGTERM')
    await exited
    return { readyMs, closeMs: performance.now() - stopping }
  } finally {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL')
      await exited
    }
  }
}
