// Idle memory (decision 1711): a hub started from the default manifest has not loaded the MCP SDK
// (~25 MB), the NATS client (~10 MB), ical.js or chokidar; the SDK loads at the first POST /mcp. A module resolve
// hook reports every URL this process resolves, so the test sees what the hub imported.
import assert from 'node:assert/strict'
import { register } from 'node:module'
import { after, before, describe, test } from 'node:test'
import { MessageChannel } from 'node:worker_threads'
import type { RunningHub } from '../../src/kernel/index.ts'
import { makeTempDir } from '../kit/temp-dir.ts'

const HOOK_SOURCE = `let port
export function initialize(data) { port = data.port }
export async function resolve(specifier, context, next) {
  const result = await next(specifier, context)
  port.postMessage(result.url)
  return result
}`

const MCP_SDK = '/node_modules/@modelcontextprotocol/sdk/'
const NATS_CLIENT = '/node_modules/@nats-io/'
const ICAL = '/node_modules/ical.js/'
const CHOKIDAR = '/node_modules/chokidar/'
const CANVAS = '/node_modules/@napi-rs/canvas'

describe('what a started hub has loaded', { timeout: 60_000 }, () => {
  const temp = makeTempDir('localhub-lazy-loading-')
  const resolved = new Set<string>()
  const waiters: { match: (url: string) => boolean; done: () => void }[] = []
  let hub: RunningHub

  function onResolved(url: string): void {
    resolved.add(url)
    for (const waiter of [...waiters]) {
      if (waiter.match(url)) {
        waiters.splice(waiters.indexOf(waiter), 1)
        waiter.done()
      }
    }
  }

  function resolvedOne(match: (url: string) => boolean): Promise<void> {
    if ([...resolved].some(match)) return Promise.resolve()
    return new Promise((done) => waiters.push({ match, done }))
  }

  /** Every URL resolved before this call has been reported once the marker module's URL arrives. */
  async function flushReports(): Promise<void> {
    const marker = `data:text/javascript,export default ${Date.now()}${Math.random()}`
    const reported = resolvedOne((url) => url === marker)
    await import(marker)
    await reported
  }

  const loaded = (part: string): string[] => [...resolved].filter((url) => url.includes(part))

  before(async () => {
    const { port1, port2 } = new MessageChannel()
    port1.on('message', onResolved)
    port1.unref()
    register(`data:text/javascript,${encodeURIComponent(HOOK_SOURCE)}`, {
      data: { port: port2 },
      transferList: [port2],
    })
    const { openHub } = await import('../../src/kernel/index.ts')
    hub = await openHub({
      dataDir: temp.path,
      port: 0,
      logger: false,
      llmFlags: { baseUrl: 'http://127.0.0.1:9', model: 'absent' },
    })
    await flushReports()
  })
  after(async () => {
    await hub?.close()
    temp.remove()
  })

  test('the default manifest starts without the MCP SDK, the NATS client, ical.js, chokidar or Skia', () => {
    assert.ok(loaded('/src/compat/').length > 0, 'the hook saw the hub load its compat routes')
    assert.ok(loaded('/src/skills/watchers/').length > 0, 'the hook saw the watcher skills load')
    assert.deepEqual(loaded(MCP_SDK), [])
    assert.deepEqual(loaded(NATS_CLIENT), [])
    assert.deepEqual(loaded(ICAL), [], 'no calendar is configured')
    assert.deepEqual(loaded(CHOKIDAR), [], 'no build log is configured')
    assert.ok(loaded('/src/skills/avatar/').length > 0, 'the hook saw the avatar skill load')
    assert.deepEqual(loaded(CANVAS), [], 'no client asked for rendered frames')
  })

  test('the first POST /mcp loads the MCP SDK and answers initialize', async () => {
    const answer = await fetch(`${hub.url}/mcp`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${hub.token}`,
        accept: 'application/json, text/event-stream',
        'content-type': 'application/json',
      },
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 1,
        method: 'initialize',
        params: {
          protocolVersion: '2025-06-18',
          capabilities: {},
          clientInfo: { name: 'lazy-loading-test', version: '1.0.0' },
        },
      }),
    })
    assert.equal(answer.status, 200)
    assert.match(await answer.text(), /"serverInfo":\{"name":"localhub"/)
    await resolvedOne((url) => url.includes(MCP_SDK))
    assert.ok(loaded(MCP_SDK).length > 0)
  })
})
