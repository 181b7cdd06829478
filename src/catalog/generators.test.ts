import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, test } from 'node:test'
import ts from 'typescript'
import { writeFixtureCatalog } from '../../test/kit/catalog-fixture.ts'
import { makeTempDir } from '../../test/kit/temp-dir.ts'
import { buildCatalogModels } from './catalog-models.ts'
import { generatePythonModels } from './generate-python.ts'
import { generateTypeScript } from './generate-typescript.ts'
import { TRICKY_ENTRIES } from './generators-fixture.test-data.ts'
import { loadCatalog } from './load-catalog.ts'
import { generateCatalogFiles, writeGenerated } from './write-generated.ts'

function trickyCatalog(t: { after: (fn: () => void) => void }) {
  const fixture = writeFixtureCatalog(TRICKY_ENTRIES)
  t.after(fixture.remove)
  return { fixture, document: loadCatalog(fixture.dir).document }
}

const PYTHON = spawnSync('python3', ['--version']).status === 0 ? 'python3' : undefined
const PYDANTIC =
  PYTHON !== undefined &&
  spawnSync(PYTHON, ['-c', 'import pydantic; assert pydantic.VERSION >= "2"']).status === 0

describe('schema models and names', () => {
  test('names are unique, versioned and derived from the type', (t) => {
    const { document } = trickyCatalog(t)
    const models = buildCatalogModels(document)
    const roots = Object.fromEntries(models.entries.map((item) => [item.key, item.model.rootName]))
    assert.equal(roots['mail.message_thread.received@1'], 'MailMessageThreadReceivedPayload')
    assert.equal(roots['mail_message.thread_received@1'], 'MailMessageThreadReceivedPayload2')
    assert.equal(roots['job.run@2'], 'JobRunPayloadV2')
    const names = models.entries.flatMap((item) => item.model.models.map((model) => model.name))
    assert.equal(new Set(names).size, names.length)
    for (const nested of [
      'MailMessageThreadReceivedPerson',
      'MailMessageThreadReceivedNode',
      'MailMessageThreadReceivedNestedDeeper',
    ]) {
      assert.ok(names.includes(nested), `${nested} in ${names.join(', ')}`)
    }
    const latest = models.entries.filter((item) => item.latest).map((item) => item.key)
    assert.ok(latest.includes('job.run@2') && !latest.includes('job.run@1'))
  })
})

describe('TypeScript generator', () => {
  test('output compiles and rejects wrong payloads', (t) => {
    const { document } = trickyCatalog(t)
    const temp = makeTempDir()
    t.after(temp.remove)
    mkdirSync(join(temp.path, 'generated'))
    writeFileSync(join(temp.path, 'package.json'), '{"type":"module"}')
    copyFileSync(new URL('../contracts/envelope.ts', import.meta.url), join(temp.path, 'envelope.ts'))
    writeFileSync(
      join(temp.path, 'generated', 'event-types.ts'),
      generateTypeScript(buildCatalogModels(document)),
    )
    const usage = join(temp.path, 'usage.ts')
    writeFileSync(
      usage,
      [
        "import { type CommandReplyMap, defineEvent, EVENT_TYPES, type EventPayloadMap, type EventPayloadMapByVersion } from './generated/event-types.ts'",
        "const ok = defineEvent({ type: 'mail.message_thread.received', payload: { from: 'a', class: 'inbox', participants: [{ name: 'n' }], root: { label: 'r', children: [{ label: 'c' }] }, score: null, mode: 3 } })",
        '// @ts-expect-error enum',
        "defineEvent({ type: 'mail.message_thread.received', payload: { from: 'a', class: 'junk', participants: [], root: { label: 'r' } } })",
        '// @ts-expect-error a recursive $ref keeps its required fields',
        "defineEvent({ type: 'mail.message_thread.received', payload: { from: 'a', class: 'inbox', participants: [], root: { label: 'r', children: [{}] } } })",
        '// @ts-expect-error a map of integers',
        "defineEvent({ type: 'mail.message_thread.received', payload: { from: 'a', class: 'inbox', participants: [], root: { label: 'r' }, meta: { a: 'x' } } })",
        "const latest: EventPayloadMap['job.run'] = { jobId: 1 }",
        "const first: EventPayloadMapByVersion['job.run@1'] = { job: 'x' }",
        '// @ts-expect-error the map names the latest version',
        "const stale: EventPayloadMap['job.run'] = { job: 'x' }",
        "const reply: CommandReplyMap['job.run'] = 'job.run.result'",
        "const unionReply: EventPayloadMap['job.run.result'] = { ok: true }",
        'export const all = [ok, latest, first, stale, reply, unionReply, EVENT_TYPES.length]',
      ].join('\n'),
    )
    const program = ts.createProgram([usage], {
      strict: true,
      noUncheckedIndexedAccess: true,
      module: ts.ModuleKind.NodeNext,
      moduleResolution: ts.ModuleResolutionKind.NodeNext,
      target: ts.ScriptTarget.ES2022,
      allowImportingTsExtensions: true,
      verbatimModuleSyntax: true,
      noEmit: true,
      types: [],
      lib: ['lib.es2023.d.ts'],
    })
    const problems = ts
      .getPreEmitDiagnostics(program)
      .map(
        (item) => `${item.file?.fileName ?? ''}: ${ts.flattenDiagnosticMessageText(item.messageText, '\n')}`,
      )
    assert.deepEqual(problems, [])
  })
})

