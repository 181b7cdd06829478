import { loadRegistry } from '../src/catalog/index.ts'
import { createGuardrails, type Envelope } from '../src/contracts/index.ts'
import { createGuardrails as createBefore } from '../src/contracts/zz-guardrails-before.ts'
const registry = loadRegistry()
const after = createGuardrails(registry)
const before = createBefore(registry)
const event: Envelope = {
  id: '0190b7e4-1c2a-7abc-8def-0123456789ab', type: 'chat.query', version: 1, ts: '2026-11-23T10:00:00.000Z',
  source: 'kernel', severity: 'info', traceId: 'trace-1', sessionId: 'session-1', tenant: 'default',
  payload: { text: 'What is on my calendar today?', locale: 'en-US' },
}
const receipt: Envelope = { ...event, type: 'memory.write.receipt', payload: { id: 'ep_0190b7e4-1c2a-7abc-8def-0123456789ab', ts: '2026-11-23T10:00:00.000Z' } }
if (after(receipt) !== receipt) throw new Error('receipt changed')
const N = 200_000
const results: Record<string, number[]> = { before: [], after: [], beforeReceipt: [], afterReceipt: [] }
for (let round = 0; round < 9; round++) {
  for (const [name, guard, input] of [['before', before, event], ['after', after, event], ['beforeReceipt', before, receipt], ['afterReceipt', after, receipt]] as const) {
    const t = process.hrtime.bigint()
    for (let i = 0; i < N; i++) guard(input)
    results[name]!.push(Number(process.hrtime.bigint() - t) / N)
  }
}
console.log({ beforeReceipt: median(results.beforeReceipt!).toFixed(0), afterReceipt: median(results.afterReceipt!).toFixed(0) })
function median(xs: number[]) { return [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]! }
const _unused = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!
console.log({ before: median(results.before!).toFixed(0), after: median(results.after!).toFixed(0), ratio: (median(results.after!) / median(results.before!)).toFixed(3) })
