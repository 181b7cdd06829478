// Federation failover (docs/federation.md, "Monitoring and re-planning"): how long a started step
// takes to be running on another agent after (a) its agent stops heartbeating (killed: the hub
// notices when the lease runs out) and (b) its agent reports a failed probe of the capability.
// In-process: the federation service on a real bus (memory transport), real clock and timers,
// agents simulated by bus subscribers that open the sealed grant and start the step (POST /exec's
// code path without HTTP). Measured from the death (a) or the failing heartbeat (b) to the other
// agent's exec.step.accepted. The agent dies at a random point of its heartbeat cycle.
import { createBus, systemClock } from '../src/bus/index.ts'
import { loadRegistry } from '../src/catalog/index.ts'
import { ExecTokenSigner, FederationService } from '../src/federation/index.ts'
import {
  type DispatchKeyPair,
  generateDispatchKeyPair,
  openGrant,
  type SealedGrant,
} from '../src/federation-agent/index.ts'
import { memoryTransport } from '../src/transports/memory/index.ts'
import { median, percentile, report } from './stats.ts'

const HEARTBEAT_MS = 250
/** The smallest lease the catalog allows (registry.heartbeat ttlMs >= 1000). */
const TTL_MS = 1000
const LOSS_REPEATS = Number(process.env.FAILOVER_LOSS_REPEATS ?? 15)
const PROBE_REPEATS = Number(process.env.FAILOVER_PROBE_REPEATS ?? 30)
const NEED = 'capability://media.playback'

interface Dispatch {
  planId: string
  stepId: string
  leaseId: string
  agent: string
  grant: SealedGrant
}

const bus = await createBus({ registry: loadRegistry(), transport: memoryTransport() })
const service = await FederationService.open({
  bus,
  clock: systemClock,
  signer: ExecTokenSigner.generate(),
  options: { startupSlaMs: 5000 },
})
const keys = new Map<string, DispatchKeyPair>()
/** agent → called with the time its step was accepted. */
const onAccepted = new Map<string, (at: number) => void>()
await bus.subscribe('exec.step.dispatched', async (event) => {
  const dispatch = event.payload as unknown as Dispatch
  const pair = keys.get(dispatch.agent)
  if (pair === undefined) return
  const token = openGrant(dispatch.grant, pair, dispatch.leaseId)
  await service.exec({ token, stepId: dispatch.stepId })
  onAccepted.get(dispatch.agent)?.(performance.now())
})

async function announce(agent: string, prio: number): Promise<void> {
  const pair = generateDispatchKeyPair()
  keys.set(agent, pair)
  await service.announce({
    agent,
    kind: 'member',
    capabilities: [{ id: NEED, prio, probe: 'local check' }],
    availability: { status: 'up', ttlMs: TTL_MS },
    telemetry: { load: 0 },
    dispatchPublicKey: pair.publicKeyHex,
  })
}

function heartbeats(agent: string, probeOk: () => boolean): () => void {
  const timer = setInterval(() => {
    service
      .heartbeat({ agent, status: 'up', ttlMs: TTL_MS, probes: [{ capability: NEED, ok: probeOk() }] })
      .catch(() => undefined)
  }, HEARTBEAT_MS)
  return () => clearInterval(timer)
}

const acceptedBy = (agent: string) => new Promise<number>((resolve) => onAccepted.set(agent, resolve))

/** One failover: returns ms from the failure to the step accepted by the other agent. */
async function failover(repeat: number, kind: 'loss' | 'probe'): Promise<number> {
  const fast = `agent://member/fast-${kind}-${repeat}`
  const slow = `agent://member/slow-${kind}-${repeat}`
  await announce(fast, 90)
  await announce(slow, 40)
  let fastProbe = true
  const stopFast = heartbeats(fast, () => fastProbe)
  const stopSlow = heartbeats(slow, () => true)
  try {
    const fastStarted = acceptedBy(fast)
    const slowStarted = acceptedBy(slow)
    await service.resolve({ planId: `${kind}-${repeat}`, steps: [{ id: 'play', need: NEED }] })
    await fastStarted
    // Fail at a random point of the heartbeat cycle, as a real crash would.
    await new Promise((resolve) => setTimeout(resolve, Math.random() * HEARTBEAT_MS))
    const failedAt = performance.now()
    if (kind === 'loss') stopFast()
    else {
      fastProbe = false
      await service.heartbeat({
        agent: fast,
        status: 'up',
        ttlMs: TTL_MS,
        probes: [{ capability: NEED, ok: false }],
      })
    }
    return (await slowStarted) - failedAt
  } finally {
    stopFast()
    stopSlow()
    // Both agents leave: their announcements stay, but their leases run out before the next repeat needs none of them.
    await service.heartbeat({ agent: slow, status: 'down', ttlMs: TTL_MS }).catch(() => undefined)
    await service.heartbeat({ agent: fast, status: 'down', ttlMs: TTL_MS }).catch(() => undefined)
  }
}

const loss: number[] = []
for (let repeat = 0; repeat < LOSS_REPEATS; repeat++) loss.push(await failover(repeat, 'loss'))
const probe: number[] = []
for (let repeat = 0; repeat < PROBE_REPEATS; repeat++) probe.push(await failover(repeat, 'probe'))
await service.close()
await bus.close()

const common = { heartbeat_ms: HEARTBEAT_MS, ttl_ms: TTL_MS }
report({
  bench: 'resolver.failover_heartbeat_loss',
  unit: 'ms',
  median: median(loss),
  p99: percentile(loss, 0.99),
  min: Math.min(...loss),
  max: Math.max(...loss),
  samples: loss.length,
  ...common,
})
report({
  bench: 'resolver.failover_probe_failed',
  unit: 'ms',
  median: median(probe),
  p99: percentile(probe, 0.99),
  min: Math.min(...probe),
  max: Math.max(...probe),
  samples: probe.length,
  ...common,
})
