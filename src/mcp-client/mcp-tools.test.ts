// The hub's MCP client against an MCP server written with the SDK (test/kit/mcp-tool-server.ts),
// over stdio (a child process) and Streamable HTTP (loopback): list, read, planned write, a tool
// error, a server that dies mid-call, and a server that needs the network and is off.
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { after, describe, test } from 'node:test'
import { REPO_ROOT, spawnTsx } from '../../test/kit/child-process.ts'
import {
  KIT_MCP_SERVER_SCRIPT,
  KIT_MCP_TOOLS,
  KIT_NOTES_FILE_ENV,
  type KitMcpHttpServer,
  readNotes,
  startKitMcpHttpServer,
} from '../../test/kit/mcp-tool-server.ts'
import { makeTempDir } from '../../test/kit/temp-dir.ts'
import { waitFor } from '../../test/kit/wait-for.ts'
import { HubError } from '../contracts/index.ts'
import type { McpServerDeclaration } from '../manifest/index.ts'
import { createMcpTools, type McpTools } from './index.ts'

const temp = makeTempDir('localhub-mcp-client-')
after(() => temp.remove())

function stdioServer(
  prefix: string,
  notesFile: string,
  extra: Partial<McpServerDeclaration> = {},
): McpServerDeclaration {
  return {
    skillId: `skill.mcp.${prefix}`,
    prefix,
    tier: 'read_only',
    toolTiers: { add_note: 'write_local_confirm' },
    connection: {
      kind: 'stdio',
      command: process.execPath,
      args: ['--import', 'tsx', KIT_MCP_SERVER_SCRIPT],
      cwd: REPO_ROOT,
      env: { [KIT_NOTES_FILE_ENV]: notesFile },
    },
    needsNetwork: false,
    networkEnabled: false,
    timeoutMs: 20_000,
    ...extra,
  }
}

function httpServer(
  prefix: string,
  url: string,
  extra: Partial<McpServerDeclaration> = {},
): McpServerDeclaration {
  return {
    skillId: `skill.mcp.${prefix}`,
    prefix,
    tier: 'read_only',
    toolTiers: { add_note: 'write_local_confirm' },
    connection: { kind: 'http', url, headers: {} },
    needsNetwork: false,
    networkEnabled: false,
    timeoutMs: 20_000,
    ...extra,
  }
}

// biome-ignore lint/suspicious/noExplicitAny: tool answers, read field by field
type Json = Record<string, any>

const client = { clientName: 'localhub-test', clientVersion: '0.0.0', connectTimeoutMs: 20_000 }

