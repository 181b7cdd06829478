import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import type { Envelope } from '../../src/contracts/index.ts'
import { collect, settle, waitFor } from '../kit/wait-for.ts'
import type { SuiteContext } from './run-conformance.ts'

export function subscribeTests(suite: SuiteContext): void {
  describe('subjects, replay, permissions, backpressure', () => {
    test('wildcards follow NATS: * is one token, > is the rest', async () => {
      const { bus } = await suite.fresh()
      assert.equal(bus.subjectPrefix, 'hub.local')
      const seen: Record<string, string[]> = { star: [], rest: [], all: [], exact: [], voice: [] }
      await bus.subscribe('chat.*', (event) => void seen.star!.push(event.type))
      await bus.subscribe('repo.>', (event) => void seen.rest!.push(event.type))
      await bus.subscribe('>', (event) => void seen.all!.push(event.type))
      await bus.subscribe('repo.skill.install', (event) => void seen.exact!.push(event.type))
      await bus.subscribe('voice.*', (event) => void seen.voice!.push(event.type))
      await bus.publishUntyped({ type: 'chat.query', payload: { text: 'a' } })
      await bus.publishUntyped({ type: 'chat.message', payload: { n: 1 } })
      await bus.publishUntyped({ type: 'repo.skill.install', payload: { name: 'x' } })
      await bus.publishUntyped({ type: 'repo.skill.install.result', payload: { ok: true, name: 'x' } })
      await bus.publishUntyped({ type: 'voice.asr.partial', payload: { n: 1 } })
      await waitFor(() => seen.all!.length === 5, 'all five events on >')
      await settle()
      assert.deepEqual(seen.star!.sort(), ['chat.message', 'chat.query'])
      assert.deepEqual(seen.rest!.sort(), ['repo.skill.install', 'repo.skill.install.result'])
      assert.deepEqual(seen.exact, ['repo.skill.install'])
      assert.deepEqual(seen.voice, [], 'voice.* does not match the three-token voice.asr.partial')
      for (const bad of ['', 'chat..query', 'chat.>.x', 'chat.q*', 'a b']) {
        await assert.rejects(
          bus.subscribe(bad, () => {}),
          { code: 'E_BAD_REQUEST' },
          `pattern ${JSON.stringify(bad)}`,
        )
      }
    })

    test('trusted handlers get stored events of their pattern only, in order, with seq', async () => {
      const { bus } = await suite.fresh()
      const notes: Envelope[] = []
      const voice: string[] = []
      await bus.subscribe('note.*', (event) => void notes.push(event), { trusted: true })
      await bus.subscribe('voice.>', (event) => void voice.push(event.type), { trusted: true })
      const outcomes = await bus.publishManyUntyped([
        ...Array.from({ length: 50 }, (_, n) => ({ type: 'note.added', payload: { n } })),
        { type: 'chat.query', payload: { text: 'not for either handler' } },
        { type: 'note.added', payload: { n: 50 } },
      ])
      assert.ok(outcomes.every((outcome) => outcome.ok))
      await waitFor(() => notes.length === 51, 'all 51 notes reach the trusted handler')
      await settle()
      assert.deepEqual(
        notes.map((event) => event.payload.n),
        Array.from({ length: 51 }, (_, n) => n),
        'in publish order',
      )
      const seqs = notes.map((event) => event.seq)
      assert.ok(
        seqs.every((seq) => typeof seq === 'number'),
        'stored events carry their seq',
      )
      for (let index = 1; index < seqs.length; index++)
        assert.ok(seqs[index]! > seqs[index - 1]!, 'in increasing seq')
      assert.deepEqual(voice, [], 'a handler whose pattern matches nothing gets nothing')
    })

    test('queue groups share events: each goes to exactly one member', async () => {
      const { bus } = await suite.fresh()
      const byMember: number[][] = [[], [], []]
      for (const list of byMember) {
        await bus.subscribe('note.added', (event) => void list.push(event.payload.n as number), {
          queue: 'workers',
        })
      }
      const live: number[][] = [[], []]
      for (const list of live)
        await bus.subscribe('voice.asr.partial', (event) => void list.push(event.payload.n as number), {
          queue: 'ears',
        })
      for (let n = 0; n < 30; n++) await bus.publishUntyped({ type: 'note.added', payload: { n } })
      for (let n = 0; n < 10; n++) await bus.publishUntyped({ type: 'voice.asr.partial', payload: { n } })
      await waitFor(
        () => byMember.flat().length === 30 && live.flat().length === 10,
        'every event handled once',
      )
      await settle()
      assert.deepEqual(
        byMember.flat().sort((a, b) => a - b),
        Array.from({ length: 30 }, (_, n) => n),
      )
      assert.ok(byMember.filter((list) => list.length > 0).length >= 2, 'work is spread over members')
      assert.equal(new Set(live.flat()).size, 10)
      assert.ok(live.every((list) => list.length > 0))
    })

    test('replays by seq range, by time range, with a filter and a limit', async () => {
      const { bus } = await suite.fresh()
      const base = Date.parse('2030-01-01T00:00:00Z')
      for (let n = 1; n <= 10; n++) {
        await bus.publishUntyped({
          type: n % 2 ? 'note.added' : 'chat.message',
          payload: { n },
          ts: new Date(base + n * 1000).toISOString(),
        })
      }
      const bySeq = await collect(bus.replay({ from: { seq: 3 }, to: { seq: 6 } }))
      assert.deepEqual(
        bySeq.map((event) => event.seq),
        [3, 4, 5, 6],
      )
      const byTime = await collect(
        bus.replay({ from: { time: new Date(base + 4000) }, to: { time: base + 7000 } }),
      )
      assert.deepEqual(
        byTime.map((event) => event.payload.n),
        [4, 5, 6, 7],
      )
      const filtered = await collect(bus.replay({ filter: 'chat.*', limit: 3 }))
      assert.deepEqual(
        filtered.map((event) => event.payload.n),
        [2, 4, 6],
      )
      const iso = await collect(bus.replay({ from: { time: '2030-01-01T00:00:09Z' } }))
      assert.deepEqual(
        iso.map((event) => event.payload.n),
        [9, 10],
      )
      await assert.rejects(collect(bus.replay({ from: { time: 'yesterday' } })), { code: 'E_BAD_REQUEST' })
    })

    test('permissions by subject pattern per principal are checked on publish, subscribe and replay', async () => {
      const { bus } = await suite.fresh({
        permissions: {
          'skill.notes': { publish: ['note.*'], subscribe: ['chat.*', 'repo.skill.install.result'] },
          'skill.admin': { publish: ['>'], subscribe: ['>'] },
        },
      })
      const notes = bus.as('skill.notes')
      assert.ok((await notes.publishUntyped({ type: 'note.added', payload: { n: 1 } })).seq)
      await assert.rejects(notes.publishUntyped({ type: 'chat.message', payload: { n: 1 } }), {
        code: 'E_PERMISSION_REQUIRED',
      })
      const mixed = await notes.publishManyUntyped([
        { type: 'note.added', payload: { n: 2 } },
        { type: 'chat.message', payload: { n: 3 } },
      ])
      assert.equal(mixed[0]!.ok, true)
      assert.equal(!mixed[1]!.ok && mixed[1]!.error.code, 'E_PERMISSION_REQUIRED')
      await notes.subscribe('chat.message', () => {})
      await assert.rejects(
        notes.subscribe('chat.>', () => {}),
        { code: 'E_PERMISSION_REQUIRED' },
      )
      await assert.rejects(
        notes.subscribe('>', () => {}),
        { code: 'E_PERMISSION_REQUIRED' },
      )
      await assert.rejects(
        notes.subscribe('chat.*', () => {}, { trusted: true }),
        { code: 'E_PERMISSION_REQUIRED' },
      )
      await assert.rejects(collect(notes.replay()), { code: 'E_PERMISSION_REQUIRED' })
      assert.equal((await collect(notes.replay({ filter: 'chat.message' }))).length, 0)
      assert.equal((await collect(bus.as('skill.admin').replay())).length, 2)
      await assert.rejects(bus.as('nobody').publishUntyped({ type: 'note.added', payload: { n: 1 } }), {
        code: 'E_PERMISSION_REQUIRED',
      })
    })

    test('a trusted in-process handler gets the full payload; everyone else the guardrailed one', async () => {
      const { bus } = await suite.fresh()
      let trusted: Envelope | undefined
      let normal: Envelope | undefined
      await bus.subscribe(
        'chat.query',
        (event) => {
          trusted = event
        },
        { trusted: true },
      )
      await bus.subscribe('chat.query', (event) => {
        normal = event
      })
      const receipt = await bus.publishUntyped({ type: 'chat.query', payload: { text: 'raw words' } })
      await waitFor(() => trusted !== undefined && normal !== undefined, 'both handlers')
      assert.equal(trusted!.payload.text, 'raw words')
      assert.equal(trusted!.seq, receipt.seq)
      assert.equal(normal!.payload.text, undefined)
      assert.equal(normal!.payload.text_len, 9)
    })

    test('a slow subscriber holds the publisher, then loses ephemeral events with bus.backpressure; stored ones never', async () => {
      const { bus } = await suite.fresh({ maxLivePending: 2, liveBlockMs: 20 })
      let release: () => void = () => {}
      const gate = new Promise<void>((resolve) => {
        release = resolve
      })
      const got: number[] = []
      await bus.subscribe('voice.asr.partial', async (event) => {
        await gate
        got.push(event.payload.n as number)
      })
      const stored: number[] = []
      await bus.subscribe(
        'note.added',
        async (event) => {
          await gate
          stored.push(event.payload.n as number)
        },
        { maxAckPending: 2, ackWaitMs: 60_000 },
      )
      const reports: Envelope[] = []
      await bus.subscribe('bus.backpressure', (event) => void reports.push(event))
      const started = Date.now()
      for (let n = 0; n < 6; n++) await bus.publishUntyped({ type: 'voice.asr.partial', payload: { n } })
      assert.ok(Date.now() - started >= 20, 'the publisher was held for up to liveBlockMs')
      for (let n = 0; n < 20; n++) await bus.publishUntyped({ type: 'note.added', payload: { n } })
      await waitFor(() => reports.length > 0, 'a bus.backpressure event')
      release()
      await waitFor(() => stored.length === 20, 'all stored events, re-read from the log')
      await settle()
      assert.ok(
        got.length < 6 && got.length >= 2,
        `some ephemeral events were dropped (${got.length} arrived)`,
      )
      const report = reports[0]!.payload
      assert.equal(report.pattern, 'voice.asr.partial')
      assert.equal(report.limit, 2)
      assert.ok((report.dropped as number) >= 1)
      assert.deepEqual(
        stored.sort((a, b) => a - b),
        Array.from({ length: 20 }, (_, n) => n),
      )
    })
  })
}
