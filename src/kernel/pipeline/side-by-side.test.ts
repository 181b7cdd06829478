import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { kitRunner } from '../../../test/kit/pipeline-runner.ts'
import { type Envelope, HubError } from '../../contracts/index.ts'
import type { Pipeline } from '../../manifest/index.ts'
import { answerStreamOf, type RunState, type SkillRuntime, type StepContext } from '../../skill-api/index.ts'
import { compileStateMachine } from '../sessions/index.ts'

const machine = compileStateMachine({
  states: ['idle', 'thinking', 'error'],
  transitions: [{ on: 'turn.end', from: '*', to: 'idle' }],
})

/** A promise with its resolve, to hold a fake step at a point the test chooses. */
function gate(): { promise: Promise<void>; open: () => void } {
  let open: () => void = () => undefined
  const promise = new Promise<void>((resolve) => {
    open = resolve
  })
  return { promise, open }
}

function aborted(signal: AbortSignal): Promise<never> {
  return new Promise((_, reject) =>
    signal.addEventListener('abort', () => reject(signal.reason), { once: true }),
  )
}

/** A writer that streams `pieces` as chunk parts, waiting for `hold` before the last one. */
function writer(pieces: string[], hold: Promise<void>, fail?: HubError): SkillRuntime {
  return {
    id: 'skill.writer',
    status: () => ({ state: 'ready' }),
    async invoke({ run, onPart, signal }: StepContext) {
      for (const [seq, text] of pieces.entries()) {
        if (seq === pieces.length - 1) await Promise.race([hold, aborted(signal)])
        signal.throwIfAborted()
        if (fail !== undefined && seq === pieces.length - 1) throw fail
        run.answer += text
        onPart({ kind: 'chunk', streamId: 's', seq, text })
      }
    },
  }
}

/** A reader that notes what it read of the answer stream, and when. */
function reader(seen: string[], options: { fail?: HubError; reads?: boolean } = {}): SkillRuntime {
  return {
    id: 'skill.reader',
    status: () => ({ state: 'ready' }),
    readsAnswerStream: options.reads ?? true,
    async invoke({ run, signal }: StepContext) {
      const stream = answerStreamOf(run)
      if (stream === undefined) {
        seen.push(`after:${run.answer}`)
        return
      }
      for await (const piece of stream.read(signal)) {
        seen.push(piece)
        if (options.fail !== undefined) throw options.fail
      }
    },
  }
}

function setup(skills: SkillRuntime[], hooks: { run: RunState; outcome?: string }[] = []) {
  const published: Envelope[] = []
  const runner = kitRunner({
    machine,
    skills,
    publisher: {
      async publishUntyped(draft) {
        published.push(draft as Envelope)
        return { id: String(published.length) }
      },
    },
    beforeEmit: async (type, { run }) => {
      if (type === 'turn.end')
        hooks.push({ run, ...(run.outcome === undefined ? {} : { outcome: run.outcome }) })
    },
  })
  return { runner, published }
}

const pipeline: Pipeline = {
  id: 'pipeline.test',
  steps: [
    { call: 'skill.writer', stream: true },
    { call: 'skill.reader', stream: true },
  ],
}

