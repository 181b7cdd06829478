// The dashboard tab as a federation agent (decision 2050): seed 001's third playbook ends with
// "display in a browser", and the browser a person has open is this page. The agent announces
// `agent://browser/<id>` with the display capability and a WebCrypto X25519 dispatch key,
// heartbeats with the page's own load and round trip, takes the `exec.step.dispatched` events
// addressed to it from its own live stream, opens the sealed grant, starts the step
// (POST /exec), hands the step's inputs to the page to show, and reports (POST /exec/report).
// The same protocol as the Node runtime (src/federation-agent/agent-runtime.ts); pure TS with
// every platform part injected, so node:test runs it with Node's WebCrypto.
import type {
  ExecStepDispatchedPayload,
  RegistryCapabilityAnnouncedPayload,
  RegistryHeartbeatPayload,
} from '../../../src/contracts/index.ts'
import type { ApiClient, ApiOutcome } from './api-client.ts'
import {
  generateWebDispatchKeys,
  openWebGrant,
  type WebCryptoLike,
  type WebDispatchKeys,
} from './grant-crypto.ts'
import type { Timers } from './stream-client.ts'

/** The playbook's display step (examples/scenarios/hub-input-member-exec-browser-display.yaml). */
export const DISPLAY_CAPABILITY = 'capability://ui.render.video'
/** The formats the display step takes; the page links each and plays what the browser can. */
export const DISPLAY_FORMATS: readonly string[] = Object.freeze(['hls', 'dash', 'mp4'])
export const DEFAULT_DISPLAY_HEARTBEAT_MS = 5_000
export const DEFAULT_DISPLAY_TTL_MS = 15_000
/** A screen a person has open in front of them ranks above a member's screen (decision 2051). */
export const DISPLAY_PRIO = 90
/** Leases remembered so a dispatch delivered twice (a reconnect) runs once. */
const SEEN_LEASES = 1_000
const AGENT_ID = /^[A-Za-z0-9._-]{1,100}$/
const BROWSER_AGENT = /^agent:\/\/browser\/[A-Za-z0-9._-]+$/

/** One media link found in a step's inputs: `{stream: {hls: 'https://…'}}` gives hls. */
export interface DisplayMedia {
  from: string
  format: string
  url: string
}

/** What the page shows for one started display step. */
export interface DisplayItem {
  planId: string
  stepId: string
  leaseId: string
  attempt: number
  inputs: Record<string, unknown>
  slots: Record<string, unknown>
  media: DisplayMedia[]
  shownAt: string
}

export type StepPhase = 'ignored' | 'refused' | 'started' | 'completed' | 'report_refused'

export interface StepNote {
  leaseId: string
  stepId: string
  phase: StepPhase
  detail?: string
}

/** The live stream of `exec.step.dispatched` the agent listens on (its own WS tail in the page). */
export interface DispatchSubscription {
  /** Resolves once the stream is open, so a dispatch published after the announce is not missed. */
  opened: Promise<void>
  stop(): void
}

export type Subscribe = (onDispatch: (payload: unknown) => void) => DispatchSubscription

export interface DisplayAgentOptions {
  /** The id after agent://browser/ (the owner's dashboard keeps a random one; a paired device uses its peer id). */
  agentId: string
  api: Pick<ApiClient, 'post'>
  crypto: WebCryptoLike
  subscribe: Subscribe
  /** Shows the step; the agent reports once it returned. A throw reports the step failed. */
  onDisplay(item: DisplayItem): void | Promise<void>
  onStep?(note: StepNote): void
  onError?(error: Error): void
  /** The page's load, 0–1 (PageLoadMeter). */
  load?(): number
  heartbeatMs?: number
  ttlMs?: number
  timers?: Timers
  /** A monotonic clock in ms for round trips (performance.now). */
  clock?(): number
  /** Wall time for shownAt. */
  now?(): Date
}

export interface DisplayAgent {
  /** The agent URI announced (a refusal naming the caller's own browser agent switches to it). */
  readonly agent: string
  readonly publicKeyHex: string
  heartbeat(): Promise<void>
  /** Stops heartbeats and the stream; with `announceDown`, tells the hub status down first. */
  stop(options?: { announceDown?: boolean }): Promise<void>
}

export class DisplayAgentError extends Error {
  readonly code: string
  readonly reason: string | undefined
  readonly details: Record<string, unknown> | undefined
  constructor(path: string, outcome: Exclude<ApiOutcome<unknown>, { kind: 'ok' }>) {
    const error = outcome.kind === 'error' ? outcome.error : undefined
    const code = outcome.kind === 'error' ? (error?.code ?? 'E_UNKNOWN') : outcome.kind
    super(`${path}: ${code}${error?.message === undefined ? '' : ` ${error.message}`}`)
    this.code = code
    this.details = error?.details as Record<string, unknown> | undefined
    this.reason = typeof this.details?.reason === 'string' ? this.details.reason : undefined
  }
}

