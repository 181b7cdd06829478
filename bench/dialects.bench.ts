// Dialect conversion cost per event (foreign -> canonical and canonical -> foreign, each with its
// schema validation), against a plain JSON.parse(JSON.stringify()) clone of the same event in the
// same run. Prints one JSON line per dialect and direction: median ns/event over several rounds.
import { createDialectConverter, type DialectName } from '../src/dialects/index.ts'
import { median, opsPerSecond, report } from './stats.ts'

const converter = createDialectConverter({ now: () => new Date('2026-03-01T00:00:00Z') })
const envelope = {
  id: '0195f3a2-7c1e-7cc3-9d2e-1234567890ab',
  type: 'tool.call.completed',
  version: 1,
  ts: '2026-02-13T15:30:01.000Z',
  source: 'skill.tools-fs',
  severity: 'info' as const,
  traceId: 'trace-1',
  sessionId: 'session-1',
  tenant: 'default',
  idempotencyKey: 'call-1',
  sessionSeq: 12,
  payload: { call_id: 'c1', tool_name: 'fs.read', status: 'ok', result: { bytes: 120 }, duration_ms: 12 },
}
const N = 8_000
const ROUNDS = 5
const DIALECTS: DialectName[] = ['canonical', 'pinchy', 'adaos', 'denis', 'cloudevents']

const nsPerEvent = (rates: number[]): number => +(1e9 / median(rates)).toFixed(1)
const cloneRates = (sample: unknown): number[] =>
  opsPerSecond(ROUNDS, N, () => {
    for (let i = 0; i < N; i++) JSON.parse(JSON.stringify(sample))
  })

for (const dialect of DIALECTS) {
  const foreign = converter.fromCanonical(dialect, envelope)
  const baseline = nsPerEvent(cloneRates(foreign))
  const inbound = nsPerEvent(
    opsPerSecond(ROUNDS, N, () => {
      for (let i = 0; i < N; i++) converter.toCanonical(dialect, foreign)
    }),
  )
  const outbound = nsPerEvent(
    opsPerSecond(ROUNDS, N, () => {
      for (let i = 0; i < N; i++) converter.fromCanonical(dialect, envelope)
    }),
  )
  for (const [direction, value] of [
    ['to-canonical', inbound],
    ['from-canonical', outbound],
  ] as const) {
    report({
      bench: `dialects.${dialect}.${direction}`,
      unit: 'ns/event',
      median: value,
      baseline: 'JSON.parse(JSON.stringify()) clone',
      baselineMedian: baseline,
      ratio: +(value / baseline).toFixed(3),
      rounds: ROUNDS,
      n: N,
    })
  }
}

const message = converter.toHttpBinary(envelope)
report({
  bench: 'dialects.cloudevents.http-binary.to-canonical',
  unit: 'ns/event',
  median: nsPerEvent(
    opsPerSecond(ROUNDS, N, () => {
      for (let i = 0; i < N; i++) converter.fromHttpRequest({ headers: message.headers, body: message.body })
    }),
  ),
  rounds: ROUNDS,
  n: N,
})
