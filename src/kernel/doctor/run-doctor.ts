import type { HubManifest } from '../../manifest/index.ts'
import type { LlmConfigInput } from '../../skills/llm/index.ts'
import { findRunningServer } from '../server/index.ts'
import { DEFAULT_DOCTOR_TIMEOUT_MS, type DoctorCheck, type DoctorReport } from './doctor-types.ts'
import { checkModel } from './model-check.ts'
import { checkDataDir, checkNode, checkPort, checkRuntime, checkSqlite } from './system-checks.ts'
import { checkNats, checkSpeechTools, natsUrlOf } from './tool-checks.ts'
import { checkWorkspaceRoots } from './workspace-check.ts'

export interface DoctorOptions {
  /** Undefined when it could not be loaded: the CLI reports why in `leading`. */
  manifest: HubManifest | undefined
  dataDir: string
  env: Readonly<Record<string, string | undefined>>
  /** Where the hub listens (or would). */
  address: { host: string; port: number }
  llmFlags?: LlmConfigInput
  /** Set when the hub itself runs the doctor (GET /doctor): its own port is not "busy". */
  self?: { url: string }
  /** Checks the caller made first (the manifest, in the CLI). */
  leading?: readonly DoctorCheck[]
  timeoutMs?: number
}

async function hubCheck(options: DoctorOptions): Promise<{ check?: DoctorCheck; url?: string }> {
  if (options.self !== undefined) return { url: options.self.url }
  const running = await findRunningServer(options.dataDir)
  if (running === undefined) {
    return {
      check: {
        id: 'hub',
        status: 'info',
        summary: `no hub is running from ${options.dataDir}`,
        fix: 'start one with `localhub serve` (or as a service: `localhub service install`)',
      },
    }
  }
  return {
    check: { id: 'hub', status: 'ok', summary: `a hub is running at ${running.url} (pid ${running.pid})` },
    url: running.url,
  }
}

/** Every check, in a stable order; each is one line with a fix. Network checks run in parallel. */
export async function runDoctor(options: DoctorOptions): Promise<DoctorReport> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_DOCTOR_TIMEOUT_MS
  const { manifest, env } = options
  const hub = await hubCheck(options)
  const natsUrl = manifest === undefined ? undefined : natsUrlOf(manifest, env)
  const [sqlite, model, nats, port] = await Promise.all([
    checkSqlite(),
    manifest === undefined
      ? undefined
      : checkModel(manifest, {
          env,
          timeoutMs,
          ...(options.llmFlags === undefined ? {} : { flags: options.llmFlags }),
        }),
    natsUrl === undefined ? [] : checkNats(natsUrl, env, timeoutMs),
    checkPort(
      options.address,
      hub.url === undefined ? undefined : { url: hub.url, self: options.self !== undefined },
    ),
  ])
  const checks: DoctorCheck[] = [
    ...(options.leading ?? []),
    checkNode(),
    checkRuntime(),
    sqlite,
    checkDataDir(options.dataDir),
    ...(hub.check === undefined ? [] : [hub.check]),
    port,
    ...(model === undefined ? [] : [model]),
    ...(manifest === undefined ? [] : checkSpeechTools(manifest, env)),
    ...nats,
    ...(manifest === undefined ? [] : checkWorkspaceRoots(manifest, env)),
  ]
  return { ok: checks.every((check) => check.status !== 'fail'), checks }
}
