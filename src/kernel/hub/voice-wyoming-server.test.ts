// The Wyoming server's own paths, without a voice turn: off by default, loopback unless allowed,
// describe/ping/refusals on a connection (the turns are in test/e2e/voice-wyoming-*.test.ts).
import assert from 'node:assert/strict'
import { connect } from 'node:net'
import { test } from 'node:test'
import type { HubManifest, Pipeline } from '../../manifest/index.ts'
import { encodeWyomingEvent, type WyomingEvent, WyomingReader } from '../../wyoming/index.ts'
import type { PipelineRunner } from '../pipeline/index.ts'
import { startManifestWyomingServer, startWyomingServer } from './voice-wyoming-server.ts'

// Nothing in these tests starts a turn: the runner is never called.
const NO_RUNNER = {} as PipelineRunner
const PIPELINE = { id: 'pipeline.voice.turn', steps: [{ recv: 'voice.chunk' }] } as unknown as Pipeline

test('without kernel.api.wyoming there is no server; a network host needs allowRemote', async () => {
  const manifest = { kernel: { id: 'k', api: {} }, skills: [], pipelines: [] } as unknown as HubManifest
  assert.equal(await startManifestWyomingServer(NO_RUNNER, manifest, '0.1.0'), undefined)
  await assert.rejects(
    startWyomingServer({
      runner: NO_RUNNER,
      pipeline: PIPELINE,
      section: { host: '0.0.0.0', port: 0 },
      info: {},
    }),
    /not loopback: set allowRemote: true/,
  )
})

test('describe, ping, an unknown event, then a broken header: answers, error, error and close', async (t) => {
  const server = await startWyomingServer({
    runner: NO_RUNNER,
    pipeline: PIPELINE,
    section: { port: 0 },
    info: { asr: [], tts: [], handle: [], intent: [], wake: [] },
  })
  t.after(() => server.close())
  assert.equal(server.host, '127.0.0.1')
  const socket = connect(server.port, '127.0.0.1')
  t.after(() => socket.destroy())
  const reader = new WyomingReader()
  const received: WyomingEvent[] = []
  const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()))
  const enough = (count: number) =>
    new Promise<void>((resolve) => {
      const check = () => {
        if (received.length < count) return
        socket.off('data', check)
        resolve()
      }
      socket.on('data', check)
      check()
    })
  socket.on('data', (chunk: Buffer) => received.push(...reader.push(chunk)))
  socket.write(encodeWyomingEvent('describe'))
  // Data inline in the header line, as the description allows.
  socket.write(`${JSON.stringify({ type: 'ping', data: { text: 'x' } })}\n`)
  socket.write(encodeWyomingEvent('transcript', { text: 'hello' }))
  await enough(3)
  assert.deepEqual(
    received.map((event) => [event.type, event.data]),
    [
      ['info', { asr: [], tts: [], handle: [], intent: [], wake: [] }],
      ['pong', { text: 'x' }],
      [
        'error',
        {
          text: 'this Wyoming server takes describe, ping, run-pipeline, transcribe, detect, audio-start, audio-chunk, audio-stop, played, info and pong, not transcript',
          code: 'E_BAD_REQUEST',
        },
      ],
    ],
  )
  socket.write('{"type": \n')
  await closed
  assert.equal(received.at(-1)?.type, 'error')
  assert.match(String(received.at(-1)?.data.text), /header block is not JSON/)
})
