// The machine's part: Node, the SQLite native module, the data directory and the port.
import { accessSync, constants, rmSync, statfsSync, statSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { dirname, join } from 'node:path'
import {
  DEFAULT_LOW_FREE_BYTES,
  DEFAULT_MIN_FREE_BYTES,
  type DoctorCheck,
  MINIMUM_NODE_VERSION,
} from './doctor-types.ts'

function versionParts(version: string): number[] {
  return version
    .replace(/^v/, '')
    .split('.')
    .map((part) => Number.parseInt(part, 10) || 0)
}

function atLeast(version: string, minimum: string): boolean {
  const have = versionParts(version)
  const need = versionParts(minimum)
  for (let index = 0; index < 3; index += 1) {
    if ((have[index] ?? 0) !== (need[index] ?? 0)) return (have[index] ?? 0) > (need[index] ?? 0)
  }
  return true
}

export function checkNode(version: string = process.versions.node): DoctorCheck {
  if (atLeast(version, MINIMUM_NODE_VERSION))
    return { id: 'node', status: 'ok', summary: `Node.js ${version}` }
  return {
    id: 'node',
    status: 'fail',
    summary: `Node.js ${version} is older than ${MINIMUM_NODE_VERSION}`,
    fix: 'install Node.js 20 LTS or newer (https://nodejs.org or your distribution’s nodejs package)',
  }
}

/** Which code this process runs: bin/localhub.js picks dist/ while it matches src/ (decision 1710). */
export function checkRuntime(moduleUrl: string = import.meta.url): DoctorCheck {
  if (moduleUrl.endsWith('.js'))
    return { id: 'runtime', status: 'ok', summary: 'compiled JavaScript (dist/)' }
  return {
    id: 'runtime',
    status: 'info',
    summary: 'TypeScript sources through tsx (dist/ is missing or older than src/)',
    fix: '`npm run build:server` (npm ci runs it) compiles dist/, which saves about 35 MB of memory',
  }
}

export async function checkSqlite(): Promise<DoctorCheck> {
  try {
    const { default: Database } = await import('better-sqlite3')
    const database = new Database(':memory:')
    try {
      const row = database.prepare('select sqlite_version() as version').get() as { version: string }
      return { id: 'sqlite', status: 'ok', summary: `better-sqlite3 loads (SQLite ${row.version})` }
    } finally {
      database.close()
    }
  } catch (error) {
    return {
      id: 'sqlite',
      status: 'fail',
      summary: `the better-sqlite3 native module does not load: ${(error as Error).message.split('\n')[0]}`,
      fix: 'rebuild it with `npm rebuild better-sqlite3` (needs a C++ toolchain: `sudo apt-get install build-essential python3`)',
    }
  }
}

function formatBytes(bytes: number): string {
  if (bytes >= 1024 ** 3) return `${(bytes / 1024 ** 3).toFixed(1)} GiB`
  return `${Math.round(bytes / 1024 ** 2)} MiB`
}

/** The folder itself when it exists, else its nearest existing parent (the one mkdir would write in). */
function nearestExisting(path: string): { path: string; isDirectory: boolean } {
  let current = path
  for (;;) {
    try {
      return { path: current, isDirectory: statSync(current).isDirectory() }
    } catch {
      const parent = dirname(current)
      if (parent === current) return { path: current, isDirectory: false }
      current = parent
    }
  }
}

/** Writes and removes a probe file: access() says yes to root even on a read-only mount. */
function probeWrite(dir: string): string | undefined {
  const probe = join(dir, `.localhub-doctor-${process.pid}`)
  try {
    writeFileSync(probe, '')
    rmSync(probe, { force: true })
    return undefined
  } catch (error) {
    return (error as NodeJS.ErrnoException).code ?? (error as Error).message
  }
}

export function checkDataDir(
  dataDir: string,
  limits: { minFreeBytes?: number; lowFreeBytes?: number } = {},
): DoctorCheck {
  const choose = 'pass --data DIR (or set LOCALHUB_DATA) to a folder you own'
  const existing = nearestExisting(dataDir)
  if (!existing.isDirectory) {
    return {
      id: 'data-dir',
      status: 'fail',
      summary:
        existing.path === dataDir
          ? `data dir ${dataDir} is a file, not a folder`
          : `data dir ${dataDir} cannot be created: ${existing.path} is not a folder`,
      fix: choose,
    }
  }
  const creating = existing.path !== dataDir
  if (creating) {
    try {
      accessSync(existing.path, constants.W_OK)
    } catch {
      return {
        id: 'data-dir',
        status: 'fail',
        summary: `data dir ${dataDir} cannot be created: ${existing.path} is not writable`,
        fix: choose,
      }
    }
  } else {
    const failure = probeWrite(dataDir)
    if (failure !== undefined) {
      return {
        id: 'data-dir',
        status: 'fail',
        summary: `data dir ${dataDir} is not writable (${failure})`,
        fix: `make it yours: \`chmod u+rwx ${dataDir}\` (or \`sudo chown -R $USER ${dataDir}\`), or ${choose}`,
      }
    }
  }
  let free: number | undefined
  try {
    const stats = statfsSync(existing.path)
    free = stats.bavail * stats.bsize
  } catch {
    free = undefined
  }
  const where = creating ? `data dir ${dataDir} (will be created)` : `data dir ${dataDir}`
  if (free === undefined) return { id: 'data-dir', status: 'ok', summary: `${where}, writable` }
  if (free < (limits.minFreeBytes ?? DEFAULT_MIN_FREE_BYTES)) {
    return {
      id: 'data-dir',
      status: 'fail',
      summary: `${where}: only ${formatBytes(free)} free`,
      fix: `free some space on that disk, or ${choose}`,
    }
  }
  if (free < (limits.lowFreeBytes ?? DEFAULT_LOW_FREE_BYTES)) {
    return {
      id: 'data-dir',
      status: 'warn',
      summary: `${where}: ${formatBytes(free)} free, low`,
      fix: 'free some space soon: the event log grows with every turn',
    }
  }
  return { id: 'data-dir', status: 'ok', summary: `${where}, writable, ${formatBytes(free)} free` }
}

/** Tries to listen where the hub would; EADDRINUSE means another program has the port. */
function tryListen(host: string, port: number): Promise<string | undefined> {
  return new Promise((resolve) => {
    const server = createServer()
    server.once('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message))
    server.listen({ host, port, exclusive: true }, () => server.close(() => resolve(undefined)))
  })
}

export async function checkPort(
  address: { host: string; port: number },
  hub: { url: string; self: boolean } | undefined,
): Promise<DoctorCheck> {
  const where = `${address.host}:${address.port}`
  if (address.port === 0) return { id: 'port', status: 'info', summary: 'port 0: the hub picks a free port' }
  if (hub !== undefined && new URL(hub.url).port === String(address.port)) {
    return {
      id: 'port',
      status: 'ok',
      summary: hub.self
        ? `${where}: this hub listens here`
        : `${where}: the hub of this data dir listens here`,
    }
  }
  const failure = await tryListen(address.host, address.port)
  if (failure === undefined) return { id: 'port', status: 'ok', summary: `${where} is free` }
  if (failure === 'EADDRINUSE') {
    return {
      id: 'port',
      status: 'fail',
      summary: `${where} is in use by another program`,
      fix: `stop it (\`ss -ltnp 'sport = :${address.port}'\` shows which) or pick another port: --port N or LOCALHUB_PORT`,
    }
  }
  return {
    id: 'port',
    status: 'fail',
    summary: `cannot listen on ${where} (${failure})`,
    fix: 'use a port above 1023 (--port N) and an address of this machine (--host 127.0.0.1)',
  }
}
