import { openHub } from './src/kernel/index.ts'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
const dir = mkdtempSync(join(tmpdir(), 'smoke-'))
const hub = await openHub({ dataDir: dir, port: 0, transport: 'memory', logger: false })
const health = await fetch(`${hub.url}/health`, { headers: { authorization: `Bearer ${hub.token}` } })
console.log(JSON.stringify(await health.json(), null, 1).slice(0, 2500))
await hub.close()
