import { createHash, type Hash } from 'node:crypto'
import { createReadStream, createWriteStream, mkdirSync, renameSync, rmSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { HubError } from '../contracts/index.ts'
import { checkModelName, modelNameOfUrl, modelsDirectoryOf, PARTIAL_SUFFIX } from './model-store.ts'

/** Times a broken download is resumed before the pull gives up. */
export const DEFAULT_PULL_ATTEMPTS = 5
/** Wait before resuming after a broken connection, in milliseconds (doubled each time). */
export const DEFAULT_RETRY_DELAY_MS = 250

const SHA256_PATTERN = /^[0-9a-f]{64}$/

export interface PullProgress {
  receivedBytes: number
  /** Absent when the server does not say. */
  totalBytes?: number
  /** True once a partial file was continued with a Range request. */
  resumed: boolean
}

export interface PullOptions {
  dataDir: string
  url: string
  /** File name in <data>/models; the URL's last segment when absent. */
  name?: string
  /** Expected sha256 (hex); the file is kept only when it matches. */
  sha256?: string
  onProgress?: (progress: PullProgress) => void
  attempts?: number
  retryDelayMs?: number
  signal?: AbortSignal
}

export interface PulledModel {
  name: string
  path: string
  sizeBytes: number
  sha256: string
  /** How many requests it took (1 without a break). */
  requests: number
}

async function hashExisting(path: string, hash: Hash): Promise<number> {
  let size = 0
  try {
    size = statSync(path).size
  } catch {
    return 0
  }
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer)
  return size
}

function contentRangeStart(header: string | null): number | undefined {
  const match = /^bytes (\d+)-\d+\/(\d+|\*)$/.exec(header ?? '')
  return match === null ? undefined : Number(match[1])
}

function totalOf(response: Response, offset: number): number | undefined {
  const range = /\/(\d+)$/.exec(response.headers.get('content-range') ?? '')
  if (range !== null) return Number(range[1])
  const length = response.headers.get('content-length')
  return length === null ? undefined : offset + Number(length)
}

/**
 * Downloads a model file (GGUF, whisper .bin) into <data>/models: to `<name>.part`, resumed with an
 * HTTP Range request after a broken connection (and by the next pull), sha256 checked against the
 * given digest before it is renamed into place. A mismatch deletes the download.
 */
export async function pullModelFile(options: PullOptions): Promise<PulledModel> {
  const url = new URL(options.url)
  if (url.protocol !== 'https:' && url.protocol !== 'http:')
    throw new HubError('E_VALIDATION', `only http and https URLs can be pulled, not ${url.protocol}`)
  const expected = options.sha256?.toLowerCase()
  if (expected !== undefined && !SHA256_PATTERN.test(expected))
    throw new HubError('E_VALIDATION', 'the sha256 must be 64 hexadecimal digits')
  const name = options.name === undefined ? modelNameOfUrl(url) : checkModelName(options.name)
  const directory = modelsDirectoryOf(options.dataDir)
  mkdirSync(directory, { recursive: true, mode: 0o700 })
  const path = join(directory, name)
  const partial = `${path}${PARTIAL_SUFFIX}`
  const attempts = options.attempts ?? DEFAULT_PULL_ATTEMPTS
  let delay = options.retryDelayMs ?? DEFAULT_RETRY_DELAY_MS
  let hash = createHash('sha256')
  let received = await hashExisting(partial, hash)
  let resumed = false
  let requests = 0
  for (let attempt = 1; ; attempt++) {
    requests++
    try {
      const response = await fetch(url, {
        headers: received > 0 ? { range: `bytes=${received}-` } : {},
        ...(options.signal === undefined ? {} : { signal: options.signal }),
      })
      if (response.status === 416 && received > 0) {
        // The part already holds the whole file.
        await response.body?.cancel()
        break
      }
      if (response.status !== 200 && response.status !== 206)
        throw new HubError('E_IO', `${url.href} answered ${response.status} ${response.statusText}`)
      if (response.status === 206 && contentRangeStart(response.headers.get('content-range')) === received) {
        resumed ||= received > 0
      } else if (received > 0) {
        // The server sent the whole file again: start over.
        hash = createHash('sha256')
        received = 0
        rmSync(partial, { force: true })
      }
      const totalBytes = totalOf(response, received)
      const out = createWriteStream(partial, { flags: 'a', mode: 0o600 })
      try {
        for await (const chunk of response.body ?? []) {
          const bytes = chunk as Uint8Array
          hash.update(bytes)
          received += bytes.length
          if (!out.write(bytes)) await new Promise<void>((resolve) => out.once('drain', () => resolve()))
          options.onProgress?.({
            receivedBytes: received,
            ...(totalBytes === undefined ? {} : { totalBytes }),
            resumed,
          })
        }
      } finally {
        await new Promise<void>((resolve, reject) =>
          out.end((error?: Error | null) => (error ? reject(error) : resolve())),
        )
      }
      if (totalBytes !== undefined && received < totalBytes)
        throw new HubError('E_IO', `the connection ended after ${received} of ${totalBytes} bytes`)
      break
    } catch (error) {
      if (options.signal?.aborted === true || attempt >= attempts) {
        throw error instanceof HubError
          ? error
          : new HubError('E_IO', `pulling ${url.href} failed: ${(error as Error).message}`, { cause: error })
      }
      // The part on disk is what arrived; continue from it.
      hash = createHash('sha256')
      received = await hashExisting(partial, hash)
      await new Promise((resolve) => setTimeout(resolve, delay))
      delay *= 2
    }
  }
  const digest = hash.digest('hex')
  if (expected !== undefined && digest !== expected) {
    rmSync(partial, { force: true })
    throw new HubError(
      'E_VALIDATION',
      `sha256 mismatch for ${name}: expected ${expected}, got ${digest}; the download was deleted`,
    )
  }
  renameSync(partial, path)
  return { name, path, sizeBytes: received, sha256: digest, requests }
}
