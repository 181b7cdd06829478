// The stored form in every generated language (issue 20): one derivation (contracts'
// storedFormSchema) feeds catalog/dist/stored-forms.json, the TypeScript types, the Pydantic
// models and the AsyncAPI document.
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, test } from 'node:test'
import ts from 'typescript'
import { parse as parseYaml } from 'yaml'
import { writeFixtureCatalog } from '../../test/kit/catalog-fixture.ts'
import { makeTempDir } from '../../test/kit/temp-dir.ts'
import { createAjv, storedFormSchema } from '../contracts/index.ts'
import { buildCatalogModels } from './catalog-models.ts'
import { generateAsyncApi } from './generate-asyncapi.ts'
import { generateStoredForms } from './generate-stored-forms.ts'
import { generateTypeScript } from './generate-typescript.ts'
import { TRICKY_ENTRIES } from './generators-fixture.test-data.ts'
import { loadCatalog } from './load-catalog.ts'
import { generateCatalogFiles, writeGenerated } from './write-generated.ts'

const PYDANTIC = spawnSync('python3', ['-c', 'import pydantic; assert pydantic.VERSION >= "2"']).status === 0
const DIGEST = 'a'.repeat(64)

function trickyDocument(t: { after: (fn: () => void) => void }) {
  const fixture = writeFixtureCatalog(TRICKY_ENTRIES)
  t.after(fixture.remove)
  return { fixture, document: loadCatalog(fixture.dir).document }
}

const MAIL = { from: 'a', class: 'inbox', participants: [], root: { label: 'r' } }

