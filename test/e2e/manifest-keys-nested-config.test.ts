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

  test('skill.proactive.triage config.rateLimits.maxToastPerHour is refused: did you mean maxToastsPerHour?', async (t) => {
    await refusedKey(
      t,
      (m) => {
        const limits = skill(m, 'skill.proactive.triage').config.rateLimits
        limits.maxToastPerHour = limits.maxToastsPerHour
        delete limits.maxToastsPerHour
      },
      skillPath('skill.proactive.triage', '/config/rateLimits/maxToastPerHour'),
      /module proactive has no setting rateLimits\.maxToastPerHour/,
      /did you mean maxToastsPerHour\?/,
    )
  })

  test('skill.proactive.triage policies.ladder[0].chanel is refused: did you mean channel?', async (t) => {
    await refusedKey(
      t,
      (m) => {
        const rung = skill(m, 'skill.proactive.triage').policies.ladder[0]
        rung.chanel = rung.channel
        delete rung.channel
      },
      skillPath('skill.proactive.triage', '/policies/ladder/0/chanel'),
      /module proactive has no policy ladder\[0\]\.chanel/,
      /did you mean channel\?/,
    )
  })

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

  test('skill.memory.episodic policies.writeOnn is refused: did you mean writeOn?', async (t) => {
    await refusedKey(
      t,
      (m) => {
        const policies = skill(m, 'skill.memory.episodic').policies
        policies.writeOnn = policies.writeOn
        delete policies.writeOn
      },
      skillPath('skill.memory.episodic', '/policies/writeOnn'),
      /module memory has no policy writeOnn/,
      /did you mean writeOn\?/,
    )
  })

  test('skill.voice.wake config.phrases[0].treshold is refused: did you mean threshold?', async (t) => {
    await refusedKey(
      t,
      (m) => {
        const phrase = skill(m, 'skill.voice.wake').config.phrases[0]
        phrase.treshold = phrase.threshold
        delete phrase.threshold
      },
      skillPath('skill.voice.wake', '/config/phrases/0/treshold'),
      /module wake has no setting phrases\[0\]\.treshold/,
      /did you mean threshold\?/,
    )
  })

  test('skill.watcher.system config.thresholds.dsk is refused: did you mean disk?', async (t) => {
    await refusedKey(
      t,
      (m) => {
        const thresholds = skill(m, 'skill.watcher.system').config.thresholds
        thresholds.dsk = thresholds.disk
        delete thresholds.disk
      },
      skillPath('skill.watcher.system', '/config/thresholds/dsk'),
      /module watchers has no setting thresholds\.dsk/,
      /did you mean disk\?/,
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
