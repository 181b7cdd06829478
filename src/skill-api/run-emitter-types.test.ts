import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { RunEmitter } from './index.ts'

// `npm run typecheck` compiles this file: each @ts-expect-error must be an error, or tsc fails.
test('a run emitter checks catalog payloads at compile time; emitUntyped is the door for run-time types', () => {
  const uses = (emitter: RunEmitter) => [
    emitter.emit('memory.write.receipt', { id: 'm1', ts: '2026-12-04T10:00:00Z' }),
    // @ts-expect-error the catalog's memory.write.receipt has no field `extra`
    emitter.emit('memory.write.receipt', { id: 'm1', ts: '2026-12-04T10:00:00Z', extra: 1 }),
    // @ts-expect-error no catalog type is named memory.writ.receipt
    emitter.emit('memory.writ.receipt', { id: 'm1' }),
    // @ts-expect-error a rag.query needs its text
    emitter.emit('rag.query', { topK: 3 }),
    emitter.emitUntyped('anything.at.run.time', { checked: 'by the bus' }),
  ]
  assert.equal(typeof uses, 'function')
})
