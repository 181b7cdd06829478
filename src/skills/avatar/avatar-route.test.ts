import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { AvatarRouteOptions } from './avatar-route.ts'
import { parseAvatarQuery } from './avatar-route.ts'

const options = (render: boolean) => ({ render, fps: 25, resolution: '256x256' }) as AvatarRouteOptions

test('a /ws/avatar query: keyframes by default, png with the skill defaults or the client’s own', () => {
  assert.deepEqual(parseAvatarQuery({ sessionId: 'session-1' }, options(false)), {
    sessionId: 'session-1',
    png: undefined,
  })
  assert.deepEqual(parseAvatarQuery({ sessionId: 's', frames: 'png' }, options(true)).png, {
    fps: 25,
    width: 256,
    height: 256,
  })
  assert.deepEqual(
    parseAvatarQuery({ sessionId: 's', frames: 'png', fps: '15', resolution: '320x240' }, options(true)).png,
    { fps: 15, width: 320, height: 240 },
  )
})

test('refusals: no session, unknown frames, png while rendering is off, fps or size out of range', () => {
  const refused = (query: Record<string, unknown>, render: boolean, code: string, message: RegExp) =>
    assert.throws(
      () => parseAvatarQuery(query, options(render)),
      (error: Error & { code?: string }) => error.code === code && message.test(error.message),
    )
  refused({}, true, 'E_VALIDATION', /sessionId is required/)
  refused({ sessionId: 'a b' }, true, 'E_VALIDATION', /sessionId/)
  refused({ sessionId: 's', frames: 'gif' }, true, 'E_VALIDATION', /keyframes or png/)
  refused({ sessionId: 's', frames: 'png' }, false, 'E_BAD_REQUEST', /render: true/)
  refused({ sessionId: 's', frames: 'png', fps: '0' }, true, 'E_VALIDATION', /fps/)
  refused({ sessionId: 's', frames: 'png', fps: '61' }, true, 'E_VALIDATION', /fps/)
  refused({ sessionId: 's', frames: 'png', fps: '2.5' }, true, 'E_VALIDATION', /fps/)
  refused({ sessionId: 's', frames: 'png', resolution: '8x8' }, true, 'E_VALIDATION', /resolution/)
  refused({ sessionId: 's', frames: 'png', resolution: '2048x100' }, true, 'E_VALIDATION', /resolution/)
  refused({ sessionId: 's', frames: 'png', resolution: 'big' }, true, 'E_VALIDATION', /resolution/)
  refused({ sessionId: 's', fps: '0' }, true, 'E_VALIDATION', /frames=png/)
  refused({ sessionId: 's', frames: 'keyframes', resolution: '1x1' }, false, 'E_VALIDATION', /frames=png/)
})
