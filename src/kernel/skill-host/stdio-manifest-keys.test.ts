import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import type { HubManifest, Skill } from '../../manifest/index.ts'
import { moduleProblems } from './module-checks.ts'
import { resolveSkillModule } from './resolve-skill-module.ts'

function stdioSkill(
  extra: Omit<Partial<Skill>, 'transport'> & { transport?: Record<string, unknown> } = {},
): Skill {
  return {
    id: 'skill.stdio',
    version: '0.1',
    role: 'probe',
    provides: [],
    consumes: [],
    latencyClass: 'background',
    ...extra,
    transport: { type: 'stdio', command: 'node', ...(extra.transport ?? {}) },
  } as Skill
}

async function problemsOf(skill: Skill) {
  const manifest = {
    manifestVersion: '0.2',
    system: {},
    skills: [skill],
    pipelines: [],
  } as unknown as HubManifest
  const resolved = [
    await resolveSkillModule(skill, { builtinDirectory: '/nowhere', manifestDirectory: '/tmp' }),
  ]
  return moduleProblems(manifest, resolved)
}

describe('manifest keys of a stdio skill act or are refused', () => {
  test('a stdio skill with a command is hosted (no longer "not hosted yet"); without one it is unavailable', async () => {
    const hosted = await resolveSkillModule(stdioSkill(), {
      builtinDirectory: '/nowhere',
      manifestDirectory: '/tmp',
    })
    assert.equal(hosted.kind, 'module')
    const missing = await resolveSkillModule({ ...stdioSkill(), transport: { type: 'stdio' } } as Skill, {
      builtinDirectory: '/nowhere',
      manifestDirectory: '/tmp',
    })
    assert.equal(missing.kind === 'unavailable' && missing.reason, 'a stdio skill needs transport.command')
  })

  test('config takes only arguments; transport keys of other transports are refused with a path', async () => {
    assert.deepEqual(await problemsOf(stdioSkill({ config: { arguments: { delay_ms: 1 } } })), [])
    const [config] = await problemsOf(stdioSkill({ config: { argumnets: {} } }))
    assert.equal(config?.path, '/skills/0/config/argumnets')
    const keys = await problemsOf(stdioSkill({ transport: { module: 'x', subject: 'a.b' } }))
    assert.deepEqual(
      keys.map((problem) => problem.path),
      ['/skills/0/transport/module', '/skills/0/transport/subject'],
    )
    assert.match(keys[0]!.problem, /does not apply to a stdio skill/)
  })
})
