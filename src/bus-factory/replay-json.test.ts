// replayJson hands readers that only pass events on the stored text (decision 1732): it must select
// and order exactly what replay does, on every transport, and its text must be the event replay parses.
import assert from 'node:assert/strict'
import { after, describe, test } from 'node:test'
import { makeTempDir } from '../../test/kit/temp-dir.ts'
import { testRegistry } from '../../test/kit/test-registry.ts'
import type { Bus, ReplayOptions } from '../bus/index.ts'
import { openBus } from './open-bus.ts'

const registry = testRegistry()
const dir = makeTempDir('localhub-replay-json-')
after(() => dir.remove())

async function filled(bus: Bus): Promise<void> {
  const drafts = Array.from({ length: 2500 }, (_, n) =>
    n % 3 === 0
      ? { type: 'chat.query', payload: { text: `question ${n}` }, sessionId: `s${n % 4}` }
      : { type: 'note.added', payload: { n, title: `note ${n} "quoted" \u2028 é` }, sessionId: `s${n % 4}` },
  )
  const outcomes = await bus.publishManyUntyped(drafts)
  assert.ok(outcomes.every((outcome) => outcome.ok))
}

async function both(bus: Bus, options: ReplayOptions) {
  const parsed = []
  for await (const event of bus.replay(options)) parsed.push(event)
  const texts = []
  for await (const item of bus.replayJson(options)) texts.push(item)
  return { parsed, texts }
}

const selections: [string, ReplayOptions][] = [
  ['everything', {}],
  ['a type', { filter: 'chat.query' }],
  ['a session from a seq, limited', { sessionId: 's2', from: { seq: 100 }, limit: 300 }],
  ['a seq window', { from: { seq: 990 }, to: { seq: 1010 } }],
]

for (const transport of ['sqlite', 'memory'] as const) {
  describe(`replayJson on ${transport}`, () => {
    let bus: Bus
    test('setup', async () => {
      bus =
        transport === 'sqlite'
          ? await openBus({ registry, transport: 'sqlite', dataDir: dir.path })
          : await openBus({ registry, transport: 'memory' })
      await filled(bus)
    })
    for (const [name, options] of selections) {
      test(`${name}: the same events in the same order as replay, as their JSON text`, async () => {
        const { parsed, texts } = await both(bus, options)
        assert.ok(parsed.length > 0)
        assert.equal(texts.length, parsed.length)
        for (let index = 0; index < parsed.length; index++) {
          assert.deepEqual(JSON.parse(texts[index]!.json), parsed[index])
          assert.equal(texts[index]!.seq, parsed[index]!.seq)
          assert.equal(texts[index]!.type, parsed[index]!.type)
        }
      })
    }
    test('a bad filter is refused like replay refuses it', async () => {
      await assert.rejects(async () => {
        for await (const _ of bus.replayJson({ filter: 'bad..filter' })) break
      }, /filter|pattern|subject/i)
    })
    test('close', async () => {
      await bus.close()
    })
  })
}
