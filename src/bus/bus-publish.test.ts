// The publish path asks the permission checker once per run of one type in a batch (decision
// 2089), and still refuses, on its own, every draft of a type the principal may not publish.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { testRegistry } from '../../test/kit/test-registry.ts'
import { createContracts, createGuardrails } from '../contracts/index.ts'
import { createBatchPublisher } from './bus-publish.ts'
import { LiveDispatcher } from './live-dispatcher.ts'
import { createPermissionChecker } from './permissions.ts'
import type { AppendItem, AppendOutcome, Transport } from './transport-types.ts'

const registry = testRegistry()

function publisherWith(grants: readonly string[]) {
  const checker = createPermissionChecker({ skill: { publish: grants } })
  const asked: string[] = []
  const publish = publisherAnswering((item, seq) => ({ id: item.envelope.id, seq, duplicate: false }), {
    checkPublish(principal, type) {
      asked.push(type)
      checker.checkPublish(principal, type)
    },
    checkSubscribe: () => {},
  })
  return { publish, asked }
}

const note = (n: number) => ({ type: 'note.added', payload: { n } })

test('a batch of one type asks the permission checker once', async () => {
  const { publish, asked } = publisherWith(['note.*'])
  const outcomes = await publish(
    Array.from({ length: 50 }, (_, n) => note(n)),
    'skill',
  )
  assert.equal(outcomes.length, 50)
  assert.ok(outcomes.every((outcome) => outcome.ok))
  assert.deepEqual(asked, ['note.added'])
})

test('a refused type is refused at every draft of it, whatever ran before', async () => {
  const { publish, asked } = publisherWith(['note.*'])
  const other = { type: 'chat.query', payload: { text: 'hi' } }
  const outcomes = await publish([note(1), other, note(2), other, other, note(3)], 'skill')
  assert.deepEqual(
    outcomes.map((outcome) => (outcome.ok ? 'ok' : outcome.error.code)),
    ['ok', 'E_PERMISSION_REQUIRED', 'ok', 'E_PERMISSION_REQUIRED', 'E_PERMISSION_REQUIRED', 'ok'],
  )
  // A refused type is asked at each of its drafts; the allowed one stays allowed without asking.
  assert.deepEqual(asked, ['note.added', 'chat.query', 'chat.query', 'chat.query'])
})

/** A publisher over a transport that answers `outcomeOf` for each item. */
function publisherAnswering(
  outcomeOf: (item: AppendItem, seq: number) => AppendOutcome,
  permissions?: Parameters<typeof createBatchPublisher>[0]['permissions'],
) {
  let seq = 0
  const transport = {
    append: async (items: AppendItem[]) => items.map((item) => outcomeOf(item, ++seq)),
  } as unknown as Transport
  return createBatchPublisher({
    clock: { now: () => Date.UTC(2026, 11, 6), setTimeout, clearTimeout } as never,
    transport,
    trusted: new LiveDispatcher({ limits: undefined, onError: () => {} } as never),
    prepare: {
      contracts: createContracts(registry),
      guardrails: createGuardrails(registry),
      defaultSource: 'test',
    },
    permissions,
    dedupeWindowMs: 1000,
  })
}

test('an outcome in a receipt’s shape is the receipt; any other is copied into one (decision 2095)', async () => {
  const given: AppendOutcome[] = []
  const keep = (outcome: AppendOutcome) => {
    given.push(outcome)
    return outcome
  }
  const publish = publisherAnswering((item, seq) =>
    seq === 1
      ? keep({ id: item.envelope.id, seq })
      : seq === 2
        ? keep({ id: item.envelope.id, seq, sessionSeq: 4 })
        : seq === 3
          ? keep({ id: item.envelope.id, seq, duplicate: false })
          : seq === 4
            ? keep({ id: item.envelope.id, seq, duplicate: true })
            : keep({ id: item.envelope.id, seq, duplicate: false, stored: item.envelope }),
  )
  const outcomes = await publish([note(1), note(2), note(3), note(4), note(5)], undefined)
  const receipts = outcomes.map((outcome) => (outcome.ok ? outcome.data : undefined))
  assert.equal(receipts[0], given[0], 'the writer’s own object')
  assert.equal(receipts[1], given[1], 'the writer’s own object, with its sessionSeq')
  for (const index of [2, 3, 4]) assert.notEqual(receipts[index], given[index])
  assert.deepEqual(receipts, [
    { id: given[0]!.id, seq: 1 },
    { id: given[1]!.id, seq: 2, sessionSeq: 4 },
    { id: given[2]!.id, seq: 3 },
    { id: given[3]!.id, seq: 4, duplicate: true },
    { id: given[4]!.id, seq: 5 },
  ])
})
