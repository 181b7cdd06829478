// `localhub scenario validate|run`: precise errors for a file, and a real hub on loopback resolving
// a scenario it loaded by name, or one sent inline from a file.
import assert from 'node:assert/strict'
import { writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { describe, test } from 'node:test'
import { runCommand } from '../../../test/kit/cli-io.ts'
import { callHub, openManifestHub, schedulerManifest } from '../../../test/kit/manifest-hub.ts'
import { makeTempDir } from '../../../test/kit/temp-dir.ts'
import { run as scenario } from './scenario.ts'

const EXAMPLES = resolve(import.meta.dirname, '../../../examples/scenarios')

const localhubScenario = (args: string[], cwd: string) => runCommand(scenario, args, { cwd })

describe('localhub scenario', () => {
  test('validate: ok for each playbook; one line per defect with file:line:col, exit 1', async (t) => {
    const temp = makeTempDir()
    t.after(() => temp.remove())
    for (const name of ['all-on-hub', 'all-on-member', 'hub-input-member-exec-browser-display']) {
      const result = await localhubScenario(['validate', `${name}.yaml`], EXAMPLES)
      assert.equal(result.code, 0, result.stderr)
      assert.match(result.stdout, new RegExp(`^ok: ${name}\\.yaml \\(scenario ${name}, \\d steps\\)\\n$`))
    }
    writeFileSync(
      join(temp.path, 'bad.yaml'),
      'scenario: bad\nversion: 1\nsteps:\n  - id: a\n    need: capability://a\n    dependsOn: [b]\nrouting:\n  prefer: member:self\n',
    )
    const bad = await localhubScenario(['validate', 'bad.yaml'], temp.path)
    assert.equal(bad.code, 1)
    assert.equal(bad.stdout, '')
    const lines = bad.stderr.trimEnd().split('\n')
    assert.equal(lines.length, 2)
    assert.match(
      lines[0] ?? '',
      /^bad\.yaml:6:17 \/steps\/0\/dependsOn\/0: step a depends on unknown step b — use one of a$/,
    )
    assert.match(lines[1] ?? '', /^bad\.yaml:8:11 \/routing\/prefer: hint member:self is not understood/)
    const json = await localhubScenario(['validate', 'bad.yaml', '--json'], temp.path)
    assert.equal(JSON.parse(json.stdout).error.details.issues[0].path, '/steps/0/dependsOn/0')
    const missing = await localhubScenario(['validate', 'nope.yaml'], temp.path)
    assert.equal(missing.code, 1)
    assert.match(missing.stderr, /cannot read nope\.yaml: ENOENT/)
    assert.equal((await localhubScenario(['validate'], temp.path)).code, 2)
  })

  test('run: the running hub resolves a scenario by name or from a file; refusals exit 1', async (t) => {
    const { hub, temp, dataDir } = await openManifestHub(
      t,
      schedulerManifest(
        { id: 'scenario-cli', name: 'scenario' },
        `federation:\n  scenarios: [${JSON.stringify(join(EXAMPLES, 'all-on-hub.yaml'))}]\n`,
      ),
    )
    const missingAgents = await localhubScenario(['run', 'all-on-hub', '--data', dataDir], temp.path)
    assert.equal(missingAgents.code, 1)
    assert.match(missingAgents.stderr, /E_DEPENDENCY_UNAVAILABLE: no available agent can run step interpret/)
    const announced = await callHub(hub, 'POST', '/registry/announce', {
      agent: 'agent://hub/main',
      kind: 'hub',
      capabilities: [
        { id: 'capability://nlu.interpret' },
        { id: 'capability://tts', outputs: ['wav'] },
        { id: 'capability://ui.render.audio', inputs: ['wav'] },
        { id: 'capability://media.search' },
        { id: 'capability://media.playback', outputs: ['hls'] },
        { id: 'capability://ui.render.video', inputs: ['hls'] },
      ],
      availability: { status: 'up', ttlMs: 60_000 },
    })
    assert.equal(announced.status, 200)
    const byName = await localhubScenario(
      ['run', 'all-on-hub', '--data', dataDir, '--plan-id', 'cli-1'],
      temp.path,
    )
    assert.equal(byName.code, 0, byName.stderr)
    assert.equal(
      byName.stdout,
      'plan cli-1\n  interpret → agent://hub/main (capability://nlu.interpret)\n  execute → agent://hub/main (capability://tts)\n  render → agent://hub/main (capability://ui.render.audio)\n',
    )
    const fromFile = await localhubScenario(
      ['run', join(EXAMPLES, 'all-on-member.yaml'), '--data', dataDir, '--json'],
      temp.path,
    )
    assert.equal(fromFile.code, 0, fromFile.stderr)
    assert.deepEqual(
      JSON.parse(fromFile.stdout).data.bindings.map((binding: { stepId: string }) => binding.stepId),
      ['find', 'stream', 'display'],
    )
    const unknown = await localhubScenario(['run', 'all-on-member', '--data', dataDir], temp.path)
    assert.equal(unknown.code, 1)
    assert.match(unknown.stderr, /E_VALIDATION: .*this hub has no scenario all-on-member/)
    assert.match(unknown.stderr, /\n {2}\/scenario: /)
  })
})
