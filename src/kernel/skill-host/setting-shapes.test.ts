import assert from 'node:assert/strict'
import { readdirSync } from 'node:fs'
import { describe, test } from 'node:test'
import { fileURLToPath } from 'node:url'
import type { HubManifest, Skill } from '../../manifest/index.ts'
import { defineSkill, type SkillModule } from '../../skill-api/index.ts'
import { moduleProblems } from './module-checks.ts'

const probe = defineSkill({
  name: 'probe',
  configKeys: ['limits', 'rules', 'mode', 'a/b'],
  configShape: {
    limits: { maxPerHour: true, maxPerDay: true },
    rules: [{ id: true, match: true, extra: { colour: true } }],
    'a/b': { c: true },
  },
  policyShape: { ladder: [{ level: true, channel: true, when: true }], writeOn: true },
  open: () => ({}),
})

function problemsOf(
  skill: Partial<Skill>,
  module: SkillModule = probe,
): { path: string; problem: string; fix: string; atKey?: boolean; got: string }[] {
  const entry = {
    id: 'skill.probe',
    version: '0.1',
    role: 'probe',
    provides: [],
    consumes: [],
    latencyClass: 'background',
    transport: { type: 'inproc', module: module.name },
    ...skill,
  } as Skill
  const manifest = {
    manifestVersion: '0.2',
    system: {},
    skills: [entry],
    pipelines: [],
  } as unknown as HubManifest
  return moduleProblems(manifest, [{ kind: 'module', skill: entry, module, source: 'test' }])
}

describe('nested config and policies keys act or are refused', () => {
  test('a map setting refuses a key its shape does not name, with its pointer and a did-you-mean', () => {
    const [problem, ...rest] = problemsOf({ config: { limits: { maxPerHour: 2, maxPerHuor: 3 } } })
    assert.deepEqual(rest, [])
    assert.equal(problem?.path, '/skills/0/config/limits/maxPerHuor')
    assert.equal(problem?.atKey, true)
    assert.equal(problem?.problem, 'module probe has no setting limits.maxPerHuor, so it would be ignored')
    assert.equal(problem?.fix, 'did you mean maxPerHour? (the keys here: maxPerHour, maxPerDay)')
    assert.equal(problem?.got, 'maxPerHuor')
  })

  test('each item of a list of maps is walked, at any depth the shape describes', () => {
    const problems = problemsOf({
      config: {
        rules: [
          { id: 'a', match: 'x.>' },
          { id: 'b', mtach: 'y' },
          'a short form is the module’s to judge',
          { id: 'c', extra: { color: 'red' } },
        ],
      },
    })
    assert.deepEqual(
      problems.map((problem) => [problem.path, problem.problem, problem.fix]),
      [
        [
          '/skills/0/config/rules/1/mtach',
          'module probe has no setting rules[1].mtach, so it would be ignored',
          'did you mean match? (the keys here: id, match, extra)',
        ],
        [
          '/skills/0/config/rules/3/extra/color',
          'module probe has no setting rules[3].extra.color, so it would be ignored',
          'did you mean colour? (the keys here: colour)',
        ],
      ],
    )
  })

  test('an unknown key with no near name lists the keys; pointer tokens are escaped', () => {
    const [far, escaped] = problemsOf({ config: { limits: { zzzzzz: 1 }, 'a/b': { 'd~e': 1 } } })
    assert.equal(far?.fix, 'use one of: maxPerHour, maxPerDay')
    assert.equal(escaped?.path, '/skills/0/config/a~1b/d~0e')
  })

  test('a setting the shape reads as a map or a list must be one; null is absent', () => {
    const problems = problemsOf({ config: { limits: 5, rules: { id: 'a' }, mode: { any: 'thing' } } })
    assert.deepEqual(
      problems.map((problem) => [problem.path, problem.problem, problem.fix]),
      [
        [
          '/skills/0/config/limits',
          'module probe reads limits as a map of maxPerHour, maxPerDay, not 5',
          'write limits as a map (maxPerHour, maxPerDay)',
        ],
        [
          '/skills/0/config/rules',
          'module probe reads rules as a list of maps of id, match, extra, not a map',
          'write rules as a list, each item a map (id, match, extra)',
        ],
      ],
    )
    assert.deepEqual(problemsOf({ config: { limits: null, rules: null } }), [])
  })

  test('policies: a key the module does not read, and an unknown key of a list item', () => {
    const problems = problemsOf({
      policies: { writeOnn: ['turn.end'], ladder: [{ level: 1, chanel: 'toast', when: 'low' }] },
    })
    assert.deepEqual(
      problems.map((problem) => [problem.path, problem.problem, problem.fix]),
      [
        [
          '/skills/0/policies/writeOnn',
          'module probe has no policy writeOnn, so it would be ignored',
          'did you mean writeOn? (the keys here: ladder, writeOn)',
        ],
        [
          '/skills/0/policies/ladder/0/chanel',
          'module probe has no policy ladder[0].chanel, so it would be ignored',
          'did you mean channel? (the keys here: level, channel, when)',
        ],
      ],
    )
    const none = defineSkill({ name: 'none', policyShape: {}, open: () => ({}) })
    const [refused] = problemsOf({ policies: { anything: 1 } }, none)
    assert.equal(refused?.path, '/skills/0/policies/anything')
    assert.equal(refused?.fix, 'remove it: this module reads no policies')
  })

  test('a module without shapes keeps its config and policies unchecked below configKeys', () => {
    const loose = defineSkill({ name: 'loose', configKeys: ['limits'], open: () => ({}) })
    assert.deepEqual(problemsOf({ config: { limits: { whatever: 1 } }, policies: { any: 1 } }, loose), [])
    const [top] = problemsOf({ config: { limtis: {} } }, loose)
    assert.equal(top?.path, '/skills/0/config/limtis')
    assert.equal(top?.problem, 'module loose has no setting limtis, so it would be ignored')
    assert.equal(top?.fix, 'did you mean limits? (the keys here: limits)')
    const [empty] = problemsOf(
      { config: { x: 1 } },
      defineSkill({ name: 'e', configKeys: [], open: () => ({}) }),
    )
    assert.equal(empty?.fix, 'remove it: this module takes no config')
  })

  test('every built-in module shapes only config keys it declares', async () => {
    const directory = fileURLToPath(new URL('../../skills/', import.meta.url))
    let shaped = 0
    for (const name of readdirSync(directory)) {
      let loaded: { skillModule?: SkillModule }
      try {
        loaded = (await import(`${directory}${name}/index.ts`)) as { skillModule?: SkillModule }
      } catch {
        continue
      }
      const module = loaded.skillModule
      if (module?.configShape === undefined || module.configKeys === undefined) continue
      shaped++
      for (const key of Object.keys(module.configShape))
        assert.ok(
          module.configKeys.includes(key),
          `${module.name}: configShape names ${key}, not in configKeys`,
        )
    }
    assert.ok(shaped >= 5, `${shaped} built-in modules declare a configShape`)
  })
})
