import assert from 'node:assert/strict'
import { existsSync, readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { describe, test } from 'node:test'
import { pathToFileURL } from 'node:url'
import { parse as parseYaml } from 'yaml'
import { HubError } from '../contracts/index.ts'
import {
  checkManifestText,
  DEFAULT_STATE_MACHINE,
  type HubManifest,
  knownTypesFromEntries,
  knownTypesFromRegistryYaml,
  loadManifest,
  type ManifestIssue,
  parseManifest,
} from './index.ts'

const repoRoot = resolve(import.meta.dirname, '../..')
const seedManifestPath = resolve(repoRoot, '../shared/seeds/jarvis-hub.manifest.yaml')
const seedCatalogPath = resolve(repoRoot, '../shared/seeds/jarvis-event-catalog.json')
const seedMissing = existsSync(seedManifestPath) ? false : `seed manifest not found at ${seedManifestPath}`

/** Type names of seed 000's own event catalog, as the seed file lists them. */
function seedFileTypes(): string[] {
  const groups = JSON.parse(readFileSync(seedCatalogPath, 'utf8')) as Record<string, Record<string, unknown>>
  return Object.values(groups)
    .flatMap((group) => Object.keys(group))
    .sort()
}

// The same names kept in the repository, so these tests run from a clone without ../shared.
const seedTypesFixture = resolve(repoRoot, 'test/fixtures/seed-000-catalog-types.json')

/** Type names of seed 000's own event catalog: fixed, so the expected defects are too. */
function seedCatalogTypes(): Set<string> {
  const { types } = JSON.parse(readFileSync(seedTypesFixture, 'utf8')) as { types: string[] }
  return knownTypesFromEntries(types.map((type) => ({ type, version: 1 })))
}

test("the kept list of seed 000 type names is the seed catalog's", {
  skip: existsSync(seedCatalogPath) ? false : `seed catalog not found at ${seedCatalogPath}`,
}, () => {
  const { types } = JSON.parse(readFileSync(seedTypesFixture, 'utf8')) as { types: string[] }
  assert.deepEqual(types, seedFileTypes())
})

function registryTypes(): Set<string> {
  return knownTypesFromRegistryYaml(readFileSync(resolve(repoRoot, 'catalog/registry.yaml'), 'utf8'))
}

function issuesOf(text: string, knownTypes?: ReadonlySet<string>): ManifestIssue[] {
  const check = checkManifestText(text, knownTypes === undefined ? {} : { knownTypes })
  assert.equal(check.ok, false, 'expected the manifest to fail')
  return check.ok ? [] : check.issues
}

describe("seed 000's own manifest", { skip: seedMissing }, () => {
  const seedText = seedMissing ? '' : readFileSync(seedManifestPath, 'utf8')

  test('fails with exactly one issue per defect against its own schema', () => {
    const issues = issuesOf(seedText)
    assert.deepEqual(
      issues.map((issue) => issue.path),
      [
        // /ws/avatar: the seed's avatar skill provides avatar.frames.stream, no avatar.frame
        '/kernel/api/ws/1/path',
        // ./data/memory.sqlite would be <data>/data/memory.sqlite (decision 1402)
        '/skills/4/storage/path',
        // qdrant|chromadb: the built-in rag runs on SQLite FTS5 only
        '/skills/5/storage/type',
        '/skills/5/storage/engine',
        '/skills/5/storage/path',
        '/skills/6/latencyClass',
        '/skills/7/latencyClass',
        '/skills/10/policy',
        '/skills/11/latencyClass',
        '/skills/11/transport/type',
        '/pipelines/2/steps/3/else',
      ],
    )
    const [avatar, memoryPath, ragType, ragEngine, , fsRead, fsWrite, policy, dashboard, web, loneElse] =
      issues as [ManifestIssue, ...ManifestIssue[]]
    assert.match(
      avatar.problem,
      /\/ws\/avatar is served by a skill that provides avatar\.frame \(the avatar \(issue 13\)\)/,
    )
    assert.equal(memoryPath!.fix, 'write memory.sqlite (without the data/ prefix)')
    assert.match(ragType!.problem, /stores its data in SQLite only/)
    assert.match(ragEngine!.problem, /SQLite fts5 \(BM25\) only/)
    assert.equal(fsRead!.problem, 'skill "skill.action.opencode.fs_read" is missing latencyClass')
    assert.equal(
      fsRead!.fix,
      'add latencyClass: realtime_audio|realtime_video|realtime_text|hybrid|background',
    )
    assert.match(fsWrite!.problem, /skill "skill\.action\.opencode\.fs_write" is missing latencyClass/)
    assert.match(dashboard!.problem, /skill "skill\.ui\.dashboard" is missing latencyClass/)
    assert.equal(policy!.problem, 'unknown key policy in skill "skill.proactive.triage"')
    assert.equal(policy!.fix, 'did you mean policies?')
    assert.match(web!.problem, /transport\.type of skill "skill\.ui\.dashboard" is "web"/)
    assert.match(web!.fix, /inproc\|http\|ws\|stdio\|nats/)
    assert.match(loneElse!.problem, /step 4 of pipeline "pipeline\.proactive\.nudge" is a lone else/)
    assert.match(
      loneElse!.fix,
      /if: "needs_user_attention", then: "emit:nudge\.dispatch", else: "emit:dashboard_only"/,
    )
  })

  test('points at the line and column of each defect in the YAML text', () => {
    const lines = seedText.split('\n')
    const issues = issuesOf(seedText)
    const at = (path: string) => {
      const issue = issues.find((candidate) => candidate.path === path)!
      return lines[issue.line - 1]!.slice(issue.column - 1)
    }
    // Missing keys point at the skill that lacks them, unknown keys at the key, values at the value.
    assert.match(at('/skills/6/latencyClass'), /^id: skill\.action\.opencode\.fs_read/)
    assert.match(at('/skills/10/policy'), /^policy:/)
    assert.match(at('/skills/11/transport/type'), /^"web"/)
    assert.match(at('/pipelines/2/steps/3/else'), /^else: "emit:dashboard_only"/)
  })

  test('with seed 000 catalog types it also names every provides/consumes/recv that is no type', () => {
    const typeIssues = issuesOf(seedText, seedCatalogTypes()).filter((issue) =>
      /catalog type/.test(issue.problem),
    )
    assert.deepEqual(
      typeIssues.map((issue) => [issue.path, issue.fix]),
      [
        ['/skills/0/provides/0', 'did you mean llm.complete?'],
        ['/skills/2/provides/0', 'did you mean tts.audio?'],
        ['/skills/3/provides/0', 'did you mean avatar.frames?'],
        ['/skills/3/consumes/0', 'did you mean tts.audio?'],
        [
          '/skills/4/consumes/1',
          'use a type from catalog/registry.yaml, or add conversation.summary to the catalog',
        ],
        [
          '/skills/10/consumes/3',
          'use a type from catalog/registry.yaml, or add calendar.event to the catalog',
        ],
        [
          '/skills/11/consumes/1',
          'use a type from catalog/registry.yaml, or add kernel.trace to the catalog',
        ],
        ['/skills/11/consumes/2', 'did you mean ledger.entry?'],
        [
          '/pipelines/2/steps/0/recv',
          'did you mean event.>? (* stands for exactly one token, > for all the rest)',
        ],
      ],
    )
  })

  test("with the catalog's registry, the seed's stream names pass as aliases (decision 0102)", () => {
    const issues = issuesOf(seedText, registryTypes())
    const paths = issues.map((issue) => issue.path)
    for (const path of [
      '/skills/6/latencyClass',
      '/skills/10/policy',
      '/skills/11/transport/type',
      '/pipelines/2/steps/3/else',
    ]) {
      assert.ok(paths.includes(path), `${path} still reported`)
    }
    assert.equal(
      paths.includes('/skills/0/provides/0'),
      false,
      'llm.complete.stream is an alias of a catalog type',
    )
  })

  test('YAML 1.2 reads its bare on: keys as "on"; a %YAML 1.1 directive is refused', () => {
    // Under 1.2 no transition is reported at all.
    assert.equal(
      issuesOf(seedText).some((issue) => issue.path.startsWith('/kernel/stateMachine')),
      false,
    )
    const issues = issuesOf(`%YAML 1.1\n---\n${seedText}`)
    assert.equal(issues.length, 1)
    assert.match(issues[0]!.problem, /%YAML 1\.1 directive/)
    assert.equal(issues[0]!.fix, 'remove the %YAML directive')
  })

  test('the same manifest converted by a YAML 1.1 reader gets one clear issue per boolean on key', () => {
    // What PyYAML or any YAML 1.1 tool hands on: every `on:` key became true.
    const viaYaml11 = JSON.stringify(parseYaml(seedText, { version: '1.1' }))
    const transitionIssues = issuesOf(viaYaml11).filter((issue) =>
      issue.path.startsWith('/kernel/stateMachine'),
    )
    assert.equal(transitionIssues.length, 7)
    for (const issue of transitionIssues) {
      assert.match(issue.path, /^\/kernel\/stateMachine\/transitions\/\d\/true$/)
      assert.match(issue.problem, /YAML 1\.1 parser read the bare on: as the boolean true/)
      assert.match(issue.fix, /"on"/)
    }
  })
})

describe('shipped manifests', () => {
  const files = [
    'manifests/default.yaml',
    'manifests/examples/minimal.yaml',
    'manifests/examples/full.yaml',
    'manifests/examples/openai-compatible.yaml',
    'manifests/examples/llamacpp-stdio-skill.yaml',
  ]
  for (const file of files) {
    test(`${file} validates with the catalog's types`, async () => {
      const manifest = await loadManifest(resolve(repoRoot, file), { knownTypes: registryTypes() })
      assert.ok(manifest.skills.length > 0)
      assert.ok(manifest.pipelines.length > 0)
    })
  }

  // The seed's whole manifest, corrected, lives in examples/full.yaml; default.yaml enables only
  // what this hub runs.
  test('full.yaml names seed 000 catalog types only, but for the answer record chat.message', () => {
    const text = readFileSync(resolve(repoRoot, 'manifests/examples/full.yaml'), 'utf8')
    const check = checkManifestText(text, { knownTypes: seedCatalogTypes() })
    // chat.message (seed 004): the built-in LLM skill records each answer with it.
    const others = check.ok ? [] : check.issues.filter((issue) => issue.got !== 'string "chat.message"')
    assert.deepEqual(others, [])
    assert.equal(parseManifest(text).skills.length, 14)
  })

  test('full.yaml keeps the seed: same pipelines, state machine states and acceptance list', async () => {
    const manifest = await loadManifest(resolve(repoRoot, 'manifests/examples/full.yaml'))
    assert.deepEqual(
      manifest.pipelines.map((pipeline) => pipeline.id),
      ['pipeline.chat.text', 'pipeline.voice.turn', 'pipeline.proactive.nudge'],
    )
    assert.ok(manifest.skills.every((skill) => typeof skill.latencyClass === 'string'))
    const transitions = manifest.kernel?.stateMachine?.transitions ?? []
    assert.ok(transitions.every((transition) => typeof transition.on === 'string'))
    assert.equal(manifest.acceptance?.mvp?.length, 4)
  })

  test('DEFAULT_STATE_MACHINE (for manifests without kernel:) is the one default.yaml spells out', async () => {
    const manifest = await loadManifest(resolve(repoRoot, 'manifests/default.yaml'))
    assert.deepEqual(manifest.kernel?.stateMachine, DEFAULT_STATE_MACHINE)
  })

  test('default.yaml quotes "on" so that YAML 1.1 readers get the same transitions', () => {
    const text = readFileSync(resolve(repoRoot, 'manifests/default.yaml'), 'utf8')
    const as11 = parseYaml(text, { version: '1.1' }) as HubManifest
    const transitions = as11.kernel?.stateMachine?.transitions ?? []
    assert.ok(transitions.length > 0)
    assert.ok(transitions.every((transition) => typeof transition.on === 'string'))
  })
})

describe('known types', () => {
  test('types, aliases and their name@major forms', () => {
    const names = knownTypesFromEntries([
      { type: 'llm.token', version: 1, aliases: ['llm.complete.stream'] },
      { type: 'chat.query', version: 2 },
      { type: 42, version: 1 },
      { version: 1 },
    ])
    assert.deepEqual([...names].sort(), [
      'chat.query',
      'chat.query@2',
      'llm.complete.stream',
      'llm.complete.stream@1',
      'llm.token',
      'llm.token@1',
    ])
  })

  test('a registry index that is not one is E_VALIDATION', () => {
    assert.throws(() => knownTypesFromRegistryYaml('entries: 5'), /has no entries list/)
    assert.throws(() => knownTypesFromRegistryYaml('entries: [a'), /not valid YAML/)
  })
})

describe('loadManifest', () => {
  const minimalPath = resolve(repoRoot, 'manifests/examples/minimal.yaml')

  test('accepts a path, a file URL and text, and returns a deeply frozen manifest', async () => {
    const fromPath = await loadManifest(minimalPath)
    const fromUrl = await loadManifest(pathToFileURL(minimalPath))
    const fromText = await loadManifest({ text: readFileSync(minimalPath, 'utf8'), name: 'minimal' })
    assert.deepEqual(fromPath, fromUrl)
    assert.deepEqual(fromPath, fromText)
    assert.ok(Object.isFrozen(fromPath))
    assert.ok(Object.isFrozen(fromPath.skills[0]))
    assert.ok(Object.isFrozen(fromPath.pipelines[0]!.steps[0]))
    assert.throws(() => {
      ;(fromPath.skills as unknown as unknown[]).push({})
    }, TypeError)
  })

  test('throws HubError E_VALIDATION whose details.issues carry path, line, column, problem and fix', async () => {
    const text = readFileSync(minimalPath, 'utf8').replace(
      'latencyClass: realtime_text',
      'latencyClass: realtime_txt',
    )
    await assert.rejects(loadManifest({ text, name: 'typo.yaml' }), (error: unknown) => {
      assert.ok(error instanceof HubError)
      assert.equal(error.code, 'E_VALIDATION')
      assert.match(error.message, /^manifest typo\.yaml: \d+:\d+ /)
      const issues = error.details?.issues as ManifestIssue[]
      assert.equal(issues.length, 1)
      const [issue] = issues
      assert.equal(issue!.path, '/skills/0/latencyClass')
      assert.equal(text.split('\n')[issue!.line - 1]!.slice(issue!.column - 1), 'realtime_txt')
      assert.match(issue!.fix, /did you mean realtime_text\?/)
      assert.equal(issue!.message, `${issue!.problem} — ${issue!.fix}`)
      assert.equal(typeof issue!.expected, 'string')
      assert.equal(issue!.got, 'string "realtime_txt"')
      return true
    })
  })

  test('a missing file is E_IO naming the path', async () => {
    const missing = resolve(repoRoot, 'manifests/does-not-exist.yaml')
    await assert.rejects(loadManifest(missing), (error: unknown) => {
      assert.ok(error instanceof HubError)
      assert.equal(error.code, 'E_IO')
      assert.match(error.message, /does-not-exist\.yaml: ENOENT/)
      return true
    })
  })

  test('rejects nonsensical options', () => {
    assert.throws(() => checkManifestText('a: 1', { maxBytes: 0 }), /maxBytes must be a positive integer/)
    assert.throws(() => checkManifestText('a: 1', { maxIssues: 1.5 }), /maxIssues/)
  })
})
