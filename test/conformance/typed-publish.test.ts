// Typed publishing over the real catalog. The `@ts-expect-error` lines are the compile-time
// assertions: `npm run typecheck` fails if the bus's publish ever accepts one of them (the
// directive becomes unused). Each wrong draft is also sent at run time, to show the bus refuses
// it there too, so the types and the run-time validation agree.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { BusClient } from '../../src/bus/index.ts'
import { openBus } from '../../src/bus-factory/index.ts'
import type { EventType, PayloadOf } from '../../src/contracts/index.ts'

// What a generic emitter (the kernel's TurnEmitter) can look like on top of the typed publish.
function emit<T extends EventType>(bus: BusClient, type: T, payload: PayloadOf<T>) {
  return bus.publish({ type, payload, source: 'test' })
}

test('publish checks the payload against its type; publishUntyped is the door for dynamic drafts', async (t) => {
  const bus = await openBus({
    transport: 'memory',
    permissions: { skill: { publish: ['>'], subscribe: ['>'] } },
  })
  t.after(() => bus.close())

  const receipt = await bus.publish({ type: 'chat.query', payload: { text: 'hello' }, sessionId: 's-1' })
  assert.ok(receipt.seq)
  assert.ok((await emit(bus, 'ui.notify', { title: 'typed through a generic helper' })).id)
  const batch = await bus.publishMany([
    { type: 'chat.query', payload: { text: 'one' } },
    { type: 'ui.notify', payload: { title: 'two' } },
  ])
  assert.deepEqual(
    batch.map((outcome) => outcome.ok),
    [true, true],
  )

  const wrong = [
    // @ts-expect-error a payload field of the wrong type
    () => bus.publish({ type: 'chat.query', payload: { text: 42 } }),
    // @ts-expect-error a payload field the schema does not have
    () => bus.publish({ type: 'chat.query', payload: { text: 'hi', mood: 'happy' } }),
    // @ts-expect-error a required payload field missing
    () => bus.publish({ type: 'chat.query', payload: { locale: 'en-US' } }),
    // @ts-expect-error a type name the catalog does not have
    () => bus.publish({ type: 'chat.querry', payload: { text: 'hi' } }),
    // @ts-expect-error the payload of another type
    () => bus.publish({ type: 'ui.notify', payload: { text: 'hi' } }),
    // @ts-expect-error a version the catalog does not have for this type
    () => bus.publish({ type: 'chat.query', version: 2, payload: { text: 'hi' } }),
    // @ts-expect-error publishMany checks each draft the same way
    () => bus.publishMany([{ type: 'chat.query', payload: { text: 42 } }]).then(failFirst),
    // @ts-expect-error so does a principal's view of the bus
    () => bus.as('skill').publish({ type: 'chat.query', payload: { text: 42 } }),
  ]
  for (const attempt of wrong) {
    await assert.rejects(attempt, (error: { code?: string }) => {
      assert.match(String(error.code), /^E_(VALIDATION|PERMISSION_REQUIRED)$/)
      return true
    })
  }

  // A draft known only at run time goes through the untyped door and is validated there.
  const dynamic: unknown = JSON.parse('{"type":"chat.query","payload":{"text":"from outside"}}')
  assert.ok((await bus.publishUntyped(dynamic)).seq)
  await assert.rejects(bus.publishUntyped({ type: 'chat.query', payload: { text: 42 } }), {
    code: 'E_VALIDATION',
  })
})

function failFirst(outcomes: { ok: boolean; error?: { code: string } }[]): void {
  const [first] = outcomes
  if (first !== undefined && !first.ok) throw Object.assign(new Error('refused'), { code: first.error?.code })
}
