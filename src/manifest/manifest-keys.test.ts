// Every key of the manifest acts or is refused (docs/decisions/1400..1405): the refusals here,
// the functions the kernel calls (toolPolicyOf, storagePathOf, serverAddressOf) beside them.
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { homedir } from 'node:os'
import { join, resolve } from 'node:path'
import { describe, test } from 'node:test'
import { parse, stringify } from 'yaml'
import {
  checkManifestText,
  type HubManifest,
  type ManifestIssue,
  serverAddressOf,
  storagePathOf,
  toolPolicyOf,
} from './index.ts'

// biome-ignore lint/suspicious/noExplicitAny: raw YAML, edited in place by each test
type Json = Record<string, any>

const DEFAULT_TEXT = readFileSync(new URL('../../manifests/default.yaml', import.meta.url), 'utf8')

function defaultManifest(): Json {
  return parse(DEFAULT_TEXT) as Json
}

function skillById(manifest: Json, id: string): Json {
  const found = (manifest.skills as Json[]).find((skill) => skill.id === id)
  assert.ok(found, id)
  return found
}

/** The issues of the default manifest after `edit`; asserts it fails. */
function issuesAfter(edit: (manifest: Json) => void): ManifestIssue[] {
  const manifest = defaultManifest()
  edit(manifest)
  const result = checkManifestText(stringify(manifest))
  assert.equal(result.ok, false, 'expected the manifest to be refused')
  return result.ok ? [] : result.issues
}

function only(edit: (manifest: Json) => void): ManifestIssue {
  const issues = issuesAfter(edit)
  assert.equal(issues.length, 1, issues.map((issue) => `${issue.path}: ${issue.message}`).join('\n'))
  return issues[0]!
}

function accepted(edit: (manifest: Json) => void): HubManifest {
  const manifest = defaultManifest()
  edit(manifest)
  const result = checkManifestText(stringify(manifest))
  assert.equal(result.ok, true, result.ok ? '' : result.issues.map((issue) => issue.message).join('\n'))
  return result.ok ? result.manifest : (undefined as never)
}

/** The JSON pointer of a default-manifest skill by id (indices move as the manifest changes). */
function at(id: string, rest: string): string {
  const index = (defaultManifest().skills as Json[]).findIndex((skill) => skill.id === id)
  assert.ok(index >= 0, id)
  return `/skills/${index}${rest}`
}

const FS_READ = 'skill.action.opencode.fs_read'
const FS_WRITE = 'skill.action.opencode.fs_write'
const FS_DELETE = 'skill.action.opencode.fs_delete'

describe('the default manifest', () => {
  test('validates with every new rule', () => {
    accepted(() => undefined)
  })
})

