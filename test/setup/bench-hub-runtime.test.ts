// bench/hub-runtime.ts: the benches' "compiled" rows load the hub scripts/build-server.mjs wrote to
// dist/, untouched by a transform that keeps names, and their "sources" rows the TypeScript through
// such a transform (decision 2081). Without that the two kinds of rows would measure the same code.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import {
  ensureCompiledHub,
  HUB_RUNTIME_ENV,
  hubRuntime,
  keepsNames,
  loadHubModules,
} from '../../bench/hub-runtime.ts'

test('the runtime is read from the environment, sources by default, anything else refused', () => {
  assert.equal(hubRuntime({}), 'sources')
  assert.equal(hubRuntime({ [HUB_RUNTIME_ENV]: 'compiled' }), 'compiled')
  assert.throws(() => hubRuntime({ [HUB_RUNTIME_ENV]: 'dist' }), /use sources or compiled/)
})

test('the compiled hub is dist/ without renamed closures; the sources hub is the transformed TypeScript', async () => {
  ensureCompiledHub()
  const compiled = await loadHubModules('compiled')
  const sources = await loadHubModules('sources')
  assert.notEqual(compiled.kernel.openHub, sources.kernel.openHub)
  assert.equal(keepsNames(compiled.kernel.openHub), false)
  assert.equal(keepsNames(compiled.busFactory.openBus), false)
  assert.equal(keepsNames(sources.kernel.openHub), true)
  // The diagnostics channel the first-token rows listen on is the same name in both builds.
  assert.equal(compiled.llm.LLM_FIRST_TOKEN_CHANNEL, sources.llm.LLM_FIRST_TOKEN_CHANNEL)
})
