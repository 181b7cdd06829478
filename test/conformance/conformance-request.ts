import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { ManualClock } from '../kit/manual-clock.ts'
import { settle, waitFor } from '../kit/wait-for.ts'
import type { SuiteContext } from './run-conformance.ts'

export function requestTests(suite: SuiteContext): void {
  describe('request/reply', () => {
    test('a command gets the reply whose causationId is its id', async () => {
      const { bus } = await suite.fresh()
      await bus.subscribe('repo.skill.install', async (command, context) => {
        await context.reply({
          ok: true,
          name: String(command.payload.name),
          message: `installed ${command.payload.name}`,
        })
      })
      const reply = await bus.request(
        'repo.skill.install',
        { name: 'weather' },
        { timeoutMs: 2000, sessionId: 's9' },
      )
      assert.equal(reply.type, 'repo.skill.install.result')
      assert.equal(reply.payload.message, 'installed weather')
      assert.equal(reply.sessionId, 's9')
      const log = []
      for await (const event of bus.replay({ filter: 'repo.>' })) log.push(event)
      assert.equal(log.length, 2)
      assert.equal(reply.causationId, log[0]!.id)
      assert.equal(reply.traceId, log[0]!.traceId)
    })

    test('no reply within the timeout rejects with E_TIMEOUT', async () => {
      const clock = new ManualClock()
      const { bus } = await suite.fresh({ clock })
      const pending = bus.request('repo.skill.install', { name: 'x' }, { timeoutMs: 500 })
      const outcome = pending.then(
        () => 'answered',
        (error: { code?: string }) => error.code,
      )
      await settle()
      clock.advance(499)
      await settle()
      clock.advance(1)
      assert.equal(await outcome, 'E_TIMEOUT')
    })

    test('requests are checked: only commands, with a reply type, with a positive timeout', async () => {
      const { bus } = await suite.fresh()
      await assert.rejects(bus.request('note.added', { n: 1 }), { code: 'E_BAD_REQUEST' })
      await assert.rejects(bus.request('no.such.command', {}), { code: 'E_VALIDATION' })
      await assert.rejects(bus.request('repo.skill.install', { name: 'x' }, { timeoutMs: 0 }), {
        code: 'E_BAD_REQUEST',
      })
      await assert.rejects(bus.request('repo.skill.install', { name: 7 }, { timeoutMs: 100 }), {
        code: 'E_VALIDATION',
      })
    })

    test('a queue group of responders answers each command once', async () => {
      const { bus } = await suite.fresh()
      const handledBy: string[] = []
      for (const worker of ['a', 'b']) {
        await bus.subscribe(
          'repo.skill.install',
          async (command, context) => {
            handledBy.push(worker)
            await context.reply({ ok: true, name: `${worker}:${command.payload.name}` })
          },
          { queue: 'installers' },
        )
      }
      const replies = await Promise.all(
        Array.from({ length: 8 }, (_, n) =>
          bus.request('repo.skill.install', { name: `s${n}` }, { timeoutMs: 3000 }),
        ),
      )
      await waitFor(() => handledBy.length === 8, 'eight commands handled')
      await settle()
      assert.equal(handledBy.length, 8, 'no command handled twice')
      assert.ok(handledBy.includes('a') && handledBy.includes('b'))
      assert.deepEqual(
        replies.map((reply) => String(reply.payload.name).split(':')[1]),
        Array.from({ length: 8 }, (_, n) => `s${n}`),
      )
    })
  })
}
