// `localhub attach` as a child process with piped stdin/stdout against a running hub (loopback
// model): a chat turn streams, approvals are answered from the terminal, live events show, and
// after the connection is cut (a TCP proxy in between) the session resumes with the frames still
// buffered, or is rejected as ring_evicted when more than the ring holds went by meanwhile.
import assert from 'node:assert/strict'
import { type ChildProcess, spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { fileURLToPath } from 'node:url'
import { exited } from '../kit/child-process.ts'
import { NOTE_PATHS, NOTES_REPLY, type SessionHub, startSessionHub } from '../kit/session-hub.ts'
import { type CuttableProxy, startCuttableProxy } from '../kit/tcp-proxy.ts'
import { makeTempDir } from '../kit/temp-dir.ts'
import { waitFor } from '../kit/wait-for.ts'

const BIN = fileURLToPath(new URL('../../bin/localhub.js', import.meta.url))
const WAIT_MS = 20_000
/** More events than the hub's resume ring holds (DEFAULT_RESUME_RING_FRAMES = 256). */
const EVICTING_EVENTS = 300

/** A cuttable proxy in front of the hub; it accepts only its own Host (DNS rebinding guard). */
function startProxy(targetPort: number): Promise<CuttableProxy> {
  return startCuttableProxy(targetPort, {
    rewriteFirst: (first, proxyPort) =>
      Buffer.from(
        first.toString('latin1').replace(`127.0.0.1:${proxyPort}`, `127.0.0.1:${targetPort}`),
        'latin1',
      ),
  })
}

interface Terminal {
  child: ChildProcess
  output(): string
  type(line: string): void
  /** Waits until the output after `from` matches; returns the match. */
  expect(pattern: RegExp, what: string, from?: number): Promise<RegExpExecArray>
}

function startTerminal(url: string, token: string, dataDir: string): Terminal {
  const child = spawn(
    process.execPath,
    [BIN, 'attach', '--url', url, '--data', dataDir, '--events', 'ui.feedback', '--reconnect-ms', '200'],
    { env: { ...process.env, LOCALHUB_TOKEN: token }, stdio: ['pipe', 'pipe', 'pipe'] },
  )
  let output = ''
  child.stdout!.on('data', (chunk) => {
    output += chunk
  })
  child.stderr!.on('data', (chunk) => {
    output += chunk
  })
  return {
    child,
    output: () => output,
    type: (line) => child.stdin!.write(`${line}\n`),
    async expect(pattern, what, from = 0) {
      let match: RegExpExecArray | null = null
      await waitFor(
        () => {
          match = pattern.exec(output.slice(from))
          return match !== null
        },
        `${what} in the terminal's output:\n${output.slice(-2000)}`,
        WAIT_MS,
      )
      return match!
    },
  }
}

describe('localhub attach', () => {
  let session: SessionHub
  let proxy: CuttableProxy
  let terminal: Terminal
  const temp = makeTempDir('localhub-attach-')

  before(async () => {
    session = await startSessionHub('localhub-attach-hub-')
    proxy = await startProxy(Number(new URL(session.hub.url).port))
    terminal = startTerminal(`http://127.0.0.1:${proxy.port}`, session.hub.token, join(temp.path, 'client'))
    await terminal.expect(/\[attached ([0-9a-f-]{36})\]/, 'the attached session')
  })

  after(async () => {
    terminal.child.stdin!.end()
    const code = await Promise.race([
      exited(terminal.child),
      new Promise((resolve) => setTimeout(() => resolve('timeout'), 5000)),
    ])
    if (code === 'timeout') terminal.child.kill('SIGKILL')
    await proxy.close()
    await session.close()
    temp.remove()
  })

  const feedback = (target: string) =>
    session.hub.bus.publish({ type: 'ui.feedback', payload: { target, helpful: true } })

  test('a chat turn streams its answer', async () => {
    const from = terminal.output().length
    terminal.type('hello over frames')
    await terminal.expect(/Hello\. You said: hello over frames\n/, 'the streamed answer', from)
  })

  test('approvals are asked in the terminal and answered there; the turn then finishes', async () => {
    const from = terminal.output().length
    terminal.type('Please write two notes')
    let cursor = from
    for (const [index, path] of NOTE_PATHS.entries()) {
      const asked = await terminal.expect(
        /\[approval (\S+)\] medium risk: .*— \/approve or \/deny\n/,
        `approval ${index + 1}`,
        cursor,
      )
      cursor += asked.index + asked[0].length
      terminal.type(`/approve ${asked[1]}`)
      await waitFor(() => existsSync(join(session.workspace, path)), `note ${index + 1} written`, WAIT_MS)
    }
    await terminal.expect(
      new RegExp(`${NOTES_REPLY.replace('.', '\\.')}\\n`),
      'the answer after the approvals',
      from,
    )
  })

  test('live events matching --events are shown', async () => {
    const from = terminal.output().length
    const receipt = await feedback('live')
    await terminal.expect(new RegExp(`\\[event ui\\.feedback ${receipt.id}\\]`), 'the live event', from)
  })

  test('after a dropped connection the session resumes and the buffered frames are replayed', async () => {
    const from = terminal.output().length
    proxy.blocked = true
    proxy.cut()
    await terminal.expect(/\[connection lost; reconnecting\]/, 'the drop noticed', from)
    const ids: string[] = []
    for (const target of ['gap-1', 'gap-2', 'gap-3']) ids.push((await feedback(target)).id)
    proxy.blocked = false
    const resumed = await terminal.expect(/\[resumed (\S+): (\d+) frames replayed/, 'the resume', from)
    assert.ok(Number(resumed[2]) >= 3, `replayed ${resumed[2]} frames`)
    for (const id of ids)
      await terminal.expect(new RegExp(`\\[event ui\\.feedback ${id}\\]`), `event ${id}`, from)
    assert.doesNotMatch(terminal.output().slice(from), /resume rejected/)
    const chatFrom = terminal.output().length
    terminal.type('still here')
    await terminal.expect(/Hello\. You said: still here\n/, 'a turn on the resumed session', chatFrom)
  })

  test('when more frames went by than the ring holds, the resume is rejected (ring_evicted) and a new session starts', async () => {
    const from = terminal.output().length
    const before = /\[attached ([0-9a-f-]{36})\]/.exec(terminal.output())![1]
    proxy.blocked = true
    proxy.cut()
    await terminal.expect(/\[connection lost; reconnecting\]/, 'the drop noticed', from)
    for (let index = 0; index < EVICTING_EVENTS; index++) await feedback(`evict-${index}`)
    proxy.blocked = false
    await terminal.expect(/\[resume rejected: ring_evicted: /, 'the rejection', from)
    const attached = await terminal.expect(/\[attached ([0-9a-f-]{36})\]/, 'a new session', from)
    assert.notEqual(attached[1], before)
    const chatFrom = terminal.output().length
    terminal.type('new session')
    await terminal.expect(/Hello\. You said: new session\n/, 'a turn on the new session', chatFrom)
  })
})