/** agent://browser/<id>, refusing an id the hub's agent URIs cannot hold. */
export function browserAgentUri(agentId: string): string {
  if (!AGENT_ID.test(agentId)) throw new Error(`${agentId} is not an agent id (letters, digits, . _ -)`)
  return `agent://browser/${agentId}`
}

/** The id kept in `storage` under `key`, or a new random one stored there (stable across reloads). */
export function storedAgentId(
  storage: Pick<Storage, 'getItem' | 'setItem'> | undefined,
  key: string,
  random: () => string,
): string {
  const kept = storage?.getItem(key)
  if (typeof kept === 'string' && AGENT_ID.test(kept)) return kept
  const made = `tab-${random()
    .replace(/[^A-Za-z0-9]/g, '')
    .slice(0, 16)}`
  try {
    storage?.setItem(key, made)
  } catch {
    // Storage full or refused (private windows): the id lives as long as the page.
  }
  return made
}

/** The media links in a step's inputs: each producer's `hls` / `dash` / `mp4` field holding an http(s) URL. */
export function mediaOf(inputs: Record<string, unknown>): DisplayMedia[] {
  const found: DisplayMedia[] = []
  for (const [from, output] of Object.entries(inputs)) {
    if (output === null || typeof output !== 'object' || Array.isArray(output)) continue
    for (const format of DISPLAY_FORMATS) {
      const url = (output as Record<string, unknown>)[format]
      // Only web links: the inputs come from another agent and end up in href and src attributes.
      if (typeof url === 'string' && /^https?:\/\/[^\s]+$/i.test(url) && url.length <= 2000)
        found.push({ from, format, url })
    }
  }
  return found
}

function isDispatch(value: unknown): value is ExecStepDispatchedPayload {
  if (value === null || typeof value !== 'object') return false
  const payload = value as Record<string, unknown>
  return (
    typeof payload.agent === 'string' &&
    typeof payload.leaseId === 'string' &&
    typeof payload.stepId === 'string' &&
    typeof payload.planId === 'string' &&
    typeof payload.capability === 'string' &&
    payload.grant !== null &&
    typeof payload.grant === 'object'
  )
}

function record(value: unknown): Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {}
}

const defaultTimers: Timers = {
  set: (callback, ms) => setTimeout(callback, ms),
  clear: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
}