for (const kind of ['stdio', 'http'] as const) {
  describe(`an SDK server over ${kind}`, { timeout: 60_000 }, () => {
    const notesFile = join(temp.path, `${kind}-notes.json`)
    let http: KitMcpHttpServer | undefined
    let tools: McpTools

    test('connects and lists its tools with the manifest tiers', async (t) => {
      if (kind === 'http') http = await startKitMcpHttpServer({ notesFile })
      tools = createMcpTools(
        [
          kind === 'stdio'
            ? stdioServer('kit', notesFile)
            : httpServer('kit', http!.url, {
                connection: { kind: 'http', url: http!.url, headers: { authorization: 'Bearer kit' } },
              }),
        ],
        client,
      )
      t.after(() => undefined)
      await tools.start()
      assert.deepEqual(tools.status('skill.mcp.kit'), { state: 'ready' })
      if (kind === 'http') assert.equal(http!.lastAuthorization, 'Bearer kit', 'config.headers are sent')
      // `dotted.name` is listed by the server but not offered: a model cannot call that name.
      assert.deepEqual(
        tools.descriptors().map((tool) => [tool.name, tool.tier, tool.source]),
        [
          ['kit__lookup', 'read_only', 'skill.mcp.kit'],
          ['kit__add_note', 'write_local_confirm', 'skill.mcp.kit'],
          ['kit__fail', 'read_only', 'skill.mcp.kit'],
          ['kit__crash', 'read_only', 'skill.mcp.kit'],
          ['kit__vanish', 'read_only', 'skill.mcp.kit'],
          ['kit__slow', 'read_only', 'skill.mcp.kit'],
          ['kit__big', 'read_only', 'skill.mcp.kit'],
          ['kit__grow', 'read_only', 'skill.mcp.kit'],
          ['kit__env', 'read_only', 'skill.mcp.kit'],
        ],
      )
    })

    test('a read tool runs; a write is planned with its arguments and runs only on execute', async () => {
      const missing = (await tools.run('kit__lookup', { key: 'milk' })) as { structuredContent: unknown }
      assert.deepEqual(missing.structuredContent, { key: 'milk', text: null })
      await assert.rejects(tools.run('kit__add_note', { key: 'a', text: 'b' }), /needs consent/)
      const plan = await tools.plan('kit__add_note', { key: 'milk', text: 'two litres' })
      assert.equal(plan.tier, 'write_local_confirm')
      assert.equal(plan.target, '/mcp/skill.mcp.kit/add_note')
      assert.match(plan.preview, /call tool add_note with\n[\s\S]*"two litres"/)
      assert.deepEqual(readNotes(notesFile), {}, 'planning runs nothing')
      await tools.execute(plan)
      assert.deepEqual(readNotes(notesFile), { milk: 'two litres' })
      const found = (await tools.run('kit__lookup', { key: 'milk' })) as { content: { text: string }[] }
      assert.equal(found.content[0]?.text, 'note milk: two litres')
      await assert.rejects(
        tools.execute({ ...plan, args: { key: 'milk', text: 'altered' } }),
        /altered after it was approved/,
      )
    })

    test('an answer larger than the cap is refused, not passed on', async () => {
      const fits = (await tools.run('kit__big', { bytes: 1000 })) as Json
      assert.equal(fits.content[0].text.length, 1000)
      await assert.rejects(tools.run('kit__big', { bytes: 300_000 }), (error: unknown) => {
        assert.ok(error instanceof HubError)
        assert.equal(error.code, 'E_RESOURCE_LIMIT')
        assert.match(error.message, /answered \d+ bytes, more than the 262144/)
        return true
      })
    })

    test('a tool error is an E_IO error quoting the tool', async () => {
      await assert.rejects(tools.run('kit__fail', {}), (error: unknown) => {
        assert.ok(error instanceof HubError)
        assert.equal(error.code, 'E_IO')
        assert.match(error.message, /failed on purpose/)
        return true
      })
    })

    test('a call slower than timeoutMs fails with E_TIMEOUT', async () => {
      const quick = createMcpTools(
        [
          kind === 'stdio'
            ? stdioServer('quick', notesFile, { timeoutMs: 200 })
            : httpServer('quick', http!.url, { timeoutMs: 200 }),
        ],
        client,
      )
      try {
        await assert.rejects(quick.run('quick__slow', { ms: 3000 }), (error: unknown) => {
          assert.ok(error instanceof HubError)
          assert.equal(error.code, 'E_TIMEOUT')
          assert.match(error.message, /did not answer slow within 200 ms/)
          return true
        })
      } finally {
        await quick.close()
      }
    })

    if (kind === 'stdio')
      test('tools/list_changed from the server refreshes the tools offered', async () => {
        await tools.run('kit__grow', {})
        await waitFor(
          () => tools.descriptors().some((tool) => tool.name === 'kit__extra'),
          'kit__extra listed',
          5_000,
        )
      })

    if (kind === 'stdio')
      test("a stdio server gets its env over a small safe environment, not the hub's", async () => {
        process.env.LOCALHUB_TEST_HUB_ONLY = 'secret'
        try {
          const own = (await tools.run('kit__env', { name: KIT_NOTES_FILE_ENV })) as Json
          assert.equal(own.structuredContent.value, notesFile)
          const hubs = (await tools.run('kit__env', { name: 'LOCALHUB_TEST_HUB_ONLY' })) as Json
          assert.equal(hubs.structuredContent.value, null)
        } finally {
          delete process.env.LOCALHUB_TEST_HUB_ONLY
        }
      })

    test('a server that dies mid-call fails that call clearly; the next call works again', async () => {
      await assert.rejects(tools.run('kit__crash', {}), (error: unknown) => {
        assert.ok(error instanceof HubError, String(error))
        assert.equal(error.code, 'E_DEPENDENCY_UNAVAILABLE')
        assert.match(error.message, /skill\.mcp\.kit stopped during the call to crash: the connection closed/)
        if (kind === 'stdio') assert.match(error.message, /crashing on purpose/, 'its stderr is quoted')
        // Over HTTP the answer had begun: the broken body closed the connection (not fetch failing).
        else assert.doesNotMatch(error.message, /fetch failed/)
        return true
      })
      const again = (await tools.run('kit__lookup', { key: 'milk' })) as { content: { text: string }[] }
      assert.equal(again.content[0]?.text, 'note milk: two litres')
      // Dying before any of the answer left (over HTTP, fetch itself fails): the same error.
      await assert.rejects(
        tools.run('kit__vanish', {}),
        /stopped during the call to vanish: the connection closed/,
      )
      const after = (await tools.run('kit__lookup', { key: 'milk' })) as { content: { text: string }[] }
      assert.equal(after.content[0]?.text, 'note milk: two litres')
      await tools.close()
      await http?.close()
    })
  })
}

