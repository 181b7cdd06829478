import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { describe, test } from 'node:test'
import {
  allowedHostSet,
  bearerToken,
  cookieValue,
  expectedTokenDigest,
  isHostAllowed,
  isOriginAllowed,
  redactUrl,
  tokensEqual,
  urlWithoutToken,
} from './request-guard.ts'

describe('Host allow-list', () => {
  const allowed = allowedHostSet('127.0.0.1', 8123, ['hub.lan', 'box:9000'])
  test('loopback names with the port pass, case-insensitively', () => {
    for (const host of [
      '127.0.0.1:8123',
      'localhost:8123',
      'LOCALHOST:8123',
      '[::1]:8123',
      'hub.lan:8123',
      'hub.lan',
      'box:9000',
    ]) {
      assert.equal(isHostAllowed(host, allowed), true, host)
    }
  })
  test('other names, other ports, missing Host are refused', () => {
    for (const host of [
      undefined,
      '',
      'evil.example',
      'evil.example:8123',
      '127.0.0.1:8124',
      'localhost',
      'box:9001',
      '127.0.0.1:8123.evil',
    ]) {
      assert.equal(isHostAllowed(host, allowed), false, String(host))
    }
  })
  test('a server on port 80 also answers to the bare name', () => {
    assert.equal(isHostAllowed('localhost', allowedHostSet('127.0.0.1', 80, [])), true)
  })
})

describe('Origin check', () => {
  const hosts = allowedHostSet('127.0.0.1', 8123, [])
  test('our own origins and configured ones pass', () => {
    assert.equal(isOriginAllowed('http://127.0.0.1:8123', hosts, []), true)
    assert.equal(isOriginAllowed('http://localhost:8123/', hosts, []), true)
    assert.equal(isOriginAllowed('http://localhost:5173', hosts, ['http://localhost:5173']), true)
  })
  test('foreign, opaque and tricky origins are refused', () => {
    for (const origin of [
      'null',
      'http://evil.example',
      'https://127.0.0.1:8123',
      'http://127.0.0.1:8123@evil',
      'http://127.0.0.1:81234',
      'file://',
      '',
    ]) {
      assert.equal(isOriginAllowed(origin, hosts, []), false, origin)
    }
  })
})

describe('credentials', () => {
  test('bearer token parsing', () => {
    assert.equal(bearerToken('Bearer abc'), 'abc')
    assert.equal(bearerToken('bearer  abc '), 'abc')
    assert.equal(bearerToken('Basic abc'), undefined)
    assert.equal(bearerToken('Bearer a b'), undefined)
    assert.equal(bearerToken(undefined), undefined)
  })
  test('cookie parsing finds the named cookie only', () => {
    assert.equal(cookieValue('a=1; localhub_token=xyz; b=2', 'localhub_token'), 'xyz')
    assert.equal(cookieValue('xlocalhub_token=1', 'localhub_token'), undefined)
    assert.equal(cookieValue('garbage;;=;', 'localhub_token'), undefined)
    assert.equal(cookieValue(`localhub_token=${'a'.repeat(10_000)}`, 'localhub_token'), undefined)
  })
  test('token comparison', () => {
    assert.equal(tokensEqual('same-token', 'same-token'), true)
    assert.equal(tokensEqual('same-token', 'same-tokem'), false)
    assert.equal(tokensEqual('', 'x'), false)
    assert.equal(tokensEqual('a'.repeat(1000), 'a'), false)
  })
  test("the expected token's digest is made once and follows a changed token", () => {
    const first = expectedTokenDigest('token-one')
    assert.equal(expectedTokenDigest('token-one'), first, 'the same Buffer: not hashed again')
    assert.equal(first.toString('hex'), createHash('sha256').update('token-one').digest('hex'))
    assert.equal(tokensEqual('token-one', 'token-one'), true)
    assert.equal(tokensEqual('token-two', 'token-one'), false)
    assert.equal(tokensEqual('token-two', 'token-two'), true, 'a new expected token is hashed anew')
    assert.equal(tokensEqual('token-one', 'token-two'), false)
    assert.equal(
      expectedTokenDigest('token-two').toString('hex'),
      createHash('sha256').update('token-two').digest('hex'),
    )
  })
})

describe('URLs', () => {
  test('the login redirect keeps the path and other parameters', () => {
    assert.equal(urlWithoutToken('/?token=abc'), '/')
    assert.equal(urlWithoutToken('/sessions?x=1&token=abc&y=2'), '/sessions?x=1&y=2')
  })
  test('the login redirect never leaves the site', () => {
    assert.equal(urlWithoutToken('//evil.example/?token=abc'), '/evil.example/')
    assert.equal(urlWithoutToken('/\\evil.example?token=abc'), '/evil.example')
  })
  test('logs never see token values', () => {
    assert.equal(redactUrl('/ws/events?from=3&token=secret&x=1'), '/ws/events?from=3&token=[redacted]&x=1')
    assert.equal(redactUrl('/?TOKEN=secret'), '/?TOKEN=[redacted]')
    assert.equal(redactUrl('/events?from=1'), '/events?from=1')
  })
})
