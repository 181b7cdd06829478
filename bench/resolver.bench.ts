// Federation (docs/federation.md): (1) resolve latency of a 3-step plan (find → stream → display,
// io formats checked) over 100 agents announcing 1,000 capabilities in all (10 each, 200 distinct ids,
// so ~5 providers per need), p50/p99 of sequential calls: the resolver alone, and the service's
// resolve (the same plus an ed25519 exec token and an exec.lease.granted publish per step, payloads
// validated against the catalog) — the ratio is what leasing costs. (2) registry memory with 1,000
// agents (10 capabilities each), heap after GC, against the size of their manifests as JSON.
import { loadRegistry } from '../src/catalog/index.ts'
import { type Contracts, createContracts, type Envelope } from '../src/contracts/index.ts'
import {
  CapabilityRegistry,
  ExecTokenSigner,
  FederationService,
  resolveFederationOptions,
  resolvePlan,
} from '../src/federation/index.ts'
import { median, percentile, report } from './stats.ts'

const NOW = Date.parse('2026-01-01T00:00:00Z')
const TS = new Date(NOW).toISOString()
const WARMUP = 500
const SAMPLES = 5_000
const CAPABILITY_IDS = 200

function manifest(index: number, perAgent: number): Record<string, unknown> {
  const kinds = ['hub', 'member', 'browser'] as const
  const kind = kinds[index % 3] as string
  const capabilities = Array.from({ length: perAgent }, (_, slot) => {
    const id = (index * 7 + slot * 13) % CAPABILITY_IDS
    return {
      id: `capability://cap${id}`,
      prio: (index * 31 + slot) % 101,
      cost: (['low', 'medium', 'high'] as const)[slot % 3],
      inputs: ['hls', 'mp4', 'dash'].slice(0, 1 + (index % 3)),
      outputs: ['hls', 'dash'].slice(0, 1 + (slot % 2)),
      tags: slot % 4 === 0 ? ['server'] : [],
    }
  })
  return {
    agent: `agent://${kind}/a${index}`,
    kind,
    prioBase: index % 101,
    capabilities,
    availability: { status: 'up', ttlMs: 600_000 },
    telemetry: { load: (index % 10) / 10, rttMs: { hub: index % 40, browser: (index * 3) % 60 } },
  }
}

const PLAN = {
  steps: [
    { id: 'find', need: 'capability://cap1' },
    { id: 'stream', need: 'capability://cap14', dependsOn: ['find'] },
    { id: 'display', need: 'capability://cap27', dependsOn: ['stream'], prefer: 'member:any(tag:server)' },
  ],
  policies: ['low-latency'],
}

function timed(samples: number, body: () => unknown): number[] {
  const times: number[] = []
  for (let i = 0; i < samples; i++) {
    const start = process.hrtime.bigint()
    body()
    times.push(Number(process.hrtime.bigint() - start) / 1e6)
  }
  return times
}

async function timedAsync(samples: number, body: () => Promise<unknown>): Promise<number[]> {
  const times: number[] = []
  for (let i = 0; i < samples; i++) {
    const start = process.hrtime.bigint()
    await body()
    times.push(Number(process.hrtime.bigint() - start) / 1e6)
  }
  return times
}

function benchBus(contracts: Contracts) {
  return {
    contracts,
    async publish(draft: { type: string; payload: unknown }) {
      if (contracts.validatePayload(draft.type, 1, draft.payload).length > 0)
        throw new Error(`invalid ${draft.type}`)
      return {}
    },
    async *replay(): AsyncIterable<Envelope> {},
  }
}

async function latency(): Promise<void> {
  const registry = new CapabilityRegistry()
  for (let index = 0; index < 100; index++) {
    registry.apply({ type: 'registry.capability.announced', ts: TS, payload: manifest(index, 10) })
  }
  const config = resolveFederationOptions()
  const bindings = resolvePlan(PLAN, registry, config, NOW)
  if (bindings.length !== 3) throw new Error('the bench plan did not resolve')
  timed(WARMUP, () => resolvePlan(PLAN, registry, config, NOW))
  const alone = timed(SAMPLES, () => resolvePlan(PLAN, registry, config, NOW))

  const clock = { now: () => NOW, setTimeout: () => undefined, clearTimeout: () => undefined }
  const service = await FederationService.open({
    bus: benchBus(createContracts(loadRegistry())) as never,
    clock,
    signer: ExecTokenSigner.generate(),
  })
  for (let index = 0; index < 100; index++) await service.announce(manifest(index, 10))
  await timedAsync(WARMUP, () => service.resolve(PLAN))
  const leased = await timedAsync(SAMPLES, () => service.resolve(PLAN))
  await service.close()
  const common = { agents: 100, capabilities: 1000, steps: 3, samples: SAMPLES }
  report({
    bench: 'resolver.resolve_plan',
    unit: 'ms',
    median: median(alone),
    p99: percentile(alone, 0.99),
    ...common,
  })
  report({
    bench: 'resolver.service_resolve_with_tokens',
    unit: 'ms',
    median: median(leased),
    p99: percentile(leased, 0.99),
    ratio_to_resolver: median(leased) / median(alone),
    ...common,
  })
}

function heapAfterGc(): number {
  const gc = (globalThis as { gc?: () => void }).gc
  if (gc === undefined) throw new Error('run with --expose-gc (npm run bench does)')
  gc()
  gc()
  return process.memoryUsage().heapUsed
}

function memory(): void {
  const manifests = Array.from({ length: 1000 }, (_, index) => manifest(index, 10))
  const jsonBytes = manifests.reduce((sum, item) => sum + Buffer.byteLength(JSON.stringify(item)), 0)
  const before = heapAfterGc()
  const registry = new CapabilityRegistry()
  for (const payload of manifests) registry.apply({ type: 'registry.capability.announced', ts: TS, payload })
  const after = heapAfterGc()
  if (registry.size !== 1000) throw new Error('not every agent was registered')
  const bytes = after - before
  report({
    bench: 'resolver.registry_memory',
    unit: 'bytes',
    median: bytes,
    agents: 1000,
    capabilities: 10_000,
    bytes_per_agent: Math.round(bytes / 1000),
    manifest_json_bytes: jsonBytes,
    ratio_to_json: bytes / jsonBytes,
  })
}

await latency()
memory()
