import assert from 'node:assert/strict'
import { test } from 'node:test'
import { CONTEXT, makeFixture } from './approval-test-kit.ts'
import { createApprovalsHttpApi } from './http-api.ts'

test('routes answer result envelopes; hostile requests get E_BAD_REQUEST, never a crash', async (t) => {
  const fixture = makeFixture()
  t.after(() => fixture.close())
  const api = createApprovalsHttpApi(fixture.service)
  const requested = await fixture.service.request(fixture.files.writePlan('/workspace/a.md'), CONTEXT)

  assert.equal(await api.handle({ method: 'GET', path: '/events' }), undefined, 'not an approvals route')
  const listed = await api.handle({ method: 'GET', path: '/approvals' })
  assert.equal(listed?.statusCode, 200)
  assert.equal((listed!.body as { data: { approvals: unknown[] } }).data.approvals.length, 1)

  const created = await api.handle({
    method: 'POST',
    path: '/grants',
    body: JSON.parse('{"scope": {"pathPrefix": "docs"}, "by": "mallory", "__proto__": {"polluted": true}}'),
    principal: 'user:alice',
  })
  assert.equal(created?.statusCode, 200, JSON.stringify(created!.body))
  const grant = (created!.body as { data: { grant: { id: string; createdBy: string } } }).data.grant
  assert.equal(grant.createdBy, 'user:alice', 'the authenticated principal decides, not the body')
  assert.equal(({} as Record<string, unknown>).polluted, undefined)

  const hostile = [
    { method: 'POST', path: `/approvals/${requested.approvalId}/approve`, body: [] },
    { method: 'POST', path: `/approvals/${requested.approvalId}/approve`, body: 'text' },
    { method: 'POST', path: `/approvals/${requested.approvalId}/deny`, body: { reason: 42 } },
    { method: 'POST', path: '/approvals/%E0%A4%A/approve' },
    { method: 'POST', path: `/approvals/${'x'.repeat(10_000)}/approve` },
    { method: 'POST', path: '/approvals/ap_nope/deny' },
    { method: 'DELETE', path: '/approvals' },
    { method: 'GET', path: '/approvals', query: { limit: 'lots' } },
    { method: 'GET', path: '/approvals', query: { status: '<script>' } },
    { method: 'POST', path: '/grants', body: { scope: { pathPrefix: '/' } } },
    { method: 'POST', path: '/grants', body: { scope: { pathPrefix: 'x', tier: 'destructive_two_step' } } },
    { method: 'DELETE', path: '/grants/gr_nope' },
    {
      method: 'POST',
      path: '/consent/revoke',
      body: { requestId: 'r', receiptId: 'x', scope: 'everything' },
    },
  ]
  for (const request of hostile) {
    const reply = await api.handle(request)
    assert.equal(
      reply?.statusCode,
      400,
      `${request.method} ${request.path.slice(0, 40)}: ${JSON.stringify(reply!.body)}`,
    )
    assert.equal((reply!.body as { ok: boolean; error: { code: string } }).error.code, 'E_BAD_REQUEST')
  }
  assert.equal(fixture.files.executed.length, 0)

  const denied = await api.handle({
    method: 'POST',
    path: `/approvals/${requested.approvalId}/deny`,
    body: { reason: 'no' },
  })
  assert.equal((denied!.body as { data: { approval: { status: string } } }).data.approval.status, 'denied')
  const twice = await api.handle({
    method: 'POST',
    path: `/approvals/${requested.approvalId}/approve`,
    body: {},
  })
  assert.match(JSON.stringify(twice?.body), /already denied/)

  const revoke = await api.handle({
    method: 'POST',
    path: '/consent/revoke',
    body: { requestId: 'r1', receiptId: grant.id, scope: 'once' },
  })
  assert.equal((revoke!.body as { data: { ok: boolean; recordHash: string } }).data.ok, true)
  const deleted = await api.handle({ method: 'DELETE', path: `/grants/${grant.id}` })
  assert.equal(deleted?.statusCode, 400, 'already revoked')
})
