import { type ChildProcess, spawn } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

const BIN = fileURLToPath(new URL('../../bin/localhub.js', import.meta.url))
/** How long a hub process may take to print its URL (tsx compiles on first start). */
export const HUB_START_TIMEOUT_MS = 30_000

export interface HubProcess {
  url: string
  token: string
  child: ChildProcess
  output(): string
  /** SIGTERM, then SIGKILL after a grace period; resolves with the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>
}

/** Runs the real `localhub serve` as a child process on a free loopback port. */
export async function startHubProcess(
  dataDir: string,
  args: string[] = [],
  env: NodeJS.ProcessEnv = {},
): Promise<HubProcess> {
  // The token comes from the data directory, never from the environment of whoever runs the tests.
  const { LOCALHUB_TOKEN: _ignored, ...inherited } = process.env
  const child = spawn(
    process.execPath,
    [BIN, 'serve', '--port', '0', '--data', dataDir, '--log-level', 'warn', ...args],
    {
      env: { ...inherited, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  )
  let output = ''
  child.stdout!.on('data', (chunk) => {
    output += chunk
  })
  child.stderr!.on('data', (chunk) => {
    output += chunk
  })
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`hub did not start in time:\n${output}`)),
      HUB_START_TIMEOUT_MS,
    )
    const check = () => {
      const match = /running at (http:\/\/\S+)/.exec(output)
      if (match) {
        clearTimeout(timer)
        resolve(match[1]!)
      }
    }
    child.stdout!.on('data', check)
    child.once('exit', (code) => {
      clearTimeout(timer)
      reject(new Error(`hub exited with ${code}:\n${output}`))
    })
  })
  const token = readFileSync(join(dataDir, 'auth-token'), 'utf8').trim()
  return {
    url,
    token,
    child,
    output: () => output,
    stop(signal = 'SIGTERM') {
      // A hub already gone (by exit code or by a signal) has no 'exit' left to wait for.
      if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode)
      return new Promise((resolve) => {
        const killer = setTimeout(() => child.kill('SIGKILL'), 10_000)
        child.once('exit', (code) => {
          clearTimeout(killer)
          resolve(code)
        })
        child.kill(signal)
      })
    },
  }
}
