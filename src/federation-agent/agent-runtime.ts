import { cpus, loadavg } from 'node:os'
import { createHubClient, type LiveTail } from '../client/index.ts'
import type { ExecStepDispatchedPayload } from '../contracts/index.ts'
import {
  type AgentDefinition,
  type AgentOptions,
  DEFAULT_AGENT_HEARTBEAT_MS,
  DEFAULT_AGENT_TAIL_RETRIES,
  DEFAULT_AGENT_TTL_MS,
} from './agent-options.ts'
import { type DispatchKeyPair, generateDispatchKeyPair, openGrant, type SealedGrant } from './sealed-grant.ts'

// The agent side of seed 001's routing (decision 2031): announce the manifest with a dispatch key,
// heartbeat with load, rtt and probe results, take the dispatched steps addressed to this agent
// from the hub's live event stream, open the sealed token, start the step (POST /exec), run the
// handler and report (POST /exec/report). Everything goes over the hub's HTTP and WebSocket API,
// so an agent on another machine needs only the hub's URL and a token.

/** What the runtime reads of a dispatch: the generated payload, its grant as the sealer writes it. */
type DispatchPayload = Omit<ExecStepDispatchedPayload, 'grant'> & { grant: SealedGrant }

export interface RunningAgent {
  readonly agent: string
  /** Steps whose handler was started here, in order (leaseId, stepId). */
  readonly executed: ReadonlyArray<{ leaseId: string; stepId: string }>
  /** Sends a heartbeat now (also runs the probes); resolves when the hub answered. */
  heartbeat(): Promise<void>
  /** Stops heartbeats and the dispatch stream; running handlers are told through their signal. */
  close(): Promise<void>
}

function check(condition: boolean, message: string): void {
  if (!condition) throw new Error(message)
}

function kindOf(agent: string): string {
  const kind = /^agent:\/\/(hub|member|browser)\/[A-Za-z0-9._-]+$/.exec(agent)?.[1]
  check(kind !== undefined, `${agent} is not an agent URI (agent://hub|member|browser/<id>)`)
  return kind as string
}

