import assert from 'node:assert/strict'
import { createServer } from 'node:net'
import { describe, test } from 'node:test'
import { openHub } from '../../src/kernel/index.ts'
import { KERNEL_HTTP_ROUTES } from '../../src/manifest/index.ts'
import { lengthOf, refused, setUp, startHub, writeManifest } from './manifest-keys-kit.ts'

async function freePort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as { port: number }
  await new Promise((resolve) => server.close(resolve))
  return port
}

describe('kernel.api', { timeout: 60_000 }, () => {
  test('http.base is where the hub listens when no flag or variable says otherwise', async (t) => {
    const setup = setUp(t)
    const port = await freePort()
    const hub = await openHub({
      dataDir: setup.dataDir,
      manifestPath: writeManifest(setup, (m) => {
        m.kernel.api.http.base = `http://127.0.0.1:${port}`
      }),
      logger: false,
      env: {},
    })
    t.after(() => hub.close())
    assert.equal(new URL(hub.url).port, String(port))
    const health = await fetch(`http://127.0.0.1:${port}/health`)
    assert.equal(health.status, 200)
  })

  test('every GET route the manifest may name is served', async (t) => {
    const setup = setUp(t)
    const hub = await startHub(t, setup, () => undefined)
    for (const route of KERNEL_HTTP_ROUTES.filter((candidate) => candidate.method === 'GET')) {
      const path = route.path.replace(':id', 'no-such-id')
      const response = await fetch(`${hub.url}${path}`, { headers: { authorization: `Bearer ${hub.token}` } })
      const body = await response.text()
      // A served route may say the id is unknown; an unserved one is Fastify's route-not-found.
      assert.doesNotMatch(body, /Route GET:.* not found/, `${path}: ${response.status} ${body.slice(0, 200)}`)
    }
  })

  test('an endpoint or WebSocket the kernel does not serve stops the hub', async (t) => {
    await refused(
      t,
      (m) => m.kernel.api.http.endpoints.push({ path: '/speak', method: 'POST' }),
      `/kernel/api/http/endpoints/${lengthOf((m) => m.kernel.api.http.endpoints)}/path`,
      /serves no POST \/speak/,
    )
    // The default manifest serves /ws/avatar with skill.avatar: without the skill, the route is refused.
    await refused(
      t,
      (m) => {
        m.skills = m.skills.filter((entry: { id: string }) => entry.id !== 'skill.avatar')
        m.kernel.api.ws = m.kernel.api.ws.filter((route: { path: string }) => route.path !== '/ws/avatar')
        for (const pipeline of m.pipelines)
          pipeline.steps = pipeline.steps.filter((step: { call?: string }) => step.call !== 'skill.avatar')
        m.kernel.api.ws.push({ path: '/ws/avatar', direction: 'out', stream: true })
      },
      `/kernel/api/ws/${lengthOf((m) => m.kernel.api.ws) - 1}/path`,
      /issue 13/,
    )
  })
})
