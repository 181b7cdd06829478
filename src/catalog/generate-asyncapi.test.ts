import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { Parser } from '@asyncapi/parser'
import { parse as parseYaml, stringify } from 'yaml'
import { writeFixtureCatalog } from '../../test/kit/catalog-fixture.ts'
import { buildCatalogModels } from './catalog-models.ts'
import { generateAsyncApi } from './generate-asyncapi.ts'
import { TRICKY_ENTRIES } from './generators-fixture.test-data.ts'
import { loadCatalog } from './load-catalog.ts'

// Severity 0 is an error in the parser's diagnostics (1 warning, 2 info, 3 hint).
async function parserErrors(text: string): Promise<string[]> {
  const { diagnostics } = await new Parser().parse(text)
  return diagnostics
    .filter((item) => item.severity === 0)
    .map((item) => `${item.path.join('/')}: ${item.message}`)
}

function generate(dir?: string): string {
  const document = loadCatalog(dir).document
  return generateAsyncApi(buildCatalogModels(document), document.envelope, document.catalogVersion)
}

describe('AsyncAPI generator', () => {
  test('the fixture catalog gives a document the official parser accepts', async (t) => {
    const fixture = writeFixtureCatalog(TRICKY_ENTRIES)
    t.after(fixture.remove)
    const text = generate(fixture.dir)
    assert.deepEqual(await parserErrors(text), [])
    const document = parseYaml(text) as Record<string, Record<string, Record<string, unknown>>>
    assert.equal(document.asyncapi as unknown, '3.0.0')
    assert.equal(document.channels!['job.run']!.address, 'hub.{hubId}.job.run')
    const send = document.operations!['job.run.send'] as {
      reply?: { channel: { $ref: string } }
      messages: unknown[]
    }
    assert.deepEqual(send.reply?.channel, { $ref: '#/channels/job.run.result' })
    assert.equal(send.messages.length, 2, 'both versions of job.run travel on one subject')
    const schemas = document.components!.schemas!
    assert.ok(schemas['MailMessageThreadReceivedPayload.person'], 'local $defs become component schemas')
    assert.doesNotMatch(JSON.stringify(schemas), /#\/\$defs\//)
  })

  test('the parser does report a broken document (the check above can fail)', async (t) => {
    const fixture = writeFixtureCatalog(TRICKY_ENTRIES)
    t.after(fixture.remove)
    const document = parseYaml(generate(fixture.dir)) as Record<
      string,
      Record<string, Record<string, unknown>>
    >
    ;(document.operations!['job.run.send'] as Record<string, unknown>).action = 'publish'
    assert.ok((await parserErrors(stringify(document))).length > 0)
  })

  test('the real catalog gives a document with zero parser errors', async () => {
    assert.deepEqual(await parserErrors(generate()), [])
  })
})
