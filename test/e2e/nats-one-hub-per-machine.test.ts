// docs/one-hub-per-machine.md, followed as written (issue 23): a root nats-server and two hub
// nats-servers started by `localhub nats up`, a `localhub serve` on each hub's own data directory,
// chats against the loopback Ollama server. The root holds every desk event; with the root down
// the desk keeps chatting, and once the root is back its copy catches up — nothing lost or doubled.
// Only ports, data directories and host names are swapped (free loopback ports, temp directories).
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { jetstream } from '@nats-io/jetstream'
import { connect } from '@nats-io/transport-node'
import { main } from '../../src/cli/index.ts'
import { runCommand } from '../kit/cli-io.ts'
import { type HubProcess, startHubProcess } from '../kit/hub-process.ts'
import { type FakeOllamaServer, startOllamaServer } from '../kit/llm-servers/index.ts'
import { streamEventIds } from '../kit/nats-federation.ts'
import { freePort, requireNatsServer } from '../kit/nats-server.ts'
import { makeTempDir } from '../kit/temp-dir.ts'
import { waitFor, waitForAsync } from '../kit/wait-for.ts'

const GUIDE = new URL('../../docs/one-hub-per-machine.md', import.meta.url)
const GUIDE_PORTS = [4300, 8300, 7400, 4301, 8301, 4302, 8302]

/** The guide's shell lines, in order (comments and blank lines dropped). */
function guideLines(): string[] {
  const text = readFileSync(GUIDE, 'utf8')
  const lines: string[] = []
  for (const block of text.matchAll(/```sh\n([\s\S]*?)```/g))
    for (const line of block[1]!.split('\n'))
      if (line.trim() !== '' && !line.startsWith('#')) lines.push(line)
  return lines
}

