// voice.mode.changed (decision 1562) on a hub whose log survives a restart: a change from the API
// and a dnd toggle are stored once each; reopening the hub (which replays ui.interruptibility and
// reads the saved mode) publishes none again.
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { after, before, test } from 'node:test'
import type { Envelope } from '../../src/contracts/index.ts'
import { openHub, type RunningHub } from '../../src/kernel/index.ts'
import { type FakeOllamaServer, startOllamaServer } from '../kit/llm-servers/index.ts'
import { makeTempDir } from '../kit/temp-dir.ts'
import { openWakeHub } from '../kit/wake-hub.ts'

const temp = makeTempDir('localhub-voice-mode-events-')
let ollama: FakeOllamaServer

before(async () => {
  ollama = await startOllamaServer({ reply: () => 'Yes.' })
  // Writes the wake manifest (wake.yaml) into the folder; the hubs below keep their log in SQLite.
  await (await openWakeHub(temp.path, ollama.url)).close()
})
after(async () => {
  await ollama?.close()
  temp.remove()
})

const open = () =>
  openHub({
    dataDir: join(temp.path, 'data'),
    manifestPath: join(temp.path, 'wake.yaml'),
    port: 0,
    transport: 'sqlite',
    logger: false,
  })

async function stored(hub: RunningHub): Promise<Envelope[]> {
  const events: Envelope[] = []
  const subscription = await hub.bus.subscribe(
    'voice.mode.changed',
    (event) => {
      events.push(event)
    },
    { from: 'first' },
  )
  await new Promise((resolve) => setTimeout(resolve, 300))
  await subscription.unsubscribe()
  return events
}

test('mode and dnd changes are stored once; a restart publishes none', async () => {
  const hub = await open()
  try {
    const response = await fetch(`${hub.url}/voice/mode`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${hub.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ mode: 'talk' }),
    })
    assert.equal(response.status, 200)
    // The same mode again is no change.
    await fetch(`${hub.url}/voice/mode`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${hub.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ mode: 'talk' }),
    })
    await hub.bus.publishUntyped({
      type: 'ui.interruptibility',
      source: 'ui.dashboard',
      payload: { mode: 'dnd' },
    })
    await new Promise((resolve) => setTimeout(resolve, 300))
    assert.deepEqual(
      (await stored(hub)).map((event) => event.payload),
      [
        { mode: 'talk', previousMode: 'wake_word', dnd: false },
        { mode: 'talk', previousMode: 'talk', dnd: true },
      ],
    )
  } finally {
    await hub.close()
  }
  const reopened = await open()
  try {
    await new Promise((resolve) => setTimeout(resolve, 500))
    const events = await stored(reopened)
    assert.equal(events.length, 2, 'the restart (saved mode, replayed dnd) published nothing new')
    const mode = await fetch(`${reopened.url}/voice/mode`, {
      headers: { authorization: `Bearer ${reopened.token}` },
    })
    const body = (await mode.json()) as { data: { mode: string; dnd: boolean } }
    assert.deepEqual([body.data.mode, body.data.dnd], ['talk', true])
  } finally {
    await reopened.close()
  }
})
