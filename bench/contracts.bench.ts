// Envelope + payload validation throughput and guardrail cost per event, against baselines in the
// same run: JSON.parse of the same text (the floor for text input) and a structuredClone (for guardrails).
import { loadRegistry } from '../src/catalog/index.ts'
import { createContracts, createGuardrails, type Envelope } from '../src/contracts/index.ts'
import { median, opsPerSecond, report } from './stats.ts'

const registry = loadRegistry()
const contracts = createContracts(registry)
const guardrails = createGuardrails(registry)
const event: Envelope = {
  id: '0190b7e4-1c2a-7abc-8def-0123456789ab',
  type: 'chat.query',
  version: 1,
  ts: '2026-11-23T10:00:00.000Z',
  source: 'kernel',
  severity: 'info',
  traceId: 'trace-1',
  sessionId: 'session-1',
  tenant: 'default',
  payload: { text: 'What is on my calendar today?', locale: 'en-US' },
}
const text = JSON.stringify(event)
const N = 200_000
const ROUNDS = 7

const validateObject = opsPerSecond(ROUNDS, N, () => {
  for (let i = 0; i < N; i++) if (!contracts.validateEnvelope(event).ok) throw new Error('invalid')
})
const parseOnly = opsPerSecond(ROUNDS, N, () => {
  for (let i = 0; i < N; i++) JSON.parse(text)
})
const validateText = opsPerSecond(ROUNDS, N, () => {
  for (let i = 0; i < N; i++) if (!contracts.validateEnvelope(text).ok) throw new Error('invalid')
})
const guard = opsPerSecond(ROUNDS, N, () => {
  for (let i = 0; i < N; i++) guardrails(event)
})
const clone = opsPerSecond(ROUNDS, N, () => {
  for (let i = 0; i < N; i++) structuredClone(event)
})

report({
  bench: 'contracts.validate.object',
  unit: 'envelopes/s',
  median: Math.round(median(validateObject)),
  rounds: ROUNDS,
  n: N,
  target: 1_000_000,
})
report({
  bench: 'contracts.validate.text',
  unit: 'envelopes/s',
  median: Math.round(median(validateText)),
  baseline: 'JSON.parse only',
  baselineMedian: Math.round(median(parseOnly)),
  ratio: +(median(validateText) / median(parseOnly)).toFixed(3),
})
report({
  bench: 'contracts.guardrails',
  unit: 'ns/event',
  median: +(1e9 / median(guard)).toFixed(1),
  baseline: 'structuredClone',
  baselineMedian: +(1e9 / median(clone)).toFixed(1),
  ratio: +(median(clone) / median(guard)).toFixed(3),
})
