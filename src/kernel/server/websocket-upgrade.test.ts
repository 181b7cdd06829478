import assert from 'node:assert/strict'
import { test } from 'node:test'
import Fastify from 'fastify'
import { refuseWithoutUpgrade } from './websocket-upgrade.ts'

test('a GET without the WebSocket upgrade answers 426 with the error envelope; an upgrade passes', async (t) => {
  const app = Fastify()
  t.after(() => app.close())
  app.decorateRequest('ws', false)
  app.addHook('onRequest', async (request) => {
    request.ws = request.headers['x-test-upgrade'] === 'yes'
  })
  app.get(
    '/ws/test',
    { preValidation: async (request, reply) => refuseWithoutUpgrade(request, reply, '/ws/test') },
    async () => ({ ok: true }),
  )
  const refused = await app.inject({ method: 'GET', url: '/ws/test' })
  assert.equal(refused.statusCode, 426)
  assert.equal(refused.headers.upgrade, 'websocket')
  const body = refused.json()
  assert.equal(body.ok, false)
  assert.equal(body.error.code, 'E_BAD_REQUEST')
  assert.match(body.error.message, /GET \/ws\/test needs a WebSocket upgrade/)
  const passed = await app.inject({ method: 'GET', url: '/ws/test', headers: { 'x-test-upgrade': 'yes' } })
  assert.equal(passed.statusCode, 200)
})
