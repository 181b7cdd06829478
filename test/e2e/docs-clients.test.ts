// Every example of docs/clients.md runs against a running hub (the loopback model of
// test/kit/session-hub.ts), in the order the page gives them; each `prints:` line of an example
// must appear in what it printed. TypeScript examples import `localhub/client` through the
// package's "exports" (condition localhub-source: the TypeScript sources); Python ones get python/
// on their path.
import assert from 'node:assert/strict'
import { execFile, spawnSync } from 'node:child_process'
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import ts from 'typescript'
import { type SessionHub, startSessionHub } from '../kit/session-hub.ts'

const ROOT = fileURLToPath(new URL('../../', import.meta.url))
const PYDANTIC = spawnSync('python3', ['-c', 'import pydantic; assert pydantic.VERSION >= "2"']).status === 0

interface Example {
  language: 'ts' | 'python'
  code: string
  prints: string[]
  line: number
}

function fileOf(scratch: string, example: Example): string {
  return join(scratch, `example-${example.line}.${example.language === 'ts' ? 'ts' : 'py'}`)
}

function examplesOf(markdown: string): Example[] {
  const examples: Example[] = []
  const fence = /^```(ts|python)\n([\s\S]*?)^```$/gm
  for (const match of markdown.matchAll(fence)) {
    const code = match[2]!
    const prints = [...code.matchAll(/^(?:\/\/|#) prints: (.+)$/gm)].map((found) => found[1]!)
    const line = markdown.slice(0, match.index).split('\n').length
    examples.push({ language: match[1] as Example['language'], code, prints, line })
  }
  return examples
}

describe('docs/clients.md examples', { timeout: 300_000 }, () => {
  const examples = examplesOf(readFileSync(join(ROOT, 'docs/clients.md'), 'utf8'))
  // Inside the package, so `localhub/client` resolves by self-reference and `ajv` from node_modules.
  const scratch = join(ROOT, '.tmp', `docs-clients-${process.pid}`)
  let session: SessionHub

  before(async () => {
    mkdirSync(scratch, { recursive: true })
    for (const example of examples) writeFileSync(fileOf(scratch, example), example.code)
    session = await startSessionHub('localhub-docs-clients-')
  })
  after(async () => {
    await session?.close()
    rmSync(scratch, { recursive: true, force: true })
  })

  test('the page has examples in both languages, each saying what it prints', () => {
    assert.ok(examples.filter((example) => example.language === 'ts').length >= 4)
    assert.ok(examples.filter((example) => example.language === 'python').length >= 4)
    for (const example of examples) assert.ok(example.prints.length > 0, `example at line ${example.line}`)
  })

  test('the TypeScript examples type-check against the published types', () => {
    const files = examples
      .filter((example) => example.language === 'ts')
      .map((example) => fileOf(scratch, example))
    const program = ts.createProgram(files, {
      strict: true,
      module: ts.ModuleKind.NodeNext,
      moduleResolution: ts.ModuleResolutionKind.NodeNext,
      customConditions: ['localhub-source'],
      target: ts.ScriptTarget.ES2022,
      allowImportingTsExtensions: true,
      noEmit: true,
      skipLibCheck: true,
      types: ['node'],
    })
    const problems = ts
      .getPreEmitDiagnostics(program)
      .filter((item) => item.file === undefined || files.includes(item.file.fileName))
      .map(
        (item) => `${item.file?.fileName ?? ''}: ${ts.flattenDiagnosticMessageText(item.messageText, '\n')}`,
      )
    assert.deepEqual(problems, [])
  })

  for (const example of examples) {
    test(`the ${example.language} example at line ${example.line} runs and prints what it says`, {
      skip: example.language === 'python' && !PYDANTIC ? 'python3 with pydantic 2 is not installed' : false,
    }, async () => {
      const file = fileOf(scratch, example)
      const env = {
        ...process.env,
        LOCALHUB_URL: session.hub.url,
        LOCALHUB_TOKEN: session.hub.token,
        PYTHONPATH: join(ROOT, 'python'),
      }
      const command =
        example.language === 'ts'
          ? [process.execPath, ['--conditions=localhub-source', '--import', 'tsx', file]]
          : ['python3', [file]]
      // Asynchronous: the hub answering the example runs in this process.
      const result = await promisify(execFile)(command[0] as string, command[1] as string[], {
        cwd: ROOT,
        env,
        encoding: 'utf8',
        timeout: 60_000,
      }).catch((error: { code?: unknown; stdout?: string; stderr?: string }) => {
        assert.fail(`exit ${String(error.code)}\n${error.stdout ?? ''}\n${error.stderr ?? ''}`)
      })
      for (const expected of example.prints)
        assert.ok(result.stdout.includes(expected), `"${expected}" in:\n${result.stdout}`)
    })
  }
})
