// What secret detection costs the guardrails (decision 1300): an event with nothing to redact
// (the allocation-free fast path: every string is scanned once), chat.query (one hash rule), and
// an event holding a key in free text (the slow path), each against a structuredClone of the same
// event measured in the same run; plus detector throughput over the test corpus.
import { readFileSync } from 'node:fs'
import { loadRegistry } from '../src/catalog/index.ts'
import { createGuardrails, type Envelope, findSecrets } from '../src/contracts/index.ts'
import { median, opsPerSecond, report } from './stats.ts'

const registry = loadRegistry()
const guardrails = createGuardrails(registry)
const base: Envelope = {
  id: '0190b7e4-1c2a-7abc-8def-0123456789ab',
  type: 'memory.write.receipt',
  version: 1,
  ts: '2026-11-23T10:00:00.000Z',
  source: 'kernel',
  severity: 'info',
  traceId: 'trace-1',
  sessionId: 'session-1',
  tenant: 'default',
  payload: { id: 'ep_0190b7e4-1c2a-7abc-8def-0123456789ab', ts: '2026-11-23T10:00:00.000Z' },
}
const cases: [string, Envelope][] = [
  ['clean', base],
  [
    'chat.query',
    { ...base, type: 'chat.query', payload: { text: 'What is on my calendar today?', locale: 'en-US' } },
  ],
  [
    'secret',
    {
      ...base,
      type: 'ui.feedback',
      payload: { target: 'deploy with sk-live-4f9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c please', helpful: true },
    },
  ],
]
if (guardrails(base) !== base) throw new Error('the clean event must pass unchanged')
const N = 200_000
const ROUNDS = 7

for (const [name, event] of cases) {
  const guard = opsPerSecond(ROUNDS, N, () => {
    for (let i = 0; i < N; i++) guardrails(event)
  })
  const clone = opsPerSecond(ROUNDS, N, () => {
    for (let i = 0; i < N; i++) structuredClone(event)
  })
  report({
    bench: `contracts.guardrails.${name}`,
    unit: 'ns/event',
    median: +(1e9 / median(guard)).toFixed(1),
    baseline: 'structuredClone',
    baselineMedian: +(1e9 / median(clone)).toFixed(1),
    ratio: +(median(clone) / median(guard)).toFixed(3),
  })
}

const corpus = JSON.parse(
  readFileSync(new URL('../test/hostile/secrets-corpus.json', import.meta.url), 'utf8'),
) as {
  positives: { text: string }[]
  negatives: string[]
}
const texts = [...corpus.positives.map((positive) => positive.text), ...corpus.negatives]
const M = 200
const scan = opsPerSecond(ROUNDS, M * texts.length, () => {
  for (let i = 0; i < M; i++) for (const text of texts) findSecrets(text)
})
report({
  bench: 'contracts.findSecrets.corpus',
  unit: 'strings/s',
  median: Math.round(median(scan)),
  strings: texts.length,
})
