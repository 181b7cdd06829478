// Every manifest key acts or is refused (docs/decisions/1400..1406): for each key a real hub is
// opened on a manifest with a changed value, and the effect is observed through the HTTP API or
// the files in the data directory. Refusals must stop the hub from starting, with the issue.
import assert from 'node:assert/strict'
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { join } from 'node:path'
import { describe, test } from 'node:test'
import Database from 'better-sqlite3'
import { parse, stringify } from 'yaml'
import { openBus } from '../../src/bus-factory/index.ts'
import type { Envelope } from '../../src/contracts/index.ts'
import { DEFAULT_MANIFEST_PATH, type HubOptions, openHub, type RunningHub } from '../../src/kernel/index.ts'
import { KERNEL_HTTP_ROUTES } from '../../src/manifest/index.ts'
import { openMemoryStore } from '../../src/skills/memory/index.ts'
import { chunkText } from '../../src/skills/rag/index.ts'
import { startOllamaServer, startOpenAiServer } from '../kit/llm-servers/index.ts'
import { ManualClock } from '../kit/manual-clock.ts'
import { makeTempDir } from '../kit/temp-dir.ts'
import { waitForAsync, watchEvents } from '../kit/wait-for.ts'

// biome-ignore lint/suspicious/noExplicitAny: the manifest is raw YAML edited in place; answers are read field by field
type Json = any

const DAY = 24 * 60 * 60 * 1000

interface TestContext {
  after(fn: () => unknown): void
}

interface Setup {
  dir: string
  workspace: string
  dataDir: string
}

/** A temp folder with a workspace and a data directory, removed after the test. */
function setUp(t: TestContext): Setup {
  const temp = makeTempDir('localhub-manifest-keys-')
  t.after(() => temp.remove())
  const workspace = join(temp.path, 'workspace')
  mkdirSync(workspace)
  writeFileSync(join(workspace, 'notes.md'), 'first line\n')
  return { dir: temp.path, workspace, dataDir: join(temp.path, 'data') }
}

/** The default manifest pointed at the test workspace, changed by `edit`. */
function writeManifest(setup: Setup, edit: (manifest: Json) => void): string {
  const manifest = parse(readFileSync(DEFAULT_MANIFEST_PATH, 'utf8')) as Json
  manifest.workspace.roots = [{ name: 'workspace', path: setup.workspace, access: 'read_write' }]
  edit(manifest)
  const path = join(setup.dir, 'manifest.yaml')
  writeFileSync(path, stringify(manifest))
  return path
}

async function startHub(
  t: TestContext,
  setup: Setup,
  edit: (manifest: Json) => void,
  options: HubOptions = {},
): Promise<RunningHub> {
  const hub = await openHub({
    dataDir: setup.dataDir,
    manifestPath: writeManifest(setup, edit),
    port: 0,
    logger: false,
    ...options,
  })
  t.after(() => hub.close())
  return hub
}

/** Opening the hub fails with E_VALIDATION and an issue at `path` whose problem matches. */
async function refused(t: TestContext, edit: (manifest: Json) => void, path: string, problem: RegExp) {
  const setup = setUp(t)
  await assert.rejects(
    openHub({ dataDir: setup.dataDir, manifestPath: writeManifest(setup, edit), port: 0, logger: false }),
    (error: Json) => {
      assert.equal(error.code, 'E_VALIDATION')
      const issue = error.details.issues.find((candidate: Json) => candidate.path === path)
      assert.ok(issue, `an issue at ${path}: ${JSON.stringify(error.details.issues)}`)
      assert.match(issue.problem, problem)
      assert.ok(issue.line > 0 && issue.fix.length > 0, 'the issue has a line and a fix')
      return true
    },
  )
}

