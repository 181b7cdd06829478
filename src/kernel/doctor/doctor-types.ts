/**
 * ok: works. info: nothing to do (a hub not running, a check that does not apply). warn: works
 * with less (a workspace root missing while another exists). fail: something the manifest enables
 * cannot work — `localhub doctor` exits non-zero.
 */
export type CheckStatus = 'ok' | 'info' | 'warn' | 'fail'

export interface DoctorCheck {
  /** Stable name: node, runtime, sqlite, data-dir, model, speech.stt, nats, port, workspace, hub, manifest. */
  readonly id: string
  readonly status: CheckStatus
  /** One line: what was found. */
  readonly summary: string
  /** One line: what to do about it, when there is something to do. */
  readonly fix?: string
}

export interface DoctorReport {
  /** False when any check failed. */
  readonly ok: boolean
  readonly checks: readonly DoctorCheck[]
}

/** The whole doctor may not take longer than a person waits for a command. */
export const DEFAULT_DOCTOR_TIMEOUT_MS = 5_000
/** Below this the event log and the stores soon fail to write. */
export const DEFAULT_MIN_FREE_BYTES = 100 * 1024 * 1024
/** Below this the doctor warns. */
export const DEFAULT_LOW_FREE_BYTES = 1024 * 1024 * 1024
/** package.json engines.node. */
export const MINIMUM_NODE_VERSION = '20.10.0'
