// Every manifest key acts or is refused (docs/decisions/1400..1406): a real hub is opened on a
// manifest with one value changed, and the effect is observed through the HTTP API or the files.
// This part: workspace access, tool actions, the LLM key and keys that never act.
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, test } from 'node:test'
import { startOpenAiServer } from '../kit/llm-servers/index.ts'
import { call, FS_WRITE, refused, setUp, skill, skillPath, startHub } from './manifest-keys-kit.ts'

describe('workspace.roots[].access', { timeout: 60_000 }, () => {
  test('access: read refuses a write before any approval; read_write asks for one', async (t) => {
    const setup = setUp(t)
    const hub = await startHub(t, setup, (m) => {
      m.workspace.roots[0].access = 'read'
    })
    const read = await call(hub, 'POST', '/tools/read_file', { params: { path: 'notes.md' } })
    assert.equal(read.body.ok, true, JSON.stringify(read.body))
    const write = await call(hub, 'POST', '/tools/write_file', {
      params: { path: 'notes.md', content: 'x\n' },
    })
    assert.equal(write.body.ok, false)
    assert.equal(write.body.error.code, 'E_PERMISSION_REQUIRED')
    assert.equal(write.body.error.details?.reason, 'read-only-root', JSON.stringify(write.body.error))
    const approvals = await call(hub, 'GET', '/approvals')
    assert.deepEqual(approvals.body.data.approvals, [], 'no approval was requested')
    assert.equal(readFileSync(join(setup.workspace, 'notes.md'), 'utf8'), 'first line\n')
  })
})

describe('skills[].actions, requiresConfirm, capabilityTier', { timeout: 60_000 }, () => {
  test('a tool no enabled tools skill lists is neither listed nor served', async (t) => {
    const setup = setUp(t)
    const hub = await startHub(t, setup, (m) => {
      skill(m, FS_WRITE).enabled = false
    })
    const tools = await call(hub, 'GET', '/tools')
    const names = (tools.body.data as { name: string }[]).map((tool) => tool.name)
    assert.ok(names.includes('read_file'))
    assert.ok(!names.includes('write_file') && !names.includes('apply_patch'), names.join(', '))
    const write = await call(hub, 'POST', '/tools/write_file', {
      params: { path: 'notes.md', content: 'x\n' },
    })
    assert.equal(write.body.ok, false)
    assert.equal(readFileSync(join(setup.workspace, 'notes.md'), 'utf8'), 'first line\n')
  })

  test('requiresConfirm: false on a writing tool and an unknown action stop the hub', async (t) => {
    await refused(
      t,
      (m) => {
        skill(m, FS_WRITE).actions[0].requiresConfirm = false
      },
      skillPath(FS_WRITE, '/actions/0/requiresConfirm'),
      /every change needs the person's confirmation/,
    )
    await refused(
      t,
      (m) => {
        skill(m, FS_WRITE).actions[0].name = 'format_disk'
      },
      skillPath(FS_WRITE, '/actions/0/name'),
      /format_disk is not a tool/,
    )
  })
})

describe('llm.apiKeyEnv', { timeout: 60_000 }, () => {
  test('the openai provider sends the key from the variable apiKeyEnv names', async (t) => {
    const setup = setUp(t)
    const server = await startOpenAiServer({ models: ['tiny'], apiKey: 'named-key-123' })
    t.after(() => server.close())
    const hub = await startHub(
      t,
      setup,
      (m) => {
        m.llm = { provider: 'openai', baseUrl: server.baseUrl, model: 'tiny', apiKeyEnv: 'TEST_LLM_KEY' }
      },
      { env: { TEST_LLM_KEY: 'named-key-123', OPENAI_API_KEY: 'wrong-key' } },
    )
    const answer = await call(hub, 'POST', '/chat', { text: 'hello', stream: false })
    assert.equal(answer.body.ok, true, JSON.stringify(answer.body))
    const request = server.chatRequests.at(-1)
    assert.equal(request?.headers.authorization, 'Bearer named-key-123')
  })

  test('apiKeyEnv with the ollama provider stops the hub', async (t) => {
    await refused(t, (m) => (m.llm.apiKeyEnv = 'TEST_LLM_KEY'), '/llm/apiKeyEnv', /only the openai provider/)
  })
})

/** Writes events into <data>/events.sqlite before the hub opens it, committed at `at`. */
describe('other keys that would not act', { timeout: 60_000 }, () => {
  test('gpuLayers, ledgerEnabled: false and config on the file tools stop the hub', async (t) => {
    await refused(t, (m) => (m.llm.gpuLayers = 10), '/llm/gpuLayers', /CPU/)
    await refused(
      t,
      (m) => (m.contracts.security.audit.ledgerEnabled = false),
      '/contracts/security/audit/ledgerEnabled',
      /cannot be turned off/,
    )
    await refused(
      t,
      (m) => (skill(m, FS_WRITE).config = { dryRun: true }),
      skillPath(FS_WRITE, '/config/dryRun'),
      /does not read dryRun/,
    )
  })
})