/** Opens the dispatch stream, announces, and serves display steps until stopped. */
export async function startDisplayAgent(options: DisplayAgentOptions): Promise<DisplayAgent> {
  const heartbeatMs = options.heartbeatMs ?? DEFAULT_DISPLAY_HEARTBEAT_MS
  const ttlMs = options.ttlMs ?? DEFAULT_DISPLAY_TTL_MS
  if (!Number.isInteger(heartbeatMs) || heartbeatMs < 100)
    throw new Error('heartbeatMs must be an integer >= 100')
  if (!Number.isInteger(ttlMs) || ttlMs < 1000 || ttlMs <= heartbeatMs)
    throw new Error('ttlMs must be >= 1000 and longer than heartbeatMs')
  const timers = options.timers ?? defaultTimers
  const clock = options.clock ?? (() => performance.now())
  const now = options.now ?? (() => new Date())
  const onError = options.onError ?? (() => undefined)
  const keys: WebDispatchKeys = await generateWebDispatchKeys(options.crypto)
  let agent = browserAgentUri(options.agentId)
  const seen = new Set<string>()
  let rttMs: number | undefined
  let stopped = false
  let timer: unknown

  async function post(path: string, body: unknown): Promise<Record<string, unknown>> {
    const outcome = await options.api.post<Record<string, unknown>>(path, body)
    if (outcome.kind !== 'ok') throw new DisplayAgentError(path, outcome)
    return record(outcome.data)
  }

  function telemetry(): { load: number; rttMs?: Record<string, number> } {
    const load = Math.max(0, Math.round((options.load?.() ?? 0) * 1000) / 1000)
    return rttMs === undefined ? { load } : { load, rttMs: { hub: rttMs } }
  }

  async function timed(path: string, body: () => unknown): Promise<void> {
    const started = clock()
    await post(path, body())
    rttMs = Math.round((clock() - started) * 10) / 10
  }

  const manifest = (): RegistryCapabilityAnnouncedPayload => ({
    agent,
    kind: 'browser',
    capabilities: [
      { id: DISPLAY_CAPABILITY, prio: DISPLAY_PRIO, inputs: [...DISPLAY_FORMATS], tags: ['screen'] },
    ],
    availability: { status: 'up', ttlMs },
    telemetry: telemetry(),
    dispatchPublicKey: keys.publicKeyHex,
  })

  async function announce(): Promise<void> {
    try {
      await timed('/registry/announce', manifest)
    } catch (error) {
      // A paired device may run agent://browser/<its peer id> only: the refusal names it; use that.
      const allowed = (error as DisplayAgentError).details?.allowed
      const own = Array.isArray(allowed)
        ? allowed.find((entry): entry is string => typeof entry === 'string' && BROWSER_AGENT.test(entry))
        : undefined
      if ((error as DisplayAgentError).reason !== 'agent_not_owned' || own === undefined || own === agent)
        throw error
      agent = own
      await timed('/registry/announce', manifest)
    }
  }

  async function heartbeat(): Promise<void> {
    try {
      await timed(
        '/registry/heartbeat',
        (): RegistryHeartbeatPayload => ({ agent, status: 'up', ttlMs, telemetry: telemetry() }),
      )
    } catch (error) {
      // A hub that forgot the agent (a new data directory) hears the manifest again.
      if ((error as DisplayAgentError).code === 'E_BAD_REQUEST' && !stopped) await announce()
      else throw error
    }
  }

  function schedule(): void {
    if (stopped) return
    timer = timers.set(() => {
      heartbeat()
        .catch((error: unknown) => onError(error as Error))
        .finally(schedule)
    }, heartbeatMs)
  }

  const note = (payload: ExecStepDispatchedPayload, phase: StepPhase, detail?: string) =>
    options.onStep?.({
      leaseId: payload.leaseId,
      stepId: payload.stepId,
      phase,
      ...(detail === undefined ? {} : { detail }),
    })

  async function run(payload: ExecStepDispatchedPayload): Promise<void> {
    let token: string
    try {
      token = await openWebGrant(options.crypto, payload.grant, keys, payload.leaseId)
    } catch {
      note(payload, 'refused', 'grant not for this key')
      return
    }
    try {
      await post('/exec', { token, stepId: payload.stepId })
    } catch (error) {
      // Moved, revoked or expired: the step is someone else's now; do not show it.
      note(payload, 'refused', (error as Error).message)
      return
    }
    note(payload, 'started')
    const inputs = record(payload.inputs)
    const item: DisplayItem = {
      planId: payload.planId,
      stepId: payload.stepId,
      leaseId: payload.leaseId,
      attempt: payload.attempt,
      inputs,
      slots: record(payload.slots),
      media: mediaOf(inputs),
      shownAt: now().toISOString(),
    }
    let report: Record<string, unknown>
    try {
      await options.onDisplay(item)
      report = {
        token,
        stepId: payload.stepId,
        ok: true,
        output: {
          shown: true,
          by: agent,
          shownAt: item.shownAt,
          formats: [...new Set(item.media.map((media) => media.format))],
        },
      }
    } catch (error) {
      report = {
        token,
        stepId: payload.stepId,
        ok: false,
        error: { code: 'E_HANDLER', message: String((error as Error)?.message ?? error).slice(0, 2000) },
      }
    }
    if (stopped) return
    try {
      await post('/exec/report', report)
      note(payload, 'completed')
    } catch (error) {
      note(payload, 'report_refused', (error as Error).message)
    }
  }

  function receive(value: unknown): void {
    if (stopped || !isDispatch(value)) return
    // Every dispatch of the hub passes here; only this agent's display steps are taken.
    if (value.agent !== agent || value.capability !== DISPLAY_CAPABILITY) {
      if (value.agent === agent) note(value, 'ignored', `not ${DISPLAY_CAPABILITY}`)
      return
    }
    if (seen.has(value.leaseId)) return
    seen.add(value.leaseId)
    if (seen.size > SEEN_LEASES) seen.delete(seen.values().next().value as string)
    run(value).catch((error: unknown) => onError(error as Error))
  }

  const subscription = options.subscribe(receive)
  try {
    await subscription.opened
    await announce()
  } catch (error) {
    stopped = true
    subscription.stop()
    throw error
  }
  schedule()

  return {
    get agent() {
      return agent
    },
    publicKeyHex: keys.publicKeyHex,
    heartbeat,
    async stop(stopOptions = {}) {
      if (stopped) return
      stopped = true
      if (timer !== undefined) timers.clear(timer)
      subscription.stop()
      if (stopOptions.announceDown === true) {
        // Down moves any step still dispatched here at once (agent_down) instead of at lease expiry.
        await post('/registry/heartbeat', downHeartbeat(agent, ttlMs)).catch(() => undefined)
      }
    },
  }
}

/** The heartbeat that says this agent is down (also sent as a beacon when the page goes away). */
export function downHeartbeat(agent: string, ttlMs: number): RegistryHeartbeatPayload {
  return { agent, status: 'down', ttlMs }
}
