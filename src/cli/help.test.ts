import assert from 'node:assert/strict'
import { PassThrough } from 'node:stream'
import { describe, test } from 'node:test'
import { isHelpWord, printedHelp, verbUsage } from './help.ts'
import type { CommandIo } from './io.ts'

function memoryIo() {
  const stdout = new PassThrough()
  const stderr = new PassThrough()
  const out: string[] = []
  const err: string[] = []
  stdout.on('data', (chunk) => out.push(String(chunk)))
  stderr.on('data', (chunk) => err.push(String(chunk)))
  const io: CommandIo = { stdin: new PassThrough(), stdout, stderr, env: {}, cwd: '.' }
  return { io, out: () => out.join(''), err: () => err.join('') }
}

describe('usage printing', () => {
  test('--help prints the usage on stdout once; without it nothing is printed', () => {
    const asked = memoryIo()
    assert.equal(printedHelp({ help: true }, asked.io, 'usage: x'), true)
    assert.equal(asked.out(), 'usage: x\n')
    assert.equal(asked.err(), '')
    const quiet = memoryIo()
    assert.equal(printedHelp({}, quiet.io, 'usage: x'), false)
    assert.equal(printedHelp({ help: undefined }, quiet.io, 'usage: x'), false)
    assert.equal(quiet.out() + quiet.err(), '')
  })

  test('a group: asked for, stdout and 0; no verb, stderr and 2; a verb goes on', () => {
    const asked = memoryIo()
    assert.equal(verbUsage(true, 'list', asked.io, 'usage: x'), 0)
    assert.deepEqual([asked.out(), asked.err()], ['usage: x\n', ''])
    const missing = memoryIo()
    assert.equal(verbUsage(false, undefined, missing.io, 'usage: x'), 2)
    assert.deepEqual([missing.out(), missing.err()], ['', 'usage: x\n'])
    const verb = memoryIo()
    assert.equal(verbUsage(false, 'list', verb.io, 'usage: x'), undefined)
    assert.equal(verb.out() + verb.err(), '')
  })

  test('help words in place of a verb', () => {
    for (const word of ['--help', '-h', 'help']) assert.equal(isHelpWord(word), true, word)
    for (const word of [undefined, 'list', '--helpful', 'HELP'])
      assert.equal(isHelpWord(word), false, String(word))
  })
})
