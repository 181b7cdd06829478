// End to end: the hub dials Wyoming satellites that wait to be called (kernel.api.wyoming.satellites),
// runs a wake turn over such a connection, redials one that restarts, and keeps dialling (with
// backoff) one that is not up yet until it is. The satellites stream the way wyoming-satellite does
// on run-satellite; the wake phrase is spoken inside other speech (voice-wyoming-wake.test.ts has
// the satellites that call the hub).
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import type { Envelope } from '../../src/contracts/index.ts'
import type { RunningHub } from '../../src/kernel/index.ts'
import { freePortBelowEphemeralRange } from '../kit/ephemeral-ports.ts'
import { type FakeOllamaServer, startOllamaServer } from '../kit/llm-servers/index.ts'
import { makeTempDir } from '../kit/temp-dir.ts'
import { openWakeHub } from '../kit/wake-hub.ts'
import {
  BEFORE_WORDS,
  phraseInSpeech,
  stream,
  streamSilenceUntil,
  words,
} from '../kit/wake-satellite-audio.ts'
import { WaitingSatellite } from '../kit/wyoming-waiting-satellite.ts'

describe('the hub dials Wyoming satellites', { timeout: 300_000 }, () => {
  const temp = makeTempDir('localhub-wyoming-dialer-')
  let ollama: FakeOllamaServer
  let hub: RunningHub
  let kitchen: WaitingSatellite
  let garagePort: number
  const detections: Envelope[] = []

  before(async () => {
    ollama = await startOllamaServer({ reply: () => 'Here you are.' })
    kitchen = await WaitingSatellite.listen()
    // A port where no satellite listens yet: the hub keeps redialling it. It lies below the
    // ephemeral range, so no other test's server (port 0) can be given it meanwhile and receive
    // the dials.
    garagePort = await freePortBelowEphemeralRange()
    hub = await openWakeHub(
      temp.path,
      ollama.url,
      { mode: 'wake_word', phrases: [{ phrase: 'hey jarvis', threshold: 1e-20 }] },
      {
        port: 0,
        satellites: [
          { name: 'kitchen', host: '127.0.0.1', port: kitchen.port },
          { name: 'garage', host: '127.0.0.1', port: garagePort },
        ],
      },
    )
    await hub.bus.subscribe('voice.wake.detected', (event) => {
      detections.push(event)
    })
  })
  after(async () => {
    await hub?.close()
    await kitchen?.close()
    await ollama?.close()
    temp.remove()
  })

  test('the hub dials a satellite that waits to be called, runs a wake turn over that connection, and redials it', async () => {
    const first = await kitchen.connection(0)
    await first.next((event) => event.type === 'describe', 'describe')
    await first.next((event) => event.type === 'run-satellite', 'run-satellite')
    // As wyoming-satellite does on run-satellite when the server detects the wake word.
    first.send('run-pipeline', { start_stage: 'wake', end_stage: 'tts', restart_on_end: true })
    await stream(first, phraseInSpeech('tell me a joke about the weather'))
    await first.next((event) => event.type === 'detection', 'the detection')
    await streamSilenceUntil(first, () => first.received.some((event) => event.type === 'audio-stop'))
    const transcript = await first.next((event) => event.type === 'transcript', 'the transcript')
    for (const word of BEFORE_WORDS) assert.ok(!words(transcript.data.text).includes(word))
    assert.equal(detections[0]?.payload.source, 'kitchen')
    // The satellite restarts: the hub calls again by itself.
    first.close()
    const second = await kitchen.connection(1)
    await second.next((event) => event.type === 'run-satellite', 'run-satellite after the redial')
    const kitchenState = hub.wyomingSatellites().find((state) => state.name === 'kitchen')
    assert.equal(kitchenState?.connected, true)
    // The garage satellite was off since the hub started: dials failed, and backoff goes on.
    const garage = hub.wyomingSatellites().find((state) => state.name === 'garage')
    assert.equal(garage?.connected, false)
    assert.ok((garage?.failures ?? 0) >= 2, `garage failures ${garage?.failures}`)
    const late = await WaitingSatellite.listen(garagePort)
    try {
      const call = await late.connection(0, 40_000)
      await call.next((event) => event.type === 'run-satellite', 'run-satellite on the late satellite')
    } finally {
      await late.close()
    }
  })
})
