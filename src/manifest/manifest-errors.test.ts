import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { parse, stringify } from 'yaml'
import { checkManifestText, knownTypesFromEntries, type ManifestIssue } from './index.ts'

// One defect at a time on a valid manifest: each must give exactly one issue that says what is
// wrong and what to write.

type Json = Record<string, unknown>

function baseManifest(): Json {
  return {
    manifestVersion: '0.2',
    system: { id: 'test-hub', name: 'Test hub', mode: 'local-first' },
    kernel: {
      id: 'kernel.orchestrator',
      stateMachine: {
        initial: 'idle',
        states: ['idle', 'thinking', 'error'],
        transitions: [
          { on: 'chat.query', from: 'idle', to: 'thinking' },
          { on: 'turn.end', from: ['thinking', 'error'], to: 'idle' },
          { on: 'error.*', from: '*', to: 'error' },
        ],
      },
    },
    llm: { provider: 'ollama', model: 'llama3.2' },
    skills: [
      {
        id: 'skill.llm',
        version: '0.2',
        role: 'core-brain',
        provides: ['llm.token', 'llm.complete'],
        consumes: ['chat.prompt'],
        latencyClass: 'realtime_text',
      },
      {
        id: 'skill.tools.fs_write',
        version: '0.2',
        role: 'tools.write',
        provides: ['tool.result'],
        consumes: ['tool.request'],
        latencyClass: 'realtime_text',
        capabilityTier: 'write_local_confirm',
        actions: [{ name: 'write_file', params: ['path', 'content'], requiresConfirm: true }],
        auditLedger: true,
      },
    ],
    pipelines: [
      {
        id: 'pipeline.chat.text',
        steps: [{ emit: 'chat.query' }, { call: 'skill.llm', stream: true }, { emit: 'turn.end' }],
      },
    ],
  }
}

const knownTypes = knownTypesFromEntries(
  [
    'chat.query',
    'chat.prompt',
    'llm.token',
    'llm.complete',
    'tool.request',
    'tool.result',
    'turn.end',
    'error.raised',
    'nudge.dispatch',
  ].map((type) => ({ type, version: 1 })),
)

function check(mutate: (manifest: Json) => void): ManifestIssue[] {
  const manifest = baseManifest()
  mutate(manifest)
  const result = checkManifestText(stringify(manifest), { knownTypes })
  return result.ok ? [] : result.issues
}

function only(mutate: (manifest: Json) => void): ManifestIssue {
  const issues = check(mutate)
  assert.equal(
    issues.length,
    1,
    `expected one issue, got:\n${issues.map((issue) => issue.message).join('\n')}`,
  )
  return issues[0]!
}

// Steps with then/else are written as YAML: an object literal with a `then` key looks like a promise.
const yamlStep = (text: string) => parse(text) as Json
const skill = (manifest: Json, index = 0) => (manifest.skills as Json[])[index]!
const steps = (manifest: Json) => (manifest.pipelines as Json[])[0]!.steps as unknown[] as Json[]