describe('one hub per machine, as the guide says', { timeout: 90_000 }, () => {
  const temp = makeTempDir('localhub-guide-')
  const ports = new Map<number, number>()
  let secret = ''
  let lines: string[] = []
  let ollama: FakeOllamaServer
  const hubs: Record<string, HubProcess> = {}

  /** The guide's line that contains `marker`, with ports, directories and hosts swapped. */
  function command(marker: string): string[] {
    const line = lines.find((candidate) => candidate.includes(marker))
    assert.ok(line, `the guide has a line with ${JSON.stringify(marker)}`)
    let text = line.replaceAll('~/', `${temp.path}/`).replaceAll('home-server', '127.0.0.1')
    text = text.replaceAll('0.0.0.0', '127.0.0.1')
    for (const [from, to] of ports) text = text.replace(new RegExp(`\\b${from}\\b`, 'g'), String(to))
    const words = text.split(/\s+/)
    assert.equal(words[0], 'localhub', line)
    return words.slice(1)
  }

  async function localhub(marker: string): Promise<string> {
    const args = command(marker)
    assert.equal(args[0], 'nats')
    const outcome = await runCommand(main, args, {
      cwd: temp.path,
      dataDir: join(temp.path, 'unused'),
      env: { LOCALHUB_NATS_SECRET: secret, LOCALHUB_NATS_SERVER: requireNatsServer() },
    })
    assert.equal(outcome.code, 0, `${marker}: ${outcome.stdout}${outcome.stderr}`)
    return outcome.stdout
  }

  async function serve(marker: string): Promise<HubProcess> {
    const args = command(marker)
    assert.equal(args[0], 'serve')
    const at = args.indexOf('--data')
    const dataDir = args[at + 1]!
    const rest = args.slice(1).filter((_, index) => index !== at - 1 && index !== at)
    return startHubProcess(dataDir, [...rest, '--ollama-host', ollama.url, '--model', 'tiny'])
  }

  async function chat(hub: HubProcess, text: string, sessionId: string): Promise<string> {
    const response = await fetch(`${hub.url}/chat`, {
      method: 'POST',
      headers: { authorization: `Bearer ${hub.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ text, sessionId }),
    })
    assert.equal(response.status, 200)
    // The answer's text, from its stream.chunk events.
    return [...(await response.text()).matchAll(/^data: (\{"streamId".*"text".*\})$/gm)]
      .map((match) => (JSON.parse(match[1]!) as { data: { text: string } }).data.text)
      .join('')
  }

  /** A user's password, read from the configuration `nats up` wrote into `directory`. */
  function passwordOf(directory: string, config: string, user: string): string {
    const text = readFileSync(join(temp.path, directory, 'nats', config), 'utf8')
    const found = new RegExp(`user: "${user}", password: "([^"]+)"`).exec(text)?.[1]
    assert.ok(found, `${user} in ${config}`)
    return found
  }

  /** Event ids of a stream, read as the owner of the server at `port`. */
  const streamIds = (port: number, stream: string) =>
    streamEventIds(
      {
        servers: `nats://127.0.0.1:${port}`,
        user: 'owner',
        pass: passwordOf('localhub-root', 'root.conf', 'owner'),
      },
      stream,
    )

  /** Waits until the root's copy of `hubId` holds every event its hub holds now; returns both. */
  async function rootCatchesUp(hubId: string, hubPort: number): Promise<{ hub: string[]; root: string[] }> {
    const hub = await streamIds(hubPort, `LH_${hubId}`)
    let root: string[] = []
    await waitForAsync(
      async () => {
        root = await streamIds(ports.get(4300)!, `ROOT_HUB_${hubId}`)
        const held = new Set(root)
        return hub.every((id) => held.has(id))
      },
      `the root holding all ${hub.length} events of ${hubId}`,
      30_000,
    )
    return { hub, root }
  }

  before(async () => {
    lines = guideLines()
    for (const port of GUIDE_PORTS) ports.set(port, await freePort())
    const exported = lines.find((line) => line.startsWith('export LOCALHUB_NATS_SECRET='))
    assert.ok(exported, 'the guide sets the shared secret')
    secret = exported.split('=')[1]!
    ollama = await startOllamaServer({ models: ['tiny'], reply: () => 'Hello from the desk.' })
    await localhub('nats up --role root')
    await Promise.all([
      localhub('nats up --role hub --hub-id desk'),
      localhub('nats up --role hub --hub-id laptop'),
    ])
    const [desk, laptop] = await Promise.all([
      serve('serve --data ~/localhub-desk'),
      serve('serve --data ~/localhub-laptop'),
    ])
    hubs.desk = desk
    hubs.laptop = laptop
  })
  after(async () => {
    await Promise.allSettled(Object.values(hubs).map((hub) => hub.stop()))
    for (const name of ['root', 'desk', 'laptop'])
      await runCommand(main, ['nats', 'down', '--data', join(temp.path, `localhub-${name}`)], {
        cwd: temp.path,
        dataDir: temp.path,
      })
    await ollama?.close()
    temp.remove()
  })

  test('an event recorded on the desk reaches the root; only owners sign in there', async (t) => {
    // A subscriber on the root: an ordered JetStream consumer of the root's copy of the desk.
    const owner = await connect({
      servers: `nats://127.0.0.1:${ports.get(4300)}`,
      user: 'owner',
      pass: passwordOf('localhub-root', 'root.conf', 'owner'),
    })
    t.after(() => owner.close())
    const seen: { type: string; sessionId?: string; subject: string }[] = []
    const messages = await (await jetstream(owner).consumers.get('ROOT_HUB_desk')).consume()
    void (async () => {
      for await (const message of messages)
        seen.push({ ...(message.json() as { type: string; sessionId?: string }), subject: message.subject })
    })()
    assert.match(await chat(hubs.desk!, 'Hello desk', 'guide-desk-1'), /Hello from the desk\./)
    await waitFor(
      () => seen.some((event) => event.type === 'turn.end' && event.sessionId === 'guide-desk-1'),
      'the turn.end of the desk at the root subscriber',
      20_000,
    )
    assert.ok(seen.every((event) => event.subject === `hub.desk.${event.type}`))
    assert.match(await chat(hubs.laptop!, 'Hello laptop', 'guide-laptop-1'), /Hello from the desk\./)
    const desk = await rootCatchesUp('desk', ports.get(4301)!)
    const laptop = await rootCatchesUp('laptop', ports.get(4302)!)
    assert.equal(new Set(desk.root).size, desk.root.length, 'no desk event twice at the root')
    assert.ok(
      laptop.root.every((id) => !desk.hub.includes(id)),
      'the laptop copy holds none of the desk events',
    )
    // The links are TLS (decision 1641): the root's leafnode port asks for it, each hub dials with it.
    const config = (directory: string, file: string) =>
      readFileSync(join(temp.path, directory, 'nats', file), 'utf8')
    assert.match(config('localhub-root', 'root.conf'), /leafnodes \{[\s\S]*tls \{ cert_file: /)
    for (const hubId of ['desk', 'laptop'])
      assert.match(config(`localhub-${hubId}`, `hub-${hubId}.conf`), /remotes: \[[\s\S]*tls \{ ca_file: /)
    assert.match(await localhub('nats status --data ~/localhub-desk'), /hub-desk: running/)
    assert.match(
      await localhub('nats federation'),
      /desk: \d+ events \(last seq \d+\) in ROOT_HUB_desk · linked/,
    )
    // The hub's own user is not admitted on the root (subject permissions: the root is the owner's).
    await assert.rejects(
      connect({
        servers: `nats://127.0.0.1:${ports.get(4300)}`,
        user: 'hub',
        pass: readFileSync(join(temp.path, 'localhub-desk', 'nats', 'hub.password'), 'utf8').trim(),
      }),
      /authorization/i,
    )
  })

  test('with the root down the desk keeps chatting; the root catches up once, nothing lost or doubled', async () => {
    assert.match(await localhub('nats down --data ~/localhub-root'), /root: stopped nats-server/)
    assert.match(await chat(hubs.desk!, 'Still there?', 'guide-desk-2'), /Hello from the desk\./)
    assert.match(await chat(hubs.desk!, 'And now?', 'guide-desk-3'), /Hello from the desk\./)
    await localhub('nats up --role root')
    const { hub, root } = await rootCatchesUp('desk', ports.get(4301)!)
    assert.equal(new Set(root).size, root.length, 'no event twice at the root')
    const now = new Set(await streamIds(ports.get(4301)!, 'LH_desk'))
    assert.ok(
      root.every((id) => now.has(id)),
      'the root holds only desk events',
    )
    assert.ok(hub.length >= 30, `three turns recorded on the desk (${hub.length} events)`)
    assert.match(await localhub('nats federation'), /desk: \d+ events/)
  })
})