/** Announces `definition` to the hub and serves its dispatched steps until closed. */
export async function startAgent(definition: AgentDefinition, options: AgentOptions): Promise<RunningAgent> {
  const kind = kindOf(definition.agent)
  const heartbeatMs = options.heartbeatMs ?? DEFAULT_AGENT_HEARTBEAT_MS
  const ttlMs = options.ttlMs ?? DEFAULT_AGENT_TTL_MS
  check(Number.isInteger(heartbeatMs) && heartbeatMs >= 100, 'heartbeatMs must be an integer >= 100')
  check(
    Number.isInteger(ttlMs) && ttlMs >= 1000 && ttlMs > heartbeatMs,
    'ttlMs must be >= 1000 and longer than heartbeatMs',
  )
  const handlers = new Map(definition.capabilities.map((capability) => [capability.id, capability]))
  check(handlers.size === definition.capabilities.length, 'a capability id may appear once')
  const keys: DispatchKeyPair = options.keys ?? generateDispatchKeyPair()
  const onError = options.onError ?? (() => undefined)
  const fetcher = options.fetch ?? fetch
  const hubUrl = options.hubUrl.replace(/\/+$/, '')
  const aborter = new AbortController()
  const executed: Array<{ leaseId: string; stepId: string }> = []
  const seen = new Set<string>()
  let rttMs: number | undefined
  let closed = false
  let timer: ReturnType<typeof setTimeout> | undefined

  async function post(path: string, body: unknown): Promise<Record<string, unknown>> {
    const response = await fetcher(`${hubUrl}${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${options.token}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(Math.max(1000, ttlMs)),
    })
    const answer = (await response.json().catch(() => ({}))) as {
      ok?: boolean
      data?: Record<string, unknown>
      error?: { code?: string; message?: string; details?: { reason?: string } }
    }
    if (answer.ok !== true) {
      const failure = new Error(
        `${path}: ${answer.error?.code ?? response.status} ${answer.error?.message ?? ''}`.trim(),
      )
      Object.assign(failure, { code: answer.error?.code, reason: answer.error?.details?.reason })
      throw failure
    }
    return answer.data ?? {}
  }

  function telemetry(): { load: number; rttMs?: Record<string, number> } {
    // The one-minute load average per core: 1 means every core is busy.
    const measured = options.load?.() ?? (loadavg()[0] ?? 0) / Math.max(1, cpus().length)
    const load = Math.round(Math.max(0, measured) * 1000) / 1000
    return rttMs === undefined ? { load } : { load, rttMs: { hub: rttMs } }
  }

  /** Announces the manifest; its round trip is the first rtt the next heartbeat reports. */
  async function announce(): Promise<void> {
    const started = performance.now()
    await post('/registry/announce', {
      agent: definition.agent,
      kind,
      ...(definition.prioBase === undefined ? {} : { prioBase: definition.prioBase }),
      capabilities: definition.capabilities.map((capability) => ({
        id: capability.id,
        ...(capability.prio === undefined ? {} : { prio: capability.prio }),
        ...(capability.cost === undefined ? {} : { cost: capability.cost }),
        ...(capability.inputs === undefined ? {} : { inputs: capability.inputs }),
        ...(capability.outputs === undefined ? {} : { outputs: capability.outputs }),
        ...(capability.tags === undefined ? {} : { tags: capability.tags }),
        ...(capability.probe === undefined ? {} : { probe: capability.probeDescription ?? 'local check' }),
      })),
      availability: { status: 'up', ttlMs },
      telemetry: telemetry(),
      dispatchPublicKey: keys.publicKeyHex,
    })
    rttMs = Math.round((performance.now() - started) * 10) / 10
  }

  async function probes(): Promise<Array<{ capability: string; ok: boolean; latencyMs: number }>> {
    const results = []
    for (const capability of definition.capabilities) {
      if (capability.probe === undefined) continue
      const started = performance.now()
      let ok = false
      try {
        ok = (await capability.probe()) === true
      } catch {
        ok = false
      }
      results.push({
        capability: capability.id,
        ok,
        latencyMs: Math.round((performance.now() - started) * 10) / 10,
      })
    }
    return results
  }

  async function heartbeat(): Promise<void> {
    const results = await probes()
    const started = performance.now()
    try {
      await post('/registry/heartbeat', {
        agent: definition.agent,
        status: 'up',
        ttlMs,
        telemetry: telemetry(),
        ...(results.length === 0 ? {} : { probes: results }),
      })
    } catch (error) {
      // A hub that forgot the agent (a new data directory) hears the manifest again.
      if ((error as { code?: string }).code === 'E_BAD_REQUEST') await announce()
      else throw error
    }
    rttMs = Math.round((performance.now() - started) * 10) / 10
  }

  function schedule(): void {
    if (closed) return
    timer = setTimeout(() => {
      heartbeat().catch(onError).finally(schedule)
    }, heartbeatMs)
  }

  async function run(payload: DispatchPayload): Promise<void> {
    const capability = handlers.get(payload.capability)
    if (capability === undefined) return
    let token: string
    try {
      token = openGrant(payload.grant, keys, payload.leaseId)
    } catch (error) {
      options.onStep?.({
        planId: payload.planId,
        stepId: payload.stepId,
        leaseId: payload.leaseId,
        phase: 'refused',
        detail: 'grant not for this key',
      })
      onError(error)
      return
    }
    try {
      await post('/exec', { token, stepId: payload.stepId })
    } catch (error) {
      // Refused (moved, revoked, expired): the step is someone else's now; do not run it.
      options.onStep?.({
        planId: payload.planId,
        stepId: payload.stepId,
        leaseId: payload.leaseId,
        phase: 'refused',
        detail: (error as Error).message,
      })
      return
    }
    executed.push({ leaseId: payload.leaseId, stepId: payload.stepId })
    options.onStep?.({
      planId: payload.planId,
      stepId: payload.stepId,
      leaseId: payload.leaseId,
      phase: 'started',
    })
    let report: Record<string, unknown>
    try {
      const output = await capability.handler({
        planId: payload.planId,
        stepId: payload.stepId,
        capability: payload.capability,
        attempt: payload.attempt,
        slots: payload.slots ?? {},
        inputs: payload.inputs ?? {},
        signal: aborter.signal,
      })
      report = { token, stepId: payload.stepId, ok: true, output: output ?? {} }
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error)
      report = {
        token,
        stepId: payload.stepId,
        ok: false,
        error: { code: 'E_HANDLER', message: message.slice(0, 2000) },
      }
    }
    if (closed) return
    try {
      await post('/exec/report', report)
      options.onStep?.({
        planId: payload.planId,
        stepId: payload.stepId,
        leaseId: payload.leaseId,
        phase: report.ok === true ? 'completed' : 'failed',
      })
    } catch (error) {
      options.onStep?.({
        planId: payload.planId,
        stepId: payload.stepId,
        leaseId: payload.leaseId,
        phase: 'refused',
        detail: (error as Error).message,
      })
    }
  }

  // The stream is open before the announce, so no dispatch published after it is missed.
  const client = createHubClient({
    url: hubUrl,
    token: options.token,
    tailMaxRetries: DEFAULT_AGENT_TAIL_RETRIES,
    ...(options.fetch === undefined ? {} : { fetch: options.fetch }),
  })
  const tail: LiveTail = client.tail({ filter: 'exec.step.dispatched' })
  await tail.opened
  const listening = (async () => {
    for await (const event of tail) {
      const payload = event.payload as unknown as DispatchPayload
      if (payload.agent !== definition.agent || seen.has(payload.leaseId)) continue
      seen.add(payload.leaseId)
      run(payload).catch(onError)
    }
  })().catch((error: unknown) => {
    if (closed) return
    // Deaf to dispatches for good: stop heartbeating, so the hub's lease runs out and steps go elsewhere.
    closed = true
    if (timer !== undefined) clearTimeout(timer)
    onError(error)
  })
  try {
    await announce()
  } catch (error) {
    tail.close()
    throw error
  }
  schedule()

  return {
    agent: definition.agent,
    executed,
    heartbeat,
    async close() {
      closed = true
      if (timer !== undefined) clearTimeout(timer)
      aborter.abort()
      tail.close()
      await listening
    },
  }
}
