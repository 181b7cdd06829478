import assert from 'node:assert/strict'
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, test } from 'node:test'
import fc from 'fast-check'
import { checkScenarioText, checkScenarioValue, loadScenarioFile } from './scenario-load.ts'

const EXAMPLES = join(import.meta.dirname, '../../examples/scenarios')

const BASE = `scenario: demo
version: 1
steps:
  - id: find
    need: capability://media.search
  - id: show
    need: capability://ui.render.video
    dependsOn: [find]
`

function issuesOf(text: string) {
  const check = checkScenarioText(text)
  assert.equal(check.ok, false, 'expected the scenario to be refused')
  return check.ok ? [] : check.issues
}

describe('scenario files', () => {
  test('the three playbooks in examples/scenarios validate', async () => {
    const names = readdirSync(EXAMPLES).filter((name) => name.endsWith('.yaml'))
    assert.deepEqual(names.sort(), [
      'all-on-hub.yaml',
      'all-on-member.yaml',
      'hub-input-member-exec-browser-display.yaml',
    ])
    for (const name of names) {
      const scenario = await loadScenarioFile(join(EXAMPLES, name))
      assert.equal(`${scenario.scenario}.yaml`, name)
      assert.ok(Object.isFrozen(scenario.steps))
    }
  })

  test('schema defects: pointer, line, column, expected, got and a fix', () => {
    const issues = issuesOf(
      `${BASE.replace('version: 1', 'version: 2').replace('capability://media.search', 'media.search')}routing:\n  prefr: hub\n  forbid: { kinds: [toaster] }\n`,
    )
    const byPath = new Map(issues.map((issue) => [issue.path, issue]))
    const version = byPath.get('/version')
    assert.equal(version?.line, 2)
    assert.equal(version?.expected, '1')
    const need = byPath.get('/steps/0/need')
    assert.match(need?.problem ?? '', /step "find": need is string "media.search", not a capability URI/)
    assert.match(need?.fix ?? '', /capability:\/\//)
    assert.equal(need?.line, 5)
    const typo = byPath.get('/routing/prefr')
    assert.match(typo?.fix ?? '', /did you mean prefer\?/)
    assert.equal(typo?.column, 3)
    const kind = byPath.get('/routing/forbid/kinds/0')
    assert.equal(kind?.expected, 'one of hub|member|browser')
    assert.equal(kind?.got, 'string "toaster"')
  })

  test('wrong types are reported once each, as types', () => {
    const issues = issuesOf(
      'scenario: demo\nversion: 1\nsteps: {id: x}\nrouting: { prefer: 42, fallback: null }\noverrides: yes\n',
    )
    assert.deepEqual(
      issues.map((issue) => issue.path),
      ['/steps', '/routing/prefer', '/routing/fallback', '/overrides'],
    )
    assert.match(issues[0]?.problem ?? '', /steps must be a list, not a mapping/)
    assert.match(issues[1]?.problem ?? '', /a hint \(text\) or a mapping/)
  })

  test('semantic checks: unknown dependency, cycle, duplicate id, bad hints, unknown routing keys, overrides', () => {
    const unknown = issuesOf(BASE.replace('dependsOn: [find]', 'dependsOn: [fnd]'))
    assert.equal(unknown[0]?.path, '/steps/1/dependsOn/0')
    assert.match(unknown[0]?.fix ?? '', /did you mean find\?/)
    const cycle = issuesOf(
      `${BASE.replace('    need: capability://media.search', '    need: capability://media.search\n    dependsOn: [show]')}`,
    )
    assert.match(cycle[0]?.problem ?? '', /cycle: (find → show → find|show → find → show)/)
    const twice = issuesOf(BASE.replace('id: show', 'id: find').replace('dependsOn: [find]', ''))
    assert.match(twice[0]?.problem ?? '', /step id find is used twice/)
    const hints = issuesOf(
      `${BASE}routing:\n  prefer: { find: member:self, shw: hub }\n  forbid:\n    steps: { media.serch: { kinds: [hub] } }\noverrides:\n  - { step: show }\n  - { mode: pin }\n`,
    )
    const messages = hints.map((issue) => `${issue.path} ${issue.problem} — ${issue.fix}`)
    assert.ok(
      messages.some((text) => /^\/routing\/prefer\/find hint member:self .*caller identity/.test(text)),
      messages.join('\n'),
    )
    assert.ok(
      messages.some((text) => /^\/routing\/prefer\/shw shw names no step .*did you mean show\?/.test(text)),
    )
    assert.ok(
      messages.some((text) =>
        /^\/routing\/forbid\/steps\/media.serch .*did you mean media.search\?/.test(text),
      ),
    )
    assert.ok(messages.some((text) => /^\/overrides\/0\/agent override 1 is missing agent/.test(text)))
    assert.ok(messages.some((text) => /^\/overrides\/1 override 2 names nothing to pin/.test(text)))
  })

  test('a forbid that leaves no agent is valid here (it is reported when resolving)', () => {
    const check = checkScenarioText(`${BASE}routing:\n  forbid: { kinds: [hub, member, browser] }\n`)
    assert.equal(check.ok, true)
  })

  test('an inline scenario value is checked by the same rules, with pointers', () => {
    const check = checkScenarioValue({
      scenario: 'x',
      version: 1,
      steps: [{ id: 'a', need: 'capability://a', dependsOn: ['b'] }],
    })
    assert.equal(check.ok, false)
    if (!check.ok) assert.equal(check.issues[0]?.path, '/steps/0/dependsOn/0')
    assert.equal(checkScenarioValue(['not', 'a', 'mapping']).ok, false)
    assert.equal(checkScenarioValue({ scenario: 'x', version: 1 }).ok, true)
  })
})

describe('hostile scenario files: clear errors in bounded time', () => {
  const timed = (text: string) => {
    const started = performance.now()
    const issues = issuesOf(text)
    const elapsed = performance.now() - started
    // Generous: the machine running the suite may be loaded; a quadratic path would take minutes.
    assert.ok(elapsed < 5000, `took ${elapsed} ms`)
    return issues
  }

  test('billion laughs: aliases that expand too much', () => {
    const lines = ['a: &a ["x","x","x","x","x","x","x","x","x"]']
    for (let level = 1; level < 9; level++) {
      const previous = String.fromCharCode(96 + level)
      const name = String.fromCharCode(97 + level)
      lines.push(`${name}: &${name} [${Array(9).fill(`*${previous}`).join(',')}]`)
    }
    const issues = timed(`${lines.join('\n')}\nscenario: bomb\nversion: 1\n`)
    assert.match(issues[0]?.problem ?? '', /aliases expand too much/)
  })

  test('deep nesting, flow and block', () => {
    assert.match(
      timed(`scenario: x\nversion: 1\nx-deep: ${'['.repeat(20_000)}${']'.repeat(20_000)}\n`)[0]?.problem ??
        '',
      /nesting is deeper/,
    )
    let block = 'scenario: x\nversion: 1\nx-deep:\n'
    for (let depth = 1; depth < 40; depth++) block += `${'  '.repeat(depth)}k:\n`
    assert.match(timed(`${block}${'  '.repeat(40)}end\n`)[0]?.problem ?? '', /nesting is deeper than 16/)
  })

  test('huge lists are cut at the schema limits, issues capped', () => {
    const steps = Array.from({ length: 1000 }, (_, index) => `  - { id: s${index}, need: "capability://c" }`)
    const issues = timed(`scenario: x\nversion: 1\nsteps:\n${steps.join('\n')}\n`)
    assert.equal(issues[0]?.path, '/steps')
    assert.match(issues[0]?.problem ?? '', /more than the 64 items allowed/)
    const many = Array.from({ length: 500 }, (_, index) => `  - { id: s${index}, need: 7 }`)
    const capped = timed(`scenario: x\nversion: 1\nsteps:\n${many.join('\n')}\n`)
    assert.ok(capped.length <= 51)
    assert.match(capped[capped.length - 1]?.problem ?? '', /more problems not shown/)
  })

  test('oversized text, binary bytes, tags, prototype keys, several documents', () => {
    assert.match(
      timed(`scenario: x\nversion: 1\ndescription: "${'x'.repeat(70_000)}"\n`)[0]?.problem ?? '',
      /the scenario file is \d+ bytes/,
    )
    assert.match(timed('scenario: x\u0000\n')[0]?.problem ?? '', /control character/)
    assert.match(
      timed('scenario: !!binary aGk=\nversion: 1\n')[0]?.problem ?? '',
      /scenario files use plain YAML values/,
    )
    assert.match(
      timed('scenario: x\nversion: 1\n__proto__: { polluted: true }\n')[0]?.problem ?? '',
      /key __proto__ is not allowed/,
    )
    assert.match(
      timed('scenario: x\nversion: 1\n---\nscenario: y\n')[0]?.problem ?? '',
      /more than one YAML document/,
    )
  })

  test('random bytes never throw (every example file mutated)', () => {
    const text = readFileSync(join(EXAMPLES, 'hub-input-member-exec-browser-display.yaml'), 'utf8')
    let seed = 7
    const random = () => {
      seed = (seed * 1103515245 + 12345) % 2147483648
      return seed / 2147483648
    }
    for (let round = 0; round < 300; round++) {
      const chars = [...text]
      for (let edit = 0; edit < 5; edit++) {
        const at = Math.floor(random() * chars.length)
        chars[at] = String.fromCharCode(32 + Math.floor(random() * 95))
      }
      const check = checkScenarioText(chars.join(''))
      if (!check.ok) for (const issue of check.issues) assert.equal(typeof issue.message, 'string')
    }
  })
})

describe('any value as an inline scenario', () => {
  test('never throws, always explains itself (property)', () => {
    const known = fc.constantFrom(
      'scenario',
      'version',
      'steps',
      'routing',
      'overrides',
      'defaults',
      'prefer',
      'forbid',
      'id',
      'need',
      'x-y',
    )
    const value = fc.letrec((tie) => ({
      node: fc.oneof(
        { depthSize: 'small' },
        fc.string({ maxLength: 20 }),
        fc.integer(),
        fc.constant(null),
        fc.boolean(),
        fc.array(tie('node'), { maxLength: 5 }),
        fc.dictionary(fc.oneof(known, fc.string({ maxLength: 8 })), tie('node'), { maxKeys: 6 }),
      ),
    })).node
    fc.assert(
      fc.property(value, (candidate) => {
        const check = checkScenarioValue({
          scenario: 'fuzz',
          version: 1,
          ...(typeof candidate === 'object' && candidate !== null && !Array.isArray(candidate)
            ? candidate
            : { x: candidate }),
        })
        if (!check.ok) {
          assert.ok(check.issues.length > 0)
          for (const issue of check.issues) assert.equal(typeof issue.message, 'string')
        }
      }),
      { numRuns: 300 },
    )
    const longKey = checkScenarioValue({
      scenario: 'x',
      version: 1,
      routing: { prefer: { ['k'.repeat(301)]: 'hub' } },
    })
    assert.equal(longKey.ok, false)
    if (!longKey.ok) assert.equal(longKey.issues[0]?.path, `/routing/prefer/${'k'.repeat(301)}`)
  })
})