describe('tool skills: actions, requiresConfirm, capabilityTier', () => {
  test('the tool policy offers what enabled tools skills list; writes need confirmation', () => {
    const policy = toolPolicyOf(accepted(() => undefined))
    assert.deepEqual(policy.offered, [
      'read_file',
      'list_dir',
      'search_in_files',
      'write_file',
      'apply_patch',
      'delete_path',
      'move_path',
    ])
    assert.deepEqual(policy.confirm, ['write_file', 'apply_patch', 'delete_path', 'move_path'])
    assert.equal(policy.skillOf.write_file, FS_WRITE)
    const withoutWrites = toolPolicyOf(
      accepted((m) => {
        skillById(m, FS_WRITE).enabled = false
        skillById(m, FS_DELETE).actions.pop()
      }),
    )
    assert.deepEqual(withoutWrites.offered, ['read_file', 'list_dir', 'search_in_files', 'delete_path'])
  })

  test('a tools skill without actions offers every tool of its tier and below', () => {
    const policy = toolPolicyOf(
      accepted((m) => {
        m.skills = (m.skills as Json[]).filter((skill) => skill.id !== FS_WRITE && skill.id !== FS_DELETE)
        delete skillById(m, FS_READ).actions
      }),
    )
    assert.deepEqual(policy.offered, ['read_file', 'list_dir', 'search_in_files'])
  })

  test('an unknown action name is refused with a suggestion and its line', () => {
    const issue = only((m) => {
      skillById(m, FS_READ).actions[0].name = 'read_fiel'
    })
    assert.equal(issue.path, at(FS_READ, '/actions/0/name'))
    assert.equal(issue.fix, 'did you mean read_file?')
    const manifest = defaultManifest()
    skillById(manifest, FS_READ).actions[0].name = 'read_fiel'
    const text = stringify(manifest)
    assert.match(text.split('\n')[issue.line - 1]!, /read_fiel/)
  })

  test('requiresConfirm: false on a writing tool is refused', () => {
    const issue = only((m) => {
      skillById(m, FS_WRITE).actions[0].requiresConfirm = false
    })
    assert.equal(issue.path, at(FS_WRITE, '/actions/0/requiresConfirm'))
    assert.match(issue.problem, /write_file changes files, and every change needs the person's confirmation/)
  })

  test('requiresConfirm: true on a read tool is refused (it would not act)', () => {
    const issue = only((m) => {
      skillById(m, FS_READ).capabilityTier = 'write_local_confirm'
      skillById(m, FS_READ).auditLedger = true
      skillById(m, FS_READ).actions[1].requiresConfirm = true
    })
    assert.equal(issue.path, at(FS_READ, '/actions/1/requiresConfirm'))
    assert.match(issue.fix, /leave list_dir out of actions/)
  })

  test('a capabilityTier below a listed tool is refused', () => {
    const issue = only((m) => {
      skillById(m, FS_DELETE).capabilityTier = 'write_local_confirm'
      skillById(m, FS_DELETE).actions.pop()
    })
    assert.equal(issue.path, at(FS_DELETE, '/actions/0/name'))
    assert.match(
      issue.problem,
      /delete_path is a destructive_two_step tool, above the skill's capabilityTier/,
    )
  })

  test('a parameter the tool does not take, and actions on a skill that is no file tool', () => {
    const param = only((m) => {
      skillById(m, FS_READ).actions[0].params = ['path', 'encoding']
    })
    assert.equal(param.path, at(FS_READ, '/actions/0/params/1'))
    const elsewhere = only((m) => {
      skillById(m, 'skill.rag').actions = [{ name: 'read_file', params: ['path'] }]
    })
    assert.equal(elsewhere.path, at('skill.rag', '/actions'))
  })
})

describe('storage of the built-in skills', () => {
  const dataDir = resolve('/srv/hub/data')

  test('storagePathOf: default file, relative inside the data directory, absolute and ~/ as written', () => {
    assert.equal(storagePathOf({ id: 's' }, dataDir, 'rag.sqlite'), join(dataDir, 'rag.sqlite'))
    const storage = (path: string) => ({ id: 's', storage: { type: 'sqlite' as const, path } })
    assert.equal(
      storagePathOf(storage('indexes/rag.sqlite'), dataDir, 'x'),
      join(dataDir, 'indexes/rag.sqlite'),
    )
    assert.equal(storagePathOf(storage('/var/lib/rag.sqlite'), dataDir, 'x'), '/var/lib/rag.sqlite')
    assert.equal(storagePathOf(storage('~/rag.sqlite'), dataDir, 'x'), join(homedir(), 'rag.sqlite'))
    for (const bad of ['../rag.sqlite', 'a/../../rag.sqlite', './data/rag.sqlite', '.']) {
      assert.throws(() => storagePathOf(storage(bad), dataDir, 'x'), { code: 'E_VALIDATION' }, bad)
    }
  })

  test('the default manifest names the default files', () => {
    const manifest = accepted(() => undefined)
    assert.equal(
      storagePathOf(manifest.skills.find((skill) => skill.id === 'skill.rag')!, dataDir, 'rag.sqlite'),
      join(dataDir, 'rag.sqlite'),
    )
    assert.equal(
      storagePathOf(
        manifest.skills.find((skill) => skill.id === 'skill.memory.episodic')!,
        dataDir,
        'memory.sqlite',
      ),
      join(dataDir, 'memory.sqlite'),
    )
  })

  test('paths that leave the data directory, other types and engines are refused', () => {
    assert.equal(
      only((m) => (skillById(m, 'skill.rag').storage.path = '../rag.sqlite')).path,
      at('skill.rag', '/storage/path'),
    )
    assert.equal(
      only((m) => (skillById(m, 'skill.rag').storage.engine = 'qdrant')).path,
      at('skill.rag', '/storage/engine'),
    )
    assert.equal(
      only((m) => (skillById(m, 'skill.memory.episodic').storage.type = 'vectordb')).path,
      at('skill.memory.episodic', '/storage/type'),
    )
    assert.equal(
      only((m) => (skillById(m, 'skill.llm').storage = { type: 'sqlite', path: 'llm.sqlite' })).path,
      at('skill.llm', '/storage'),
    )
  })

  test('rag config: chunking and topK are checked; unknown keys are refused', () => {
    accepted((m) => (skillById(m, 'skill.rag').config = { topK: 3, chunking: { size: 300, overlap: 30 } }))
    assert.equal(
      only((m) => (skillById(m, 'skill.rag').config.chunking.overlap = 500)).path,
      at('skill.rag', '/config/chunking/overlap'),
    )
    assert.equal(
      only((m) => (skillById(m, 'skill.rag').config.topK = 0)).path,
      at('skill.rag', '/config/topK'),
    )
    const typo = only((m) => (skillById(m, 'skill.rag').config.topk = 4))
    assert.equal(typo.path, at('skill.rag', '/config/topk'))
    assert.equal(typo.fix, 'did you mean topK?')
    assert.equal(
      only((m) => (skillById(m, 'skill.memory.episodic').config = { maxItems: 3 })).path,
      at('skill.memory.episodic', '/config/maxItems'),
    )
  })
})

describe('kernel.api', () => {
  test('serverAddressOf: flag > environment > manifest > default', () => {
    const manifest = { kernel: { id: 'k', api: { http: { base: 'http://127.0.0.1:8123' } } } }
    assert.deepEqual(serverAddressOf({}), {
      host: '127.0.0.1',
      port: 8000,
      hostSource: 'default',
      portSource: 'default',
    })
    assert.equal(serverAddressOf(manifest).port, 8123)
    assert.equal(serverAddressOf(manifest, { env: { LOCALHUB_PORT: '9001' } }).port, 9001)
    const flagged = serverAddressOf(manifest, { env: { LOCALHUB_PORT: '9001' }, flags: { port: 0 } })
    assert.equal(flagged.port, 0)
    assert.equal(flagged.portSource, 'flag')
    assert.equal(
      serverAddressOf({ kernel: { id: 'k', api: { http: { base: 'http://[::1]:8200' } } } }).host,
      '::1',
    )
    assert.throws(() => serverAddressOf(manifest, { env: { LOCALHUB_PORT: 'eighty' } }), {
      code: 'E_VALIDATION',
    })
  })

  test('a base the server cannot bind is refused', () => {
    assert.equal(
      only((m) => (m.kernel.api.http.base = 'https://127.0.0.1:8000')).path,
      '/kernel/api/http/base',
    )
    assert.equal(
      only((m) => (m.kernel.api.http.base = 'http://127.0.0.1:8000/hub')).path,
      '/kernel/api/http/base',
    )
  })

  test('an endpoint the kernel does not serve, or that does not stream, is refused', () => {
    const unknown = only((m) => m.kernel.api.http.endpoints.push({ path: '/chats', method: 'POST' }))
    assert.equal(unknown.fix, 'did you mean POST /chat?')
    accepted((m) => m.kernel.api.http.endpoints.push({ path: '/tools/:tool', method: 'POST' }))
    const stream = only((m) => (m.kernel.api.http.endpoints[1].stream = true))
    assert.equal(stream.path, '/kernel/api/http/endpoints/1/stream')
  })

  test('/ws/voice and /ws/avatar only with a skill that serves them; unknown ws routes are refused', () => {
    // The default manifest has the voice skills; these cases start from one without them.
    const withoutVoice = (m: Json) => {
      m.skills = m.skills.filter((skill: Json) => !skill.consumes.includes('voice.chunk'))
      m.kernel.api.ws = m.kernel.api.ws.filter((route: Json) => route.path !== '/ws/voice')
      m.pipelines = m.pipelines.filter((pipeline: Json) => pipeline.id !== 'pipeline.voice.turn')
    }
    const voice = only((m) => {
      withoutVoice(m)
      m.kernel.api.ws.push({ path: '/ws/voice', direction: 'bi', stream: true })
    })
    assert.equal(voice.path, '/kernel/api/ws/2/path')
    assert.match(voice.problem, /voice turn \(issue 12\)/)
    assert.equal(voice.fix, 'remove the entry, or enable a skill that consumes voice.chunk')
    accepted((m) => {
      withoutVoice(m)
      m.kernel.api.ws.push({ path: '/ws/voice', direction: 'bi', stream: true })
      m.skills.push({
        id: 'skill.voice.stt',
        version: '0.2',
        role: 'stt',
        transport: { type: 'http', base: 'http://127.0.0.1:9100' },
        provides: ['stt.final'],
        consumes: ['voice.chunk'],
        latencyClass: 'realtime_audio',
      })
    })
    // The default manifest has the avatar skill; this case starts from one without it.
    const avatar = only((m) => {
      m.skills = m.skills.filter((skill: Json) => skill.id !== 'skill.avatar')
      m.kernel.api.ws = m.kernel.api.ws.filter((route: Json) => route.path !== '/ws/avatar')
      for (const pipeline of m.pipelines)
        pipeline.steps = pipeline.steps.filter((step: Json) => step.call !== 'skill.avatar')
      m.kernel.api.ws.push({ path: '/ws/avatar', direction: 'out' })
    })
    assert.match(avatar.problem, /issue 13/)
    assert.equal(
      only((m) => m.kernel.api.ws.push({ path: '/ws/event', direction: 'out' })).fix,
      'did you mean /ws/events?',
    )
    assert.equal(only((m) => (m.kernel.api.ws[0].direction = 'in')).path, '/kernel/api/ws/0/direction')
  })
})

describe('llm, retention, contracts', () => {
  test('apiKeyEnv only with openai; ggufPath and threads only with llamacpp; no GPU layers', () => {
    assert.equal(only((m) => (m.llm.apiKeyEnv = 'MY_KEY')).path, '/llm/apiKeyEnv')
    accepted((m) => Object.assign(m.llm, { provider: 'openai', apiKeyEnv: 'MY_KEY' }))
    assert.equal(only((m) => (m.llm.threads = 4)).path, '/llm/threads')
    assert.equal(only((m) => (m.llm.gpuLayers = 20)).path, '/llm/gpuLayers')
  })

  test('retention: only the limits the stores apply; the ledger is kept', () => {
    accepted((m) =>
      Object.assign(m.retention, { events: { maxAgeDays: 10, maxCount: 1000 }, memory: { maxAgeDays: 90 } }),
    )
    assert.equal(only((m) => (m.retention.ledger = { maxAgeDays: 30 })).path, '/retention/ledger/maxAgeDays')
    accepted((m) => (m.retention.ledger = { userControlled: true }))
    assert.equal(only((m) => (m.retention.rag = { maxAgeDays: 30 })).path, '/retention/rag/maxAgeDays')
    assert.equal(only((m) => (m.retention.memory = { maxCount: 30 })).path, '/retention/memory/maxCount')
    assert.equal(
      only((m) => (m.retention.events = { maxAgeDays: 3, userControlled: true })).path,
      '/retention/events/userControlled',
    )
    assert.equal(
      only((m) => (m.retention.deadLetters = { userControlled: false })).path,
      '/retention/deadLetters/userControlled',
    )
  })

  test('the audit ledger cannot be switched off', () => {
    assert.equal(
      only((m) => (m.contracts.security.audit.ledgerEnabled = false)).path,
      '/contracts/security/audit/ledgerEnabled',
    )
  })
})
