// Shared by the manifest-keys-*.test.ts suites: a hub opened on the default manifest with one
// key changed, and the helpers that observe the effect.
import assert from 'node:assert/strict'
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { parse, stringify } from 'yaml'
import type { Envelope } from '../../src/contracts/index.ts'
import { DEFAULT_MANIFEST_PATH, type HubOptions, openHub, type RunningHub } from '../../src/kernel/index.ts'
import { makeTempDir } from '../kit/temp-dir.ts'

// biome-ignore lint/suspicious/noExplicitAny: the manifest is raw YAML edited in place; answers are read field by field
export type Json = any

export const DAY = 24 * 60 * 60 * 1000

export interface TestContext {
  after(fn: () => unknown): void
}

export interface Setup {
  dir: string
  workspace: string
  dataDir: string
}

/** A temp folder with a workspace and a data directory, removed after the test. */
export function setUp(t: TestContext): Setup {
  const temp = makeTempDir('localhub-manifest-keys-')
  t.after(() => temp.remove())
  const workspace = join(temp.path, 'workspace')
  mkdirSync(workspace)
  writeFileSync(join(workspace, 'notes.md'), 'first line\n')
  return { dir: temp.path, workspace, dataDir: join(temp.path, 'data') }
}

/** The default manifest pointed at the test workspace, changed by `edit`. */
export function writeManifest(setup: Setup, edit: (manifest: Json) => void): string {
  const manifest = parse(readFileSync(DEFAULT_MANIFEST_PATH, 'utf8')) as Json
  manifest.workspace.roots = [{ name: 'workspace', path: setup.workspace, access: 'read_write' }]
  edit(manifest)
  const path = join(setup.dir, 'manifest.yaml')
  writeFileSync(path, stringify(manifest))
  return path
}

export async function startHub(
  t: TestContext,
  setup: Setup,
  edit: (manifest: Json) => void,
  options: HubOptions = {},
): Promise<RunningHub> {
  const hub = await openHub({
    dataDir: setup.dataDir,
    manifestPath: writeManifest(setup, edit),
    port: 0,
    logger: false,
    ...options,
  })
  t.after(() => hub.close())
  return hub
}

/** Opening the hub fails with E_VALIDATION and an issue at `path` whose problem matches. */
export async function refused(t: TestContext, edit: (manifest: Json) => void, path: string, problem: RegExp) {
  const setup = setUp(t)
  await assert.rejects(
    openHub({ dataDir: setup.dataDir, manifestPath: writeManifest(setup, edit), port: 0, logger: false }),
    (error: Json) => {
      assert.equal(error.code, 'E_VALIDATION')
      const issue = error.details.issues.find((candidate: Json) => candidate.path === path)
      assert.ok(issue, `an issue at ${path}: ${JSON.stringify(error.details.issues)}`)
      assert.match(issue.problem, problem)
      assert.ok(issue.line > 0 && issue.fix.length > 0, 'the issue has a line and a fix')
      return true
    },
  )
}

/** The JSON pointer of a default-manifest skill, by id (indices move as the manifest changes). */
export function skillPath(id: string, rest: string): string {
  const manifest = parse(readFileSync(DEFAULT_MANIFEST_PATH, 'utf8')) as Json
  const index = manifest.skills.findIndex((candidate: Json) => candidate.id === id)
  assert.ok(index >= 0, id)
  return `/skills/${index}${rest}`
}

/** How many entries a list of the default manifest has (where a pushed entry lands). */
export function lengthOf(read: (manifest: Json) => unknown[]): number {
  return read(parse(readFileSync(DEFAULT_MANIFEST_PATH, 'utf8')) as Json).length
}

export function skill(manifest: Json, id: string): Json {
  const found = manifest.skills.find((candidate: Json) => candidate.id === id)
  assert.ok(found, id)
  return found
}

export async function call(hub: RunningHub, method: string, path: string, body?: unknown) {
  const response = await fetch(`${hub.url}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${hub.token}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  })
  return { status: response.status, body: (await response.json()) as Json }
}

export async function events(hub: RunningHub, filter: string): Promise<Envelope[]> {
  const answer = await call(hub, 'GET', `/events?filter=${encodeURIComponent(filter)}&limit=1000`)
  assert.equal(answer.body.ok, true, JSON.stringify(answer.body))
  return answer.body.data as Envelope[]
}

export const FS_WRITE = 'skill.action.opencode.fs_write'
