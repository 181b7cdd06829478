import { readFileSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { writePrivateFile } from './private-file.ts'

export const SERVER_INFO_FILE = 'server.json'
const MAX_SERVER_INFO_BYTES = 64 * 1024

/** <dataDir>/server.json: how the CLI finds a running server. The token is not in it (auth-token is). */
export interface ServerInfo {
  url: string
  pid: number
  startedAt: string
  version: string
}

export function serverInfoPath(dataDir: string): string {
  return join(dataDir, SERVER_INFO_FILE)
}

export function writeServerInfo(dataDir: string, info: ServerInfo): void {
  writePrivateFile(serverInfoPath(dataDir), `${JSON.stringify(info, null, 2)}\n`)
}

/** The recorded server, or undefined when there is none or the file is not a server record. */
export function readServerInfo(dataDir: string): ServerInfo | undefined {
  let text: string
  try {
    text = readFileSync(serverInfoPath(dataDir), 'utf8')
  } catch {
    return undefined
  }
  if (text.length > MAX_SERVER_INFO_BYTES) return undefined
  try {
    const value = JSON.parse(text) as Partial<ServerInfo> | null
    if (
      value === null ||
      typeof value !== 'object' ||
      typeof value.url !== 'string' ||
      !Number.isInteger(value.pid) ||
      typeof value.startedAt !== 'string' ||
      typeof value.version !== 'string'
    ) {
      return undefined
    }
    return { url: value.url, pid: value.pid as number, startedAt: value.startedAt, version: value.version }
  } catch {
    return undefined
  }
}

/** True when the recorded process still exists (it may be another program reusing the pid). */
export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}

/** Removes server.json if it still describes this server (a newer server may have replaced it). */
export function removeServerInfo(dataDir: string, url: string): void {
  const current = readServerInfo(dataDir)
  if (current !== undefined && (current.pid !== process.pid || current.url !== url)) return
  rmSync(serverInfoPath(dataDir), { force: true })
}

/**
 * The server recorded in server.json if it is really up (its pid exists and its /health answers);
 * undefined for a stale record left by a crash.
 */
export async function findRunningServer(dataDir: string, timeoutMs = 1_000): Promise<ServerInfo | undefined> {
  const info = readServerInfo(dataDir)
  if (info === undefined || !isProcessAlive(info.pid)) return undefined
  try {
    const response = await fetch(new URL('/health', info.url), { signal: AbortSignal.timeout(timeoutMs) })
    await response.body?.cancel()
    return response.ok ? info : undefined
  } catch {
    return undefined
  }
}