describe('a reader step runs beside the streaming step before it (decision 1509)', () => {
  test('the reader gets the text while the writer still writes; the run ends after both', async () => {
    const hold = gate()
    const seen: string[] = []
    const { runner } = setup([writer(['One. ', 'Two. ', 'Three.'], hold.promise), reader(seen)])
    const running = runner.run({
      pipeline,
      trigger: { kind: 'http', route: '/test' },
      text: 'hi',
      signal: new AbortController().signal,
    })
    // The writer waits before its last piece; the reader has the first two already.
    while (seen.join('') !== 'One. Two. ') await new Promise((resolve) => setImmediate(resolve))
    hold.open()
    const run = await running
    assert.equal(run.outcome, 'ok')
    assert.equal(seen.join(''), 'One. Two. Three.')
    assert.equal(answerStreamOf(run), undefined, 'the stream is gone once the pair has ended')
  })

  test('a writer without chunk parts still hands its answer over at its end', async () => {
    const seen: string[] = []
    const silent: SkillRuntime = {
      id: 'skill.writer',
      status: () => ({ state: 'ready' }),
      async invoke({ run }) {
        run.answer = 'Whole answer.'
      },
    }
    const { runner } = setup([silent, reader(seen)])
    await runner.run({
      pipeline,
      trigger: { kind: 'http', route: '/t' },
      signal: new AbortController().signal,
    })
    assert.equal(seen.join(''), 'Whole answer.')
  })

  test('a step that does not read the stream runs after the writer, as before', async () => {
    const hold = gate()
    hold.open()
    const seen: string[] = []
    const { runner } = setup([writer(['A', 'B'], hold.promise), reader(seen, { reads: false })])
    await runner.run({
      pipeline,
      trigger: { kind: 'http', route: '/t' },
      signal: new AbortController().signal,
    })
    assert.deepEqual(seen, ['after:AB'])
  })

  test('a failing writer fails the reader’s stream; a failing reader cancels the writer', async () => {
    const hold = gate()
    hold.open()
    const seen: string[] = []
    const broken = setup([
      writer(['A', 'B'], hold.promise, new HubError('E_IO', 'the model went away')),
      reader(seen),
    ])
    const failed = await broken.runner.run({
      pipeline,
      trigger: { kind: 'http', route: '/t' },
      signal: new AbortController().signal,
    })
    assert.equal(failed.outcome, 'error')
    assert.deepEqual(failed.error, { code: 'E_IO', message: 'the model went away' })

    const never = gate()
    const writerSignal: AbortSignal[] = []
    const waiting: SkillRuntime = {
      id: 'skill.writer',
      status: () => ({ state: 'ready' }),
      async invoke({ onPart, signal }) {
        writerSignal.push(signal)
        onPart({ kind: 'chunk', streamId: 's', seq: 0, text: 'A' })
        await Promise.race([never.promise, aborted(signal)])
      },
    }
    const speakerGone = setup([
      waiting,
      reader([], { fail: new HubError('E_DEPENDENCY_UNAVAILABLE', 'flite is gone') }),
    ])
    const run = await speakerGone.runner.run({
      pipeline,
      trigger: { kind: 'http', route: '/t' },
      signal: new AbortController().signal,
    })
    assert.equal(run.error?.code, 'E_DEPENDENCY_UNAVAILABLE', 'the first failure is the run’s')
    assert.equal(writerSignal[0]?.aborted, true, 'the writer was cancelled')
  })

  test('a cancelled run still reaches the turn.end hooks (memory), a failed one does not', async () => {
    const hooks: { run: RunState; outcome?: string }[] = []
    const hold = gate()
    const { runner, published } = setup([writer(['A', 'B'], hold.promise), reader([])], hooks)
    const controller = new AbortController()
    const running = runner.run({
      pipeline,
      trigger: { kind: 'ws', route: '/ws/voice' },
      signal: controller.signal,
    })
    while (!published.some((event) => event.type === 'pipeline.status'))
      await new Promise((resolve) => setImmediate(resolve))
    controller.abort(new HubError('E_TIMEOUT', 'interrupted'))
    const run = await running
    assert.equal(run.outcome, 'cancelled')
    assert.deepEqual(
      hooks.map((hook) => hook.outcome),
      ['cancelled'],
    )
    const broken = setup([writer(['A'], Promise.resolve(), new HubError('E_IO', 'x')), reader([])], hooks)
    await broken.runner.run({
      pipeline,
      trigger: { kind: 'http', route: '/t' },
      signal: new AbortController().signal,
    })
    assert.equal(hooks.length, 1)
  })
})
