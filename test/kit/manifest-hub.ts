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

export interface ManifestHub {
  hub: RunningHub
  temp: TempDir
  /** The hub's data directory (`data` in the temp dir). */
  dataDir: string
}

/**
 * Writes `manifest.yaml` into a temp dir and opens a hub on it; `close` shuts the hub and removes
 * the dir. For suites whose hub outlives one test (before/after hooks); tests use openManifestHub.
 */
export async function startManifestHub(
  manifestText: string,
  options: ManifestHubOptions = {},
): Promise<ManifestHub & { close(): Promise<void> }> {
  const temp = options.temp ?? makeTempDir()
  const manifestPath = join(temp.path, 'manifest.yaml')
  const dataDir = join(temp.path, 'data')
  let hub: RunningHub
  try {
    writeFileSync(manifestPath, manifestText)
    hub = await openHub({
      dataDir,
      manifestPath,
      port: 0,
      transport: 'memory',
      logger: false,
      ...(options.env === undefined ? {} : { env: options.env }),
    })
  } catch (error) {
    temp.remove()
    throw error
  }
  const close = async () => {
    try {
      await hub.close()
    } finally {
      temp.remove()
    }
  }
  return { hub, temp, dataDir, close }
}

/** Writes `manifest.yaml` into a temp dir and opens a hub on it; cleanup is registered at once. */
export async function openManifestHub(
  t: TestContextLike,
  manifestText: string,
  options: ManifestHubOptions = {},
): Promise<ManifestHub> {
  const { close, ...started } = await startManifestHub(manifestText, options)
  t.after(close)
  return started
}

/** The scheduler skill as an entry of a manifest's `skills:` list; `config` is its config, one YAML line each. */
export function schedulerSkill(config: readonly string[]): string {
  return `  - id: skill.scheduler
    version: "0.2"
    role: "signals.time"
    transport: { type: inproc, module: scheduler }
    provides: [timer.tick, cron.triggered, heartbeat.tick, timer.schedule.result]
    consumes: [timer.schedule]
    latencyClass: background
    config:
${config.map((line) => `      ${line}`).join('\n')}`
}

/**
 * A manifest with only the scheduler skill (its heartbeat an hour apart, so it stays quiet) and a
 * pipeline receiving timer.tick; `sections` is YAML appended at the top level (`federation: …`).
 */
export function schedulerManifest(system: { id: string; name: string }, sections = ''): string {
  return `manifestVersion: "0.2"
system: { id: ${system.id}, name: ${JSON.stringify(system.name)}, mode: local-first }
skills:
${schedulerSkill(['heartbeatEverySec: 3600'])}
pipelines:
  - id: pipeline.ticks
    steps:
      - { recv: "timer.tick" }
${sections}`
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
