import assert from 'node:assert/strict'
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { test } from 'node:test'
import { gunzipSync } from 'node:zlib'
import Fastify from 'fastify'
import { makeTempDir } from '../../../test/kit/temp-dir.ts'
import { acceptsHtml, registerDashboardRoutes } from './static-route.ts'

function appWith(dir: string) {
  const app = Fastify()
  // The JSON index API clients get at / (info-routes) must live beside the page.
  app.get('/', async () => ({ ok: true, data: 'json index' }))
  registerDashboardRoutes(app, { dir })
  return app
}

test('browsers get the page at /, API clients keep the JSON answer; assets are gzipped and immutable', async (t) => {
  const dist = makeTempDir('localhub-dist-')
  t.after(() => dist.remove())
  mkdirSync(join(dist.path, 'assets'))
  writeFileSync(join(dist.path, 'index.html'), '<!doctype html><title>Local Hub</title>')
  const script = `console.log(${JSON.stringify('x'.repeat(5000))})`
  writeFileSync(join(dist.path, 'assets', 'index-abc123.js'), script)
  const app = appWith(dist.path)
  t.after(() => app.close())
  const page = await app.inject({ url: '/', headers: { accept: 'text/html,application/xhtml+xml' } })
  assert.equal(page.statusCode, 200)
  assert.match(page.body, /Local Hub/)
  assert.match(String(page.headers['content-security-policy']), /frame-ancestors 'none'/)
  assert.equal(page.headers['x-frame-options'], 'DENY')
  assert.deepEqual(JSON.parse((await app.inject({ url: '/' })).body), { ok: true, data: 'json index' })
  const asset = await app.inject({
    url: '/assets/index-abc123.js',
    headers: { 'accept-encoding': 'gzip, br' },
  })
  assert.equal(asset.headers['content-encoding'], 'gzip')
  assert.match(String(asset.headers['cache-control']), /immutable/)
  assert.match(String(asset.headers['content-type']), /javascript/)
  assert.equal(gunzipSync(asset.rawPayload).toString(), script)
  assert.equal((await app.inject({ url: '/assets/index-abc123.js' })).body, script)
})

test('no path outside the build is reachable, whatever the encoding', async (t) => {
  const dist = makeTempDir('localhub-dist-')
  t.after(() => dist.remove())
  mkdirSync(join(dist.path, 'assets'))
  writeFileSync(join(dist.path, 'secret.txt'), 'secret')
  const app = appWith(dist.path)
  t.after(() => app.close())
  for (const url of [
    '/assets/..%2fsecret.txt',
    '/assets/%2e%2e%2fsecret.txt',
    '/assets/../secret.txt',
    '/assets/.hidden',
    '/assets/a%00b',
    `/assets/${'a'.repeat(300)}`,
    '/assets/missing.js',
    '/secret.txt',
  ]) {
    const response = await app.inject({ url })
    assert.ok([404, 414].includes(response.statusCode), `${url.slice(0, 40)}: ${response.statusCode}`)
    assert.doesNotMatch(response.body, /secret$/)
  }
})

test('without a build, / explains how to build the dashboard', async (t) => {
  const empty = makeTempDir('localhub-dist-')
  t.after(() => empty.remove())
  const app = appWith(join(empty.path, 'missing'))
  t.after(() => app.close())
  const response = await app.inject({ url: '/', headers: { accept: 'text/html' } })
  assert.equal(response.statusCode, 503)
  assert.match(response.body, /npm run build:web/)
})

test('acceptsHtml reads Accept headers', () => {
  assert.equal(acceptsHtml('text/html'), true)
  assert.equal(acceptsHtml('application/json, text/html;q=0.9'), true)
  assert.equal(acceptsHtml(['application/json', 'text/html']), true)
  assert.equal(acceptsHtml('application/json'), false)
  assert.equal(acceptsHtml(undefined), false)
  assert.equal(acceptsHtml('text/htmlx'), false)
})