test('a server that needs the network is off: never reached, its calls refused', async () => {
  const http = await startKitMcpHttpServer({ notesFile: join(temp.path, 'remote.json') })
  const tools = createMcpTools([httpServer('remote', http.url, { needsNetwork: true })], client)
  try {
    await tools.start()
    assert.deepEqual(tools.descriptors(), [])
    assert.match(tools.status('skill.mcp.remote').reason ?? '', /needs the network.*networkEnabled: true/)
    const refusal = tools.refusal('remote__lookup')
    assert.equal(refusal?.code, 'E_PERMISSION_REQUIRED')
    assert.deepEqual((refusal?.details as { reason: string } | undefined)?.reason, 'network-off')
    await assert.rejects(tools.run('remote__lookup', { key: 'x' }), /needs the network/)
    assert.equal(http.requests, 0, 'the hub never contacted it')
    const enabled = createMcpTools(
      [httpServer('remote', http.url, { needsNetwork: true, networkEnabled: true })],
      client,
    )
    await enabled.start()
    assert.equal(enabled.descriptors().length, KIT_MCP_TOOLS.length - 1, 'all but dotted.name')
    assert.ok(http.requests > 0)
    await enabled.close()
  } finally {
    await tools.close()
    await http.close()
  }
})

test('a server that cannot start is reported with its output, and tools ask again', async () => {
  const tools = createMcpTools(
    [
      stdioServer('broken', join(temp.path, 'x.json'), {
        connection: {
          kind: 'stdio',
          command: process.execPath,
          args: ['-e', 'console.error("no such tool server"); process.exit(3)'],
          env: {},
        },
      }),
    ],
    client,
  )
  await tools.start()
  const status = tools.status('skill.mcp.broken')
  assert.equal(status.state, 'failed')
  assert.match(status.reason ?? '', /no such tool server/, 'its stderr says why')
  const refusal = tools.refusal('broken__lookup')
  assert.equal(refusal?.code, 'E_DEPENDENCY_UNAVAILABLE')
  assert.match(refusal?.message ?? '', /not connected/)
  await tools.close()
})

test('an HTTP server in its own process answers many calls on one connection', async (t) => {
  const notesFile = join(temp.path, 'separate.json')
  const child = spawnTsx(KIT_MCP_SERVER_SCRIPT, ['--http'], { [KIT_NOTES_FILE_ENV]: notesFile })
  t.after(() => child.child.kill())
  let url = ''
  for await (const line of child.lines) {
    url = line
    break
  }
  const tools = createMcpTools([httpServer('separate', url)], client)
  t.after(() => tools.close())
  await tools.start()
  // A finished answer whose stream the SDK cancels is not a broken connection (it once was taken
  // for one, and every call failed or reconnected).
  for (let index = 0; index < 20; index++) {
    const answer = (await tools.run('separate__lookup', { key: 'k' })) as Json
    assert.deepEqual(answer.structuredContent, { key: 'k', text: null })
  }
  assert.deepEqual(tools.status('skill.mcp.separate'), { state: 'ready' })
})
