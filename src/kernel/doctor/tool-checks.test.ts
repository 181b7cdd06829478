import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { HubManifest } from '../../manifest/index.ts'
import { natsUrlOf } from './tool-checks.ts'

const plain = { skills: [] } as unknown as HubManifest
const onNats = {
  skills: [],
  bus: { transport: 'nats', servers: ['nats://10.0.0.5:4300', 'nats://10.0.0.6:4300'] },
} as unknown as HubManifest

test('doctor checks the bus the hub would run on: LOCALHUB_BUS over the manifest bus: section', () => {
  assert.equal(natsUrlOf(plain, {}), undefined)
  assert.equal(natsUrlOf(onNats, {}), 'nats://10.0.0.5:4300')
  assert.equal(natsUrlOf(plain, { LOCALHUB_BUS: 'nats://127.0.0.1:4555' }), 'nats://127.0.0.1:4555')
  assert.equal(natsUrlOf(onNats, { LOCALHUB_BUS: 'sqlite' }), undefined)
  // The bus connects to its default server, not NATS_URL; doctor checks that one.
  assert.equal(natsUrlOf(plain, { LOCALHUB_BUS: 'nats', NATS_URL: 'nats://h:1' }), 'nats://127.0.0.1:4222')
})
