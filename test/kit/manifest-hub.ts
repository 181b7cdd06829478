import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { openHub, type RunningHub } from '../../src/kernel/index.ts'
import { makeTempDir } from './temp-dir.ts'

// Helpers for e2e suites that run a real hub from a manifest written for the test: the hub on
// port 0 with the in-memory bus and a temp data dir, closed and removed when the test ends.

export interface TestContextLike {
  after(fn: () => Promise<void> | void): void
}

export type TempDir = ReturnType<typeof makeTempDir>

export interface ManifestHubOptions {
  /** A temp dir the test made already (the manifest names paths in it); removed with the hub. */
  temp?: TempDir
  /** The hub's environment (openHub's `env`); left out, openHub uses its default. */
  env?: Record<string, string | undefined>
}

/** Writes `manifest.yaml` into a temp dir and opens a hub on it; cleanup is registered at once. */
export async function openManifestHub(
  t: TestContextLike,
  manifestText: string,
  options: ManifestHubOptions = {},
): Promise<{ hub: RunningHub; temp: TempDir }> {
  const temp = options.temp ?? makeTempDir()
  const manifestPath = join(temp.path, 'manifest.yaml')
  writeFileSync(manifestPath, manifestText)
  let hub: RunningHub | undefined
  t.after(async () => {
    await hub?.close()
    temp.remove()
  })
  hub = await openHub({
    dataDir: join(temp.path, 'data'),
    manifestPath,
    port: 0,
    transport: 'memory',
    logger: false,
    ...(options.env === undefined ? {} : { env: options.env }),
  })
  return { hub, temp }
}

/** A hub route called with the hub's token; a body is sent as JSON. */
export async function callHub<B = Record<string, unknown>>(
  hub: { url: string; token: string },
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; body: B }> {
  const response = await fetch(`${hub.url}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${hub.token}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  })
  return { status: response.status, body: (await response.json()) as B }
}
