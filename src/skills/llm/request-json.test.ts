// What decision 1788 relies on: a chat request's body is the bytes JSON.stringify writes, whatever
// the tools look like, while the schema of a tool offered again is not written again.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { requestJsonWithTools } from './tool-messages.ts'

const schema = () => ({
  type: 'object',
  additionalProperties: false,
  required: ['path'],
  properties: { path: { type: 'string', description: 'Relative — or absolute "inside" it.\n' } },
})

const tool = (name: string, description: string, parameters: object) => ({
  type: 'function',
  function: { name, description, parameters },
})

const bodyOf = () => ({
  model: 'tiny',
  messages: [{ role: 'user', content: 'hi — there' }],
  stream: true,
  options: { temperature: 0.4 },
})

test('writes what JSON.stringify writes, for usual and unusual tool definitions', () => {
  const shared = schema()
  const cases: unknown[][] = [
    [],
    [tool('read_file', 'Read a file.', shared), tool('list_dir', 'List a folder.', schema())],
    // The same schema offered again (remembered), then under another name and description.
    [tool('read_file', 'Read a file.', shared)],
    [tool('open_file', 'Open a file.', shared)],
    // Shapes the remembered path does not take: extra or reordered keys, no description, a class.
    [{ ...tool('a', 'b', shared), extra: 1 }],
    [{ function: { name: 'a', description: 'b', parameters: shared }, type: 'function' }],
    [{ type: 'function', function: { name: 'a', parameters: shared } }],
    [{ type: 'function', function: { parameters: shared, name: 'a', description: 'b' } }],
    [
      new (class Tool {
        type = 'function'
        function = { name: 'a', description: 'b', parameters: shared }
      })(),
    ],
    [{ type: 'function', function: { name: 'a', description: 'b', parameters: shared }, toJSON: () => 'x' }],
  ]
  for (const tools of cases) {
    for (let twice = 0; twice < 2; twice++)
      assert.equal(
        requestJsonWithTools(bodyOf(), tools),
        JSON.stringify({ ...bodyOf(), ...(tools.length > 0 ? { tools } : {}) }),
      )
  }
})

test('a tool offered again is written from its remembered JSON, not from its schema', () => {
  let reads = 0
  const parameters = {
    get type() {
      reads++
      return 'object'
    },
  }
  const first = requestJsonWithTools(bodyOf(), [tool('count', 'Counts.', parameters)])
  assert.equal(reads, 1)
  const again = requestJsonWithTools(bodyOf(), [tool('count', 'Counts.', parameters)])
  assert.equal(reads, 1, 'the schema is not written again')
  assert.equal(again, first)
  // Another description with the same schema object is written anew.
  const renamed = requestJsonWithTools(bodyOf(), [tool('count', 'Counts twice.', parameters)])
  assert.equal(reads, 2)
  assert.ok(renamed.includes('"Counts twice."'))
})