describe('Python generator', () => {
  test('keywords, private and BaseModel names become aliased attributes', (t) => {
    const { document } = trickyCatalog(t)
    const python = generatePythonModels(buildCatalogModels(document), '1.0')
    assert.match(
      python,
      /^ {4}from_: Annotated\[StrictStr, Field\(max_length=200\)\] = Field\(alias="from", /m,
    )
    assert.match(python, /^ {4}class_: Literal\["inbox", "spam"\] = Field\(alias="class"\)$/m)
    assert.match(
      python,
      /^ {4}private: Optional\[StrictStr\] = Field\(default=None, alias="_private", json_schema_extra=/m,
    )
    assert.match(
      python,
      /^ {4}content_type: Optional\[StrictStr\] = Field\(default=None, alias="content-type"\)$/m,
    )
    assert.match(python, /^ {4}json_: Optional\[StrictBool\] = Field\(default=None, alias="json"\)$/m)
    assert.match(python, /^ {4}model_name_: .* alias="model_name"/m)
    assert.match(
      python,
      /^ {4}score: Optional\[Annotated\[StrictFloat, Field\(ge=0\)\]\] = Field\(default=None\)$/m,
    )
    assert.match(python, /^ {4}children: Optional\[List\["MailMessageThreadReceivedNode"\]\]/m)
    assert.match(python, /^MailMessageThreadReceivedNode\.model_rebuild\(\)$/m)
    assert.match(python, /^class JobRunResultPayload\(RootModel\[Union\[/m)
  })

  test('py_compile accepts the output for the fixture and the real catalog', {
    skip: PYTHON ? false : 'python3 is not installed',
  }, (t) => {
    const { fixture, document } = trickyCatalog(t)
    for (const [name, source] of [
      ['fixture', document],
      ['real', loadCatalog().document],
    ] as const) {
      const file = join(fixture.root, `${name}_models.py`)
      writeFileSync(file, generatePythonModels(buildCatalogModels(source), '1.0'))
      const script =
        'import py_compile, sys; py_compile.compile(sys.argv[1], cfile=sys.argv[2], doraise=True)'
      const result = spawnSync(PYTHON!, ['-c', script, file, join(fixture.root, `${name}.pyc`)], {
        encoding: 'utf8',
      })
      assert.equal(result.status, 0, `${name}: ${result.stderr}`)
    }
  })

  test('pydantic accepts the examples and rejects the invalid ones', {
    skip: PYDANTIC ? false : 'pydantic 2 is not installed (compile check only)',
  }, (t) => {
    const { fixture, document } = trickyCatalog(t)
    writeGenerated(fixture.root, generateCatalogFiles(document))
    const cases = TRICKY_ENTRIES.flatMap((entry) => [
      ...(entry.examples ?? []).map((payload) => ({
        key: `${entry.type}@${entry.version ?? 1}`,
        payload,
        valid: true,
      })),
      ...(entry.invalid ?? []).map((payload) => ({
        key: `${entry.type}@${entry.version ?? 1}`,
        payload,
        valid: false,
      })),
    ])
    const script = [
      'import json, sys, warnings',
      'warnings.simplefilter("error")',
      'sys.path.insert(0, sys.argv[1])',
      'import localhub_events as m',
      'out = []',
      'for case in json.load(sys.stdin):',
      '    try:',
      '        m.TYPE_MAP[case["key"]].model_validate_json(json.dumps(case["payload"]))',
      '        out.append(True)',
      '    except Exception:',
      '        out.append(False)',
      'mail = m.payload_model("mail.message_thread.received").model_validate({"from": "a", "class": "spam", "participants": [], "root": {"label": "r"}})',
      'out.append([mail.from_, mail.class_, mail.model_dump(by_alias=True, exclude_none=True)["from"]])',
      'print(json.dumps(out))',
    ].join('\n')
    const result = spawnSync(PYTHON!, ['-c', script, join(fixture.root, 'python')], {
      input: JSON.stringify(cases),
      encoding: 'utf8',
    })
    assert.equal(result.status, 0, result.stderr)
    const outcome = JSON.parse(result.stdout) as unknown[]
    assert.deepEqual(
      outcome.slice(0, cases.length),
      cases.map((item) => item.valid),
    )
    assert.deepEqual(outcome.at(-1), ['a', 'spam', 'a'])
  })
})