describe('stored forms, generated', () => {
  test('stored-forms.json holds exactly what the validator derives, for every type@version', (t) => {
    const { document } = trickyDocument(t)
    const models = buildCatalogModels(document)
    const published = JSON.parse(generateStoredForms(models, '1.0')) as {
      entries: Record<string, Record<string, unknown>>
    }
    assert.deepEqual(
      Object.keys(published.entries),
      models.entries.map((item) => item.key),
    )
    for (const entry of document.entries) {
      const { title, ...rest } = published.entries[`${entry.type}@${entry.version}`]!
      const { title: _inFlightTitle, ...derived } = storedFormSchema(entry.schema)
      assert.deepEqual(rest, derived)
      assert.match(String(title), /StoredPayload/)
    }
    const validate = createAjv().compile(published.entries['mail.message_thread.received@1']!)
    const stored = {
      ...MAIL,
      _private_sha256: DIGEST,
      _private_len: 1,
      _guardrails: { hashed: ['/payload/_private'] },
    }
    assert.equal(validate(stored), true, JSON.stringify(validate.errors))
    assert.equal(validate({ ...MAIL, _private: 'raw' }), false, 'the hashed field is not in the stored form')
  })

  test('a result union admits _guardrails in each variant (a capped error message is stored so)', (t) => {
    const { document } = trickyDocument(t)
    const entry = document.entries.find((item) => item.type === 'job.run.result')!
    const validate = createAjv().compile(storedFormSchema(entry.schema))
    assert.equal(validate({ ok: false, error: 'x', _guardrails: { capped: ['/payload/error'] } }), true)
    assert.equal(validate({ ok: false, error: 'x', other: 1 }), false, 'variants stay closed')
  })

  test('unchanged nested objects keep their in-flight models; changed roots get Stored names', (t) => {
    const { document } = trickyDocument(t)
    const mail = buildCatalogModels(document).entries.find(
      (item) => item.key === 'mail.message_thread.received@1',
    )!
    assert.equal(mail.stored.rootName, 'MailMessageThreadReceivedStoredPayload')
    const storedNames = mail.stored.models.map((model) => model.name)
    assert.deepEqual(storedNames, ['MailMessageThreadReceivedStoredPayload'])
    const root = mail.stored.models[0]!
    assert.ok(root.shape === 'object')
    const byName = Object.fromEntries(root.properties.map((property) => [property.name, property.type]))
    assert.deepEqual(byName.nested, { kind: 'ref', name: 'MailMessageThreadReceivedNested' })
    assert.deepEqual(byName._guardrails, { kind: 'ref', name: 'GuardrailSummary' })
    assert.ok(byName._private_sha256 && byName._private_len && !byName._private)
  })

  test('TypeScript: StoredPayloadOf and StoredEnvelope type the stored form', (t) => {
    const { document } = trickyDocument(t)
    const temp = makeTempDir()
    t.after(temp.remove)
    mkdirSync(join(temp.path, 'generated'))
    copyFileSync(new URL('../contracts/envelope.ts', import.meta.url), join(temp.path, 'envelope.ts'))
    writeFileSync(
      join(temp.path, 'generated', 'event-types.ts'),
      generateTypeScript(buildCatalogModels(document)),
    )
    const usage = join(temp.path, 'usage.ts')
    writeFileSync(
      usage,
      [
        "import type { StoredEnvelope, StoredPayloadOf, StoredPayloadMapByVersion } from './generated/event-types.ts'",
        `const stored: StoredPayloadOf<'mail.message_thread.received'> = { from: 'a', class: 'inbox', participants: [], root: { label: 'r' }, _private_sha256: '${DIGEST}', _private_len: 1, _guardrails: { hashed: ['/payload/_private'] } }`,
        '// @ts-expect-error the in-flight field is not in the stored form',
        "const raw: StoredPayloadOf<'mail.message_thread.received'> = { from: 'a', class: 'inbox', participants: [], root: { label: 'r' }, _private: 'p' }",
        "const old: StoredPayloadMapByVersion['job.run@1'] = { job: 'x' }",
        'declare const event: StoredEnvelope',
        "const narrowed = event.type === 'job.run.result' ? event.payload._guardrails?.capped : undefined",
        'export const all = [stored, raw, old, narrowed]',
      ].join('\n'),
    )
    const program = ts.createProgram([usage], {
      strict: true,
      module: ts.ModuleKind.NodeNext,
      moduleResolution: ts.ModuleResolutionKind.NodeNext,
      target: ts.ScriptTarget.ES2022,
      allowImportingTsExtensions: true,
      noEmit: true,
      types: [],
      lib: ['lib.es2023.d.ts'],
    })
    const problems = ts
      .getPreEmitDiagnostics(program)
      .map((item) => ts.flattenDiagnosticMessageText(item.messageText, '\n'))
    assert.deepEqual(problems, [])
  })

  test('Python: payload_model(stored=True) accepts the stored form and refuses the raw field', {
    skip: PYDANTIC ? false : 'pydantic 2 is not installed',
  }, (t) => {
    const { fixture, document } = trickyDocument(t)
    writeGenerated(fixture.root, generateCatalogFiles(document))
    const script = [
      'import json, sys',
      'sys.path.insert(0, sys.argv[1])',
      'from localhub_events import payload_model',
      'mail = json.loads(sys.argv[2])',
      'out = []',
      'def check(model, payload):',
      '    try:',
      '        model.model_validate(payload)',
      '        return True',
      '    except Exception:',
      '        return False',
      'stored = dict(mail, _private_sha256="a" * 64, _private_len=1, _guardrails={"hashed": ["/payload/_private"]})',
      'out.append(check(payload_model("mail.message_thread.received", stored=True), stored))',
      'out.append(check(payload_model("mail.message_thread.received", stored=True), dict(mail, _private="p")))',
      'out.append(check(payload_model("mail.message_thread.received"), stored))',
      'out.append(check(payload_model("job.run", 1, stored=True), {"job": "x"}))',
      'out.append(check(payload_model("job.run.result", 1, stored=True), {"ok": False, "error": "e", "_guardrails": {"capped": []}}))',
      'print(json.dumps(out))',
    ].join('\n')
    const result = spawnSync('python3', ['-c', script, join(fixture.root, 'python'), JSON.stringify(MAIL)], {
      encoding: 'utf8',
    })
    assert.equal(result.status, 0, result.stderr)
    assert.deepEqual(JSON.parse(result.stdout), [true, false, false, true, true])
  })

  test('AsyncAPI: per-type channels carry the in-flight form, log and tail the stored form', (t) => {
    const { document } = trickyDocument(t)
    const text = generateAsyncApi(buildCatalogModels(document), document.envelope, document.catalogVersion)
    const parsed = parseYaml(text) as {
      channels: Record<string, { 'x-form': string; address: string; messages: Record<string, unknown> }>
      components: {
        messages: Record<string, { examples: { payload: { payload: Record<string, unknown> } }[] }>
      }
    }
    assert.equal(parsed.channels['job.run']!['x-form'], 'in-flight')
    assert.equal(parsed.channels.log!['x-form'], 'stored')
    assert.equal(parsed.channels.tail!.address, '/ws/events')
    assert.ok(parsed.channels.tail!.messages.MailMessageThreadReceivedStoredMessage)
    const example =
      parsed.components.messages.MailMessageThreadReceivedStoredMessage!.examples[0]!.payload.payload
    assert.match(String(example._private_sha256), /^[0-9a-f]{64}$/)
    assert.equal(example._private, undefined, 'the example went through guardrails')
  })
})
