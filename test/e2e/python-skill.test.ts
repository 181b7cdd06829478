// The example Python skill (manifests/examples/python-skill.yaml) in a real hub: started over
// transport: stdio, ready, answering a chat turn through seed 002 frames, restarted after kill -9.
import assert from 'node:assert/strict'
import { readdirSync, readFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { test } from 'node:test'
import { openHub } from '../../src/kernel/index.ts'
import { makeTempDir } from '../kit/temp-dir.ts'
import { waitForAsync } from '../kit/wait-for.ts'

const MANIFEST = resolve(import.meta.dirname, '../../manifests/examples/python-skill.yaml')

test('manifests/examples/python-skill.yaml: the Python host answers chat turns and comes back after kill -9', async (t) => {
  const temp = makeTempDir()
  const hub = await openHub({
    dataDir: join(temp.path, 'data'),
    manifestPath: MANIFEST,
    port: 0,
    transport: 'memory',
    logger: false,
  })
  t.after(async () => {
    await hub.close()
    temp.remove()
  })
  const headers = { authorization: `Bearer ${hub.token}`, 'content-type': 'application/json' }
  const chat = async (text: string) => {
    const response = await fetch(`${hub.url}/chat`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ text, stream: false }),
    })
    return (await response.json()) as { ok: boolean; data?: { text: string }; error?: { code: string } }
  }
  const status = async () => {
    const response = await fetch(`${hub.url}/health`, { headers })
    const body = (await response.json()) as { data: { skills: { id: string; status: string }[] } }
    return body.data.skills.find((skill) => skill.id === 'skill.python.echo')?.status
  }
  assert.equal(await status(), 'ready')
  const first = await chat('hello from Python 🐍 한국어')
  assert.equal(first.data?.text, 'hello from Python 🐍 한국어', JSON.stringify(first))

  const pid = pythonHostPid()
  assert.ok(pid !== undefined, 'the python host runs as a child of the hub')
  process.kill(pid, 'SIGKILL')
  // One look at /proc per try: two looks could see the old host alive, then gone, and take the
  // gap for a new host while the hub has not yet heard of the old one's end (still "ready").
  await waitForAsync(
    async () => {
      const current = pythonHostPid()
      return current !== undefined && current !== pid && (await status()) === 'ready'
    },
    'a new python host, ready',
    15_000,
  )
  const again = await chat('after the restart')
  assert.equal(again.data?.text, 'after the restart', JSON.stringify(again))
})

function pythonHostPid(): number | undefined {
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8')
      const parent = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1])
      const environ = readFileSync(`/proc/${name}/environ`, 'utf8').split('\0')
      if (parent === process.pid && environ.includes('LOCALHUB_SKILL_ID=skill.python.echo'))
        return Number(name)
    } catch {
      // the process ended while we looked
    }
  }
  return undefined
}
