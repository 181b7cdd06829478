// Every manifest key acts or is refused (docs/decisions/1400..1406): the default manifest with one
// nested config or policies key misspelt is refused by `localhub manifest validate` (and by
// `serve`, which loads it the same way) with the key's line, its JSON pointer and a did-you-mean.
// This part: the keys inside a built-in skill's config maps and lists, and inside its policies.
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { checkHubManifest } from '../../src/kernel/index.ts'
import {
  type Json,
  lengthOf,
  setUp,
  skill,
  skillPath,
  type TestContext,
  writeManifest,
} from './manifest-keys-kit.ts'

/** The issues checkHubManifest (what `manifest validate` runs) reports for the edited default manifest. */
async function issuesOf(t: TestContext, edit: (manifest: Json) => void): Promise<Json[]> {
  const path = writeManifest(setUp(t), edit)
  try {
    await checkHubManifest(path)
  } catch (error) {
    assert.equal((error as Json).code, 'E_VALIDATION', String(error))
    return (error as Json).details.issues
  }
  return []
}

/** Exactly one issue, at `path`, on its line, saying the key would be ignored and what was meant. */
async function refusedKey(
  t: TestContext,
  edit: (manifest: Json) => void,
  path: string,
  problem: RegExp,
  fix: RegExp,
): Promise<void> {
  const issues = await issuesOf(t, edit)
  assert.deepEqual(
    issues.map((issue) => issue.path),
    [path],
    JSON.stringify(issues),
  )
  const [issue] = issues
  assert.match(issue.problem, problem)
  assert.match(issue.problem, /so it would be ignored/)
  assert.match(issue.fix, fix)
  assert.ok(issue.line > 0, 'the issue has a line')
}

describe('nested config and policies keys of built-in skills', { timeout: 60_000 }, () => {
  test('the default manifest passes the nested checks as it is', async (t) => {
    assert.deepEqual(await issuesOf(t, () => {}), [])
  })

  /** One key renamed to its misspelling, in the default manifest: the sweep's five cases. */
  const MISSPELT: {
    skillId: string
    module: string
    kind: 'setting' | 'policy'
    /** Where the map holding the key is, as a JSON pointer under the skill and as a label. */
    pointer: string
    label: string
    locate: (entry: Json) => Json
    right: string
    wrong: string
  }[] = [
    {
      skillId: 'skill.proactive.triage',
      module: 'proactive',
      kind: 'setting',
      pointer: '/config/rateLimits',
      label: 'rateLimits.',
      locate: (entry) => entry.config.rateLimits,
      right: 'maxToastsPerHour',
      wrong: 'maxToastPerHour',
    },
    {
      skillId: 'skill.proactive.triage',
      module: 'proactive',
      kind: 'policy',
      pointer: '/policies/ladder/0',
      label: 'ladder[0].',
      locate: (entry) => entry.policies.ladder[0],
      right: 'channel',
      wrong: 'chanel',
    },
    {
      skillId: 'skill.memory.episodic',
      module: 'memory',
      kind: 'policy',
      pointer: '/policies',
      label: '',
      locate: (entry) => entry.policies,
      right: 'writeOn',
      wrong: 'writeOnn',
    },
    {
      skillId: 'skill.voice.wake',
      module: 'wake',
      kind: 'setting',
      pointer: '/config/phrases/0',
      label: 'phrases[0].',
      locate: (entry) => entry.config.phrases[0],
      right: 'threshold',
      wrong: 'treshold',
    },
    {
      skillId: 'skill.watcher.system',
      module: 'watchers',
      kind: 'setting',
      pointer: '/config/thresholds',
      label: 'thresholds.',
      locate: (entry) => entry.config.thresholds,
      right: 'disk',
      wrong: 'dsk',
    },
  ]
  const literally = (text: string) => new RegExp(text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))

  for (const key of MISSPELT) {
    test(`${key.skillId} ${key.pointer.slice(1).replaceAll('/', '.')}.${key.wrong} is refused: did you mean ${key.right}?`, async (t) => {
      await refusedKey(
        t,
        (m) => {
          const holder = key.locate(skill(m, key.skillId))
          holder[key.wrong] = holder[key.right]
          delete holder[key.right]
        },
        skillPath(key.skillId, `${key.pointer}/${key.wrong}`),
        literally(`module ${key.module} has no ${key.kind} ${key.label}${key.wrong}`),
        literally(`did you mean ${key.right}?`),
      )
    })
  }

  test('skill.proactive.triage config.rules[0] and config.voice keys are refused', async (t) => {
    await refusedKey(
      t,
      (m) => {
        skill(m, 'skill.proactive.triage').config.rules = [
          { id: 'r', match: 'event.>', severity: 'low', title: 't', actionable: false, coalesce: 'x' },
        ]
      },
      skillPath('skill.proactive.triage', '/config/rules/0/coalesce'),
      /module proactive has no setting rules\[0\]\.coalesce/,
      /did you mean coalesceBy\?/,
    )
    await refusedKey(
      t,
      (m) => {
        skill(m, 'skill.proactive.triage').config.voice = { engine: 'flite', voice: 'slt' }
      },
      skillPath('skill.proactive.triage', '/config/voice/voice'),
      /module proactive has no setting voice\.voice/,
      /voicePreset/,
    )
  })

  test('a build log entry, a scheduler timer and a channel webhook refuse keys they do not read', async (t) => {
    const buildWatcher = {
      id: 'skill.watcher.build',
      version: '0.1',
      role: 'build-watcher',
      transport: { type: 'inproc', module: 'watchers' },
      provides: ['event.git.build_failed'],
      consumes: [],
      latencyClass: 'background',
      config: { buildLogs: ['logs/*.log', { path: 'ci.log', projet: 'hub' }] },
    }
    await refusedKey(
      t,
      (m) => {
        m.skills.push(buildWatcher)
      },
      `/skills/${lengthOf((m) => m.skills)}/config/buildLogs/1/projet`,
      /module watchers has no setting buildLogs\[1\]\.projet/,
      /did you mean project\?/,
    )
    await refusedKey(
      t,
      (m) => {
        skill(m, 'skill.scheduler').config.timers = [
          { id: 'daily', kind: 'cron', spec: '0 9 * * *', timezon: 'Europe/Paris' },
        ]
      },
      skillPath('skill.scheduler', '/config/timers/0/timezon'),
      /module scheduler has no setting timers\[0\]\.timezon/,
      /did you mean timezone\?/,
    )
    await refusedKey(
      t,
      (m) => {
        skill(m, 'skill.channels.reply').config = {
          outbox: true,
          webhooks: [{ url: 'https://example.invalid/hook', secretenv: 'HOOK_SECRET' }],
        }
      },
      skillPath('skill.channels.reply', '/config/webhooks/0/secretenv'),
      /module channels has no setting webhooks\[0\]\.secretenv/,
      /did you mean secretEnv\?/,
    )
  })

  test('a map setting written as something else is refused where it is', async (t) => {
    const issues = await issuesOf(t, (m) => {
      skill(m, 'skill.proactive.triage').config.rateLimits = 6
    })
    assert.deepEqual(
      issues.map((issue) => [issue.path, issue.problem]),
      [
        [
          skillPath('skill.proactive.triage', '/config/rateLimits'),
          'module proactive reads rateLimits as a map of maxVoiceNudgesPerHour, maxToastsPerHour, not 6',
        ],
      ],
    )
  })
})
