import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { HubError } from '../../contracts/index.ts'
import { checkPattern, parseReplayQuery, parseTailQuery } from './event-query.ts'

const rejects = (fn: () => unknown, pattern: RegExp) =>
  assert.throws(
    fn,
    (error: unknown) =>
      error instanceof HubError && error.code === 'E_BAD_REQUEST' && pattern.test(error.message),
  )

describe('GET /events query', () => {
  test('defaults and typed values', () => {
    assert.deepEqual(parseReplayQuery({}), { limit: 1000 })
    assert.deepEqual(
      parseReplayQuery({ from: '12', to: '2026-01-02T03:04:05.5Z', filter: 'chat.>', limit: '10000' }),
      {
        from: 12,
        to: '2026-01-02T03:04:05.5Z',
        filter: 'chat.>',
        limit: 10_000,
      },
    )
  })
  test('bad values are refused with the parameter named', () => {
    rejects(() => parseReplayQuery({ limit: '10001' }), /limit/)
    rejects(() => parseReplayQuery({ limit: '0' }), /limit/)
    rejects(() => parseReplayQuery({ limit: '-1' }), /limit/)
    rejects(() => parseReplayQuery({ limit: '1e3' }), /limit/)
    rejects(() => parseReplayQuery({ from: 'yesterday' }), /from/)
    rejects(() => parseReplayQuery({ from: '2026-13-45T99:99:99Z' }), /from/)
    rejects(() => parseReplayQuery({ from: '9'.repeat(40) }), /from/)
    rejects(() => parseReplayQuery({ from: ['1', '2'] }), /once/)
    rejects(() => parseReplayQuery({ frm: '1' }), /unknown query parameter/)
    rejects(() => parseReplayQuery(JSON.parse('{"__proto__":"1"}')), /unknown query parameter/)
  })
})

describe('type patterns', () => {
  test('NATS wildcard rules', () => {
    for (const good of ['chat.query', 'chat.*', 'chat.>', '>', '*.end', 'a_b-c.d'])
      assert.equal(checkPattern(good), good)
    for (const bad of [
      '',
      'chat.',
      '.chat',
      'chat..x',
      'ch*t',
      'a.>.b',
      'a b',
      'x'.repeat(501),
      'chat.\u0000',
    ]) {
      rejects(() => checkPattern(bad), /pattern/)
    }
  })
})

describe('WS query', () => {
  test('from is a seq; token is tolerated', () => {
    assert.deepEqual(parseTailQuery({ from: '5', filter: 'chat.*', token: 'x' }), {
      fromSeq: 5,
      filter: 'chat.*',
    })
    assert.deepEqual(parseTailQuery({}), {})
    rejects(() => parseTailQuery({ from: '2026-01-01T00:00:00Z' }), /from/)
    rejects(() => parseTailQuery({ until: 'soon' }), /until/)
    rejects(() => parseTailQuery({ bogus: '3' }), /unknown/)
  })
  test('to, since, until and limit bound the tail (decision 1626)', () => {
    assert.deepEqual(
      parseTailQuery({
        from: '3',
        to: '9',
        type: 'ui.>',
        sessionId: 'room',
        source: 'cli',
        since: '2026-01-01T00:00:00Z',
        until: '2026-01-02T00:00:00Z',
        limit: '5',
      }),
      {
        fromSeq: 3,
        toSeq: 9,
        filter: 'ui.>',
        sessionId: 'room',
        source: 'cli',
        since: '2026-01-01T00:00:00Z',
        until: '2026-01-02T00:00:00Z',
        limit: 5,
      },
    )
    rejects(() => parseTailQuery({ to: '2026-01-01T00:00:00Z' }), /to must be a seq/)
    rejects(() => parseTailQuery({ from: '9', to: '3' }), /to must not be before from/)
    rejects(() => parseTailQuery({ limit: '0' }), /limit/)
    rejects(() => parseTailQuery({ limit: '10001' }), /limit/)
  })
})

describe('times', () => {
  test('a time must name a real instant: no 30 February, no 24:00, no offset past 23:59', () => {
    for (const time of [
      '2026-02-30T00:00:00Z',
      '2025-02-29T00:00:00Z',
      '2026-04-31T00:00:00Z',
      '2026-12-06T24:00:00Z',
      '2026-12-06T23:60:00Z',
      '2026-12-06T23:59:60Z',
      '2026-00-10T00:00:00Z',
      '2026-12-06T10:00:00+24:00',
      '2026-12-06T10:00:00+05:60',
    ]) {
      rejects(() => parseReplayQuery({ since: time }), /since must be an RFC 3339 time/)
      rejects(() => parseTailQuery({ until: time }), /until must be an RFC 3339 time/)
      rejects(() => parseReplayQuery({ from: time }), /from must be a seq/)
    }
    for (const time of ['2024-02-29T00:00:00Z', '2026-12-06T23:59:59.999+05:30', '2026-12-06t00:00:00z']) {
      assert.equal(parseReplayQuery({ since: time }).since, time)
      assert.equal(parseTailQuery({ until: time }).until, time)
    }
  })
})

describe('refusals', () => {
  test('say the query string is where, and list scope among the known names', () => {
    for (const parse of [parseReplayQuery, parseTailQuery]) {
      assert.throws(
        () => parse({ limit: '0' }),
        (error: unknown) =>
          error instanceof HubError && (error.details as { in?: string }).in === 'querystring',
      )
      rejects(() => parse({ bogus: '1' }), /unknown query parameter "bogus"; known: .*scope/)
    }
  })
})