/** The JSON pointer of a default-manifest skill, by id (indices move as the manifest changes). */
function skillPath(id: string, rest: string): string {
  const manifest = parse(readFileSync(DEFAULT_MANIFEST_PATH, 'utf8')) as Json
  const index = manifest.skills.findIndex((candidate: Json) => candidate.id === id)
  assert.ok(index >= 0, id)
  return `/skills/${index}${rest}`
}

/** How many entries a list of the default manifest has (where a pushed entry lands). */
function lengthOf(read: (manifest: Json) => unknown[]): number {
  return read(parse(readFileSync(DEFAULT_MANIFEST_PATH, 'utf8')) as Json).length
}

function skill(manifest: Json, id: string): Json {
  const found = manifest.skills.find((candidate: Json) => candidate.id === id)
  assert.ok(found, id)
  return found
}

async function call(hub: RunningHub, method: string, path: string, body?: unknown) {
  const response = await fetch(`${hub.url}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${hub.token}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  })
  return { status: response.status, body: (await response.json()) as Json }
}

async function events(hub: RunningHub, filter: string): Promise<Envelope[]> {
  const answer = await call(hub, 'GET', `/events?filter=${encodeURIComponent(filter)}&limit=1000`)
  assert.equal(answer.body.ok, true, JSON.stringify(answer.body))
  return answer.body.data as Envelope[]
}

const FS_WRITE = 'skill.action.opencode.fs_write'

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
async function seedEvents(dataDir: string, at: number, count: number): Promise<void> {
  const clock = new ManualClock(at)
  const bus = await openBus({ transport: 'sqlite', dataDir, clock })
  try {
    for (let index = 0; index < count; index++) {
      await bus.publish({ type: 'ui.feedback', payload: { target: `seeded-${index}`, helpful: true } })
    }
  } finally {
    await bus.close()
  }
}

describe('retention', { timeout: 60_000 }, () => {
  test('retention.events.maxAgeDays deletes old events at start and publishes store.retention.applied', async (t) => {
    const setup = setUp(t)
    await seedEvents(setup.dataDir, Date.now() - 40 * DAY, 3)
    const hub = await startHub(t, setup, (m) => {
      m.retention.events = { maxAgeDays: 30 }
    })
    await waitForAsync(
      async () => (await events(hub, 'ui.feedback')).length === 0,
      'old events deleted',
      10_000,
    )
    const applied = await events(hub, 'store.retention.applied')
    assert.equal(applied.length, 1)
    assert.deepEqual((applied[0]!.payload as Json).stores, [{ store: 'events', deleted: 3, maxAgeDays: 30 }])
  })

  test('retention.events.maxCount keeps the newest events of a type', async (t) => {
    const setup = setUp(t)
    await seedEvents(setup.dataDir, Date.now(), 5)
    const hub = await startHub(t, setup, (m) => {
      m.retention.events = { maxCount: 2 }
    })
    await waitForAsync(async () => (await events(hub, 'ui.feedback')).length === 2, 'two events left', 10_000)
  })

  test('without a rule for events nothing is deleted', async (t) => {
    const setup = setUp(t)
    await seedEvents(setup.dataDir, Date.now() - 400 * DAY, 2)
    const hub = await startHub(t, setup, (m) => {
      delete m.retention.events
    })
    assert.equal((await events(hub, 'ui.feedback')).length, 2)
  })

  test('retention.deadLetters.maxCount purges the oldest dead letters', async (t) => {
    const setup = setUp(t)
    const bus = await openBus({ transport: 'sqlite', dataDir: setup.dataDir })
    await bus.subscribe(
      'ui.feedback',
      () => {
        throw new Error('always fails')
      },
      { durable: 'retention-test', maxDeliver: 1 },
    )
    for (let index = 0; index < 3; index++) {
      await bus.publish({ type: 'ui.feedback', payload: { target: `dlq-${index}`, helpful: false } })
    }
    await waitForAsync(async () => (await bus.dlq.list()).length === 3, 'three dead letters', 10_000)
    await bus.close()
    const hub = await startHub(t, setup, (m) => {
      m.retention.deadLetters = { maxCount: 1 }
    })
    await waitForAsync(
      async () => (await call(hub, 'GET', '/dlq')).body.data.length === 1,
      'one dead letter left',
      10_000,
    )
  })

  test('retention.memory.maxAgeDays deletes old memories', async (t) => {
    const setup = setUp(t)
    mkdirSync(setup.dataDir, { recursive: true })
    const memory = openMemoryStore({ path: join(setup.dataDir, 'memory.sqlite') })
    memory.recordTurn({
      sessionId: 's',
      userText: 'ancient question',
      assistantText: 'a',
      ts: Date.now() - 90 * DAY,
    })
    memory.recordTurn({
      sessionId: 's',
      userText: 'recent question',
      assistantText: 'b',
      ts: Date.now() - DAY,
    })
    memory.close()
    const hub = await startHub(t, setup, (m) => {
      m.retention.memory = { maxAgeDays: 30 }
    })
    const listed = JSON.stringify((await call(hub, 'GET', '/memory')).body.data)
    assert.match(listed, /recent question/)
    assert.doesNotMatch(listed, /ancient question/)
  })

  test('a ledger or rag rule other than userControlled stops the hub', async (t) => {
    await refused(
      t,
      (m) => (m.retention.ledger = { maxAgeDays: 30 }),
      '/retention/ledger/maxAgeDays',
      /ledger/,
    )
    await refused(t, (m) => (m.retention.rag = { maxAgeDays: 30 }), '/retention/rag/maxAgeDays', /RAG index/)
  })
})

describe('storage and RAG config', { timeout: 60_000 }, () => {
  test('storage.path puts the memory and rag files where it says, inside the data directory', async (t) => {
    const setup = setUp(t)
    await startHub(t, setup, (m) => {
      skill(m, 'skill.rag').storage.path = 'stores/rag.sqlite'
      skill(m, 'skill.memory.episodic').storage.path = 'stores/memory.sqlite'
    })
    assert.ok(existsSync(join(setup.dataDir, 'stores', 'rag.sqlite')), 'rag store at its storage.path')
    assert.ok(existsSync(join(setup.dataDir, 'stores', 'memory.sqlite')), 'memory store at its storage.path')
    assert.equal(existsSync(join(setup.dataDir, 'rag.sqlite')), false)
    assert.equal(existsSync(join(setup.dataDir, 'memory.sqlite')), false)
  })

  test('a path out of the data directory and an engine other than fts5 stop the hub', async (t) => {
    await refused(
      t,
      (m) => (skill(m, 'skill.rag').storage.path = '../rag.sqlite'),
      skillPath('skill.rag', '/storage/path'),
      /leave/,
    )
    await refused(
      t,
      (m) => (skill(m, 'skill.rag').storage.engine = 'qdrant'),
      skillPath('skill.rag', '/storage/engine'),
      /fts5/,
    )
  })

  test('config.chunking.size changes the chunks the index stores', async (t) => {
    const setup = setUp(t)
    const text = Array.from(
      { length: 40 },
      (_, index) => `Paragraph ${index} is about the boiler service.`,
    ).join('\n\n')
    writeFileSync(join(setup.workspace, 'notes.md'), text)
    const hub = await startHub(t, setup, (m) => {
      skill(m, 'skill.rag').config.chunking = { size: 200, overlap: 20 }
    })
    const progress = await watchEvents(hub.bus, 'index.progress')
    t.after(() => progress.stop())
    await hub.bus.publish({
      type: 'index.request',
      traceId: 'trace-chunking',
      payload: { paths: [setup.workspace], mode: 'full' },
    })
    await progress.next(
      (event) =>
        event.traceId === 'trace-chunking' &&
        (event.payload as Json).done === (event.payload as Json).total &&
        (event.payload as Json).total > 0,
      'indexing done',
      20_000,
    )
    const db = new Database(join(setup.dataDir, 'rag.sqlite'), { readonly: true })
    const stored = db.prepare('SELECT count(*) FROM chunks').pluck().get() as number
    db.close()
    assert.equal(stored, chunkText(text, { sizeChars: 200, overlapChars: 20 }).length)
    assert.notEqual(stored, chunkText(text).length, 'the default size would give another count')
  })

  test('config.topK caps the passages a turn retrieves', async (t) => {
    const setup = setUp(t)
    for (let index = 0; index < 6; index++) {
      writeFileSync(
        join(setup.workspace, `boiler-${index}.md`),
        `The boiler note number ${index} says service it.\n`,
      )
    }
    const ollama = await startOllamaServer({ models: ['tiny'] })
    t.after(() => ollama.close())
    const hub = await startHub(
      t,
      setup,
      (m) => {
        skill(m, 'skill.rag').config.topK = 2
      },
      { llmFlags: { baseUrl: ollama.url, model: 'tiny' } },
    )
    const progress = await watchEvents(hub.bus, 'index.progress')
    t.after(() => progress.stop())
    await hub.bus.publish({
      type: 'index.request',
      traceId: 'trace-topk',
      payload: { paths: [setup.workspace], mode: 'full' },
    })
    await progress.next(
      (event) =>
        event.traceId === 'trace-topk' && (event.payload as Json).done === (event.payload as Json).total,
      'indexing done',
      20_000,
    )
    const context = await watchEvents(hub.bus, 'rag.context')
    t.after(() => context.stop())
    const answer = await call(hub, 'POST', '/chat', { text: 'boiler service', stream: false })
    assert.equal(answer.body.ok, true, JSON.stringify(answer.body))
    const hits = await context.next(() => true, 'rag.context of the turn', 10_000)
    assert.equal((hits.payload as Json).hits.length, 2)
  })
})

async function freePort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as { port: number }
  await new Promise((resolve) => server.close(resolve))
  return port
}

describe('kernel.api', { timeout: 60_000 }, () => {
  test('http.base is where the hub listens when no flag or variable says otherwise', async (t) => {
    const setup = setUp(t)
    const port = await freePort()
    const hub = await openHub({
      dataDir: setup.dataDir,
      manifestPath: writeManifest(setup, (m) => {
        m.kernel.api.http.base = `http://127.0.0.1:${port}`
      }),
      logger: false,
      env: {},
    })
    t.after(() => hub.close())
    assert.equal(new URL(hub.url).port, String(port))
    const health = await fetch(`http://127.0.0.1:${port}/health`)
    assert.equal(health.status, 200)
  })

  test('every GET route the manifest may name is served', async (t) => {
    const setup = setUp(t)
    const hub = await startHub(t, setup, () => undefined)
    for (const route of KERNEL_HTTP_ROUTES.filter((candidate) => candidate.method === 'GET')) {
      const path = route.path.replace(':id', 'no-such-id')
      const response = await fetch(`${hub.url}${path}`, { headers: { authorization: `Bearer ${hub.token}` } })
      const body = await response.text()
      // A served route may say the id is unknown; an unserved one is Fastify's route-not-found.
      assert.doesNotMatch(body, /Route GET:.* not found/, `${path}: ${response.status} ${body.slice(0, 200)}`)
    }
  })

  test('an endpoint or WebSocket the kernel does not serve stops the hub', async (t) => {
    await refused(
      t,
      (m) => m.kernel.api.http.endpoints.push({ path: '/speak', method: 'POST' }),
      `/kernel/api/http/endpoints/${lengthOf((m) => m.kernel.api.http.endpoints)}/path`,
      /serves no POST \/speak/,
    )
    await refused(
      t,
      (m) => m.kernel.api.ws.push({ path: '/ws/avatar', direction: 'out', stream: true }),
      `/kernel/api/ws/${lengthOf((m) => m.kernel.api.ws)}/path`,
      /issue 13/,
    )
  })
})

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