describe('manifest defects, one issue each', () => {
  test('the base manifest is valid', () => {
    assert.deepEqual(
      check(() => {}),
      [],
    )
  })

  test('misspelled step option: unknown key with the intended one', () => {
    const issue = only((m) => {
      steps(m)[1] = { call: 'skill.llm', optinal: true }
    })
    assert.equal(issue.path, '/pipelines/0/steps/1/optinal')
    assert.equal(issue.problem, 'unknown key optinal in step 2 of pipeline "pipeline.chat.text"')
    assert.equal(issue.fix, 'did you mean optional?')
  })

  test('misspelled required top-level key is one defect, not also a missing key', () => {
    const issue = only((m) => {
      m.pipeline = m.pipelines
      delete m.pipelines
    })
    assert.equal(issue.path, '/pipeline')
    assert.equal(issue.fix, 'did you mean pipelines?')
  })

  test('a step doing two things', () => {
    const issue = only((m) => {
      steps(m)[0] = { emit: 'chat.query', call: 'skill.llm' }
    })
    assert.equal(issue.path, '/pipelines/0/steps/0')
    assert.match(issue.problem, /has emit and call; a step does exactly one thing/)
  })

  test('a step with a misspelled kind', () => {
    const issue = only((m) => {
      steps(m)[0] = { emti: 'chat.query' }
    })
    assert.match(issue.problem, /has none of emit, call, recv, if \(found emti\)/)
    assert.equal(issue.fix, 'did you mean emit instead of emti?')
  })

  test('a lone then, and a lone else with no if before it', () => {
    const then = only((m) => {
      steps(m)[2] = yamlStep('{ then: "emit:turn.end" }')
    })
    assert.match(then.problem, /is a lone then/)
    const loneElse = only((m) => {
      steps(m)[0] = { else: 'emit:turn.end' }
    })
    assert.match(loneElse.problem, /step 1 of pipeline "pipeline\.chat\.text" is a lone else/)
    assert.match(loneElse.fix, /put it inside an if step/)
  })

  test('a step that is not a mapping', () => {
    const issue = only((m) => {
      steps(m)[0] = 'emit chat.query' as unknown as Json
    })
    assert.match(issue.problem, /step 1 of pipeline "pipeline\.chat\.text" must be a mapping, not the string/)
    assert.match(issue.fix, /\{ emit: <type> \}/)
  })

  test('inside a nested then list, a call to a skill that does not exist', () => {
    const issue = only((m) => {
      steps(m).push(yamlStep('{ if: needs_tool, then: [{ call: skill.lm }] }'))
    })
    assert.equal(issue.path, '/pipelines/0/steps/3/then/0/call')
    assert.match(issue.problem, /step 1 of the then branch of step 4 of pipeline/)
    assert.equal(issue.fix, 'did you mean skill.llm?')
  })

  test('a branch shorthand that is neither emit: nor call:', () => {
    const issue = only((m) => {
      steps(m).push(yamlStep('{ if: needs_user_attention, then: dispatch }'))
    })
    assert.equal(issue.path, '/pipelines/0/steps/3/then')
    assert.match(issue.fix, /emit:<type>, call:<skill id>, or a list of steps/)
  })

  test('branch shorthands are checked against the catalog and the skills', () => {
    const issues = check((m) => {
      steps(m).push(
        yamlStep('{ if: needs_user_attention, then: "emit:nudge.dispatched", else: "call:skill.nope" }'),
      )
    })
    assert.deepEqual(
      issues.map((issue) => [issue.path, issue.fix]),
      [
        ['/pipelines/0/steps/3/then', 'did you mean nudge.dispatch?'],
        [
          '/pipelines/0/steps/3/else',
          'declare a skill with id skill.nope, or call one of the declared skills',
        ],
      ],
    )
  })

  test('a value of the wrong type is reported once, not also as a bad enum value', () => {
    const issue = only((m) => {
      skill(m).latencyClass = 5
    })
    assert.equal(issue.problem, 'latencyClass of skill "skill.llm" must be text, not the number 5')
  })

  test('a list written as a single value', () => {
    const issue = only((m) => {
      skill(m).provides = 'llm.token'
    })
    assert.match(issue.problem, /provides of skill "skill\.llm" must be a list/)
  })

  test('a transport missing what its type needs', () => {
    const issue = only((m) => {
      skill(m).transport = { type: 'http' }
    })
    assert.equal(issue.problem, 'transport of skill "skill.llm" is missing base (needed when type is http)')
    assert.equal(issue.fix, 'add base: <text>')
  })

  test('an llm provider missing what it needs', () => {
    const issues = check((m) => {
      m.llm = { provider: 'openai' }
    })
    assert.deepEqual(
      issues.map((issue) => issue.problem),
      [
        'llm is missing baseUrl (needed when provider is openai)',
        'llm is missing model (needed when provider is openai)',
      ],
    )
  })

  test('a secret in the llm section is refused with the environment-variable alternative', () => {
    const issue = only((m) => {
      m.llm = { provider: 'ollama', model: 'llama3.2', apiKey: 'sk-123' }
    })
    assert.equal(issue.path, '/llm/apiKey')
    assert.match(issue.fix, /apiKeyEnv/)
  })

  test('an unknown type and an unknown major version', () => {
    const unknown = only((m) => {
      skill(m).provides = ['llm.tokens']
    })
    assert.equal(unknown.problem, 'provides[0] of skill "skill.llm": llm.tokens is not a catalog type')
    assert.equal(unknown.fix, 'did you mean llm.token?')
    const version = only((m) => {
      skill(m).consumes = ['chat.prompt@2']
    })
    assert.match(version.problem, /chat\.prompt has no major version 2 in the catalog/)
    assert.equal(version.fix, 'use chat.prompt@1')
    assert.deepEqual(
      check((m) => {
        skill(m).consumes = ['chat.prompt@1', 'chat.*']
      }),
      [],
    )
  })

  test('a wildcard where a concrete type is needed', () => {
    const issue = only((m) => {
      skill(m).provides = ['llm.*']
    })
    assert.match(
      issue.problem,
      /provides\[0\] of skill "skill\.llm" is string "llm\.\*", not a catalog type such as chat\.query/,
    )
  })

  test('two skills with one id', () => {
    const issue = only((m) => {
      skill(m, 1).id = 'skill.llm'
    })
    assert.equal(issue.path, '/skills/1/id')
    assert.match(issue.problem, /id skill\.llm is used twice/)
  })

  test('a required step calling a disabled skill', () => {
    const issue = only((m) => {
      skill(m).enabled = false
    })
    assert.equal(issue.path, '/pipelines/0/steps/1/call')
    assert.match(issue.fix, /optional: true/)
  })

  test('state machine transitions to a state that does not exist', () => {
    const issue = only((m) => {
      const machine = (m.kernel as Json).stateMachine as Json
      ;(machine.transitions as Json[])[0]!.to = 'thinkng'
    })
    assert.equal(issue.path, '/kernel/stateMachine/transitions/0/to')
    assert.equal(issue.fix, 'did you mean thinking?')
  })

  test('a write tier without the audit ledger, a write tool in a read-only skill', () => {
    const ledger = only((m) => {
      delete skill(m, 1).auditLedger
    })
    assert.equal(ledger.fix, 'add auditLedger: true')
    const confirm = only((m) => {
      skill(m, 1).capabilityTier = 'read_only'
      delete skill(m, 1).auditLedger
    })
    assert.equal(confirm.path, '/skills/1/actions/0/name')
    assert.match(
      confirm.problem,
      /write_file is a write_local_confirm tool, above the skill's capabilityTier read_only/,
    )
  })

  test('an empty manifest mapping names the four required sections', () => {
    const result = checkManifestText('{}')
    assert.equal(result.ok, false)
    assert.deepEqual(result.ok ? [] : result.issues.map((issue) => issue.path), [
      '/manifestVersion',
      '/system',
      '/skills',
      '/pipelines',
    ])
  })

  test('many defects are capped, with a count of the rest', () => {
    const manifest = baseManifest()
    manifest.skills = Array.from({ length: 300 }, (_, index) => ({ id: `skill.s${index}`, version: '1' }))
    const result = checkManifestText(stringify(manifest), { maxIssues: 50 })
    assert.equal(result.ok, false)
    const issues = result.ok ? [] : result.issues
    assert.equal(issues.length, 51)
    assert.match(issues[50]!.problem, /^\d+ more problems not shown$/)
  })
})
