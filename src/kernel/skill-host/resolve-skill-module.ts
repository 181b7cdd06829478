import { existsSync } from 'node:fs'
import { isAbsolute, join, resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import { HubError } from '../../contracts/index.ts'
import type { Skill } from '../../manifest/index.ts'
import { isSkillModule, type SkillModule } from '../../skill-api/index.ts'
import { createHttpSkill } from './http-skill.ts'
import { natsSkillModule } from './nats-skill-module.ts'
import { stdioSkillModule } from './stdio-skill-module.ts'

/** Where a skill's implementation comes from, or why there is none here. */
export type ResolvedSkill =
  | { kind: 'module'; skill: Skill; module: SkillModule; source: string }
  | { kind: 'disabled'; skill: Skill }
  | { kind: 'unavailable'; skill: Skill; reason: string }

/** Transports whose skill hosts arrive with later work; the reason says so instead of failing. */
const LATER_TRANSPORTS: Readonly<Record<string, string>> = {
  ws: 'skills over a WebSocket transport are not hosted yet',
}

/** The module name of an inproc skill: `transport.module`, else the second part of its id (`skill.llm` → llm). */
export function moduleNameOf(skill: Skill): string | undefined {
  return skill.transport?.module ?? skill.id.split('.')[1]
}

function isPath(name: string): boolean {
  return name.startsWith('./') || name.startsWith('../') || isAbsolute(name) || name.startsWith('file:')
}

// Built-ins are .js files when the hub runs compiled (dist/), .ts files when it runs the sources.
const RUNS_COMPILED = import.meta.url.endsWith('.js')
const BUILTIN_EXTENSION = RUNS_COMPILED ? '.js' : '.ts'
const TYPESCRIPT_FILE = /\.(?:m|c)?ts$/
let typescriptLoader: Promise<void> | undefined

async function importFile(file: string): Promise<Record<string, unknown>> {
  const href = file.startsWith('file:') ? file : pathToFileURL(file).href
  // A compiled hub has no TypeScript loader until a user's .ts module asks for one (registered
  // before the import: Node remembers a failed import of a URL).
  if (RUNS_COMPILED && TYPESCRIPT_FILE.test(href)) {
    typescriptLoader ??= import('tsx/esm/api').then(({ register }) => {
      register()
    })
    await typescriptLoader
  }
  return (await import(href)) as Record<string, unknown>
}

/** The failure of an ES module read as CommonJS: a .ts file outside a `"type": "module"` package. */
function readAsCommonJs(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code
  return (
    code === 'ERR_REQUIRE_CYCLE_MODULE' ||
    code === 'ERR_REQUIRE_ESM' ||
    code === 'ERR_REQUIRE_ASYNC_MODULE' ||
    /require\(\) ES Module/.test(String((error as Error | null)?.message))
  )
}

async function importModule(file: string, name: string): Promise<SkillModule> {
  let loaded: Record<string, unknown>
  try {
    loaded = await importFile(file)
  } catch (cause) {
    // tsx reads such a file as CommonJS, and its `import` of ES modules then fails; tsx's
    // tsImport only sometimes gets around it (it depends on tsx's transform cache), so the fix is
    // the user's, said here.
    const fix =
      /\.ts$/.test(file) && readAsCommonJs(cause)
        ? ' — a .ts file outside a package with "type": "module" is read as CommonJS: name it .mts, or put a package.json holding {"type": "module"} in its folder'
        : ''
    throw new HubError(
      'E_DEPENDENCY_UNAVAILABLE',
      `skill module ${name} could not be loaded: ${(cause as Error).message}${fix}`,
      {
        cause,
      },
    )
  }
  const candidate = loaded.skillModule ?? loaded.default
  if (!isSkillModule(candidate)) {
    throw new HubError(
      'E_VALIDATION',
      `${file} exports no skill module: export \`skillModule\` (or a default export) with a name and open(context)`,
    )
  }
  return candidate
}

export interface ResolveOptions {
  /** Folder of the built-in skills: `<dir>/<name>/index.ts` (`index.js` when compiled). */
  builtinDirectory: string
  /** Relative module paths resolve against the manifest's folder. */
  manifestDirectory: string
}

/** Finds the implementation of one manifest skill. Never throws for a skill this hub cannot run. */
export async function resolveSkillModule(skill: Skill, options: ResolveOptions): Promise<ResolvedSkill> {
  if (skill.enabled === false) return { kind: 'disabled', skill }
  const transport = skill.transport?.type ?? 'inproc'
  if (transport === 'http') {
    if (skill.transport?.base === undefined)
      return { kind: 'unavailable', skill, reason: 'an http skill needs transport.base' }
    const url = new URL(skill.transport.endpoint ?? '', skill.transport.base).toString()
    return { kind: 'module', skill, module: httpSkillModule(url, skill.transport.timeoutMs), source: url }
  }
  if (transport === 'stdio') {
    if (skill.transport?.command === undefined)
      return { kind: 'unavailable', skill, reason: 'a stdio skill needs transport.command' }
    return {
      kind: 'module',
      skill,
      module: stdioSkillModule({ manifestDirectory: options.manifestDirectory }),
      source: `stdio ${skill.transport.command}`,
    }
  }
  if (transport === 'nats') {
    if (skill.transport?.subject === undefined)
      return { kind: 'unavailable', skill, reason: 'a nats skill needs transport.subject' }
    return {
      kind: 'module',
      skill,
      module: natsSkillModule({ manifestDirectory: options.manifestDirectory }),
      source: `nats ${skill.transport.subject}`,
    }
  }
  if (transport !== 'inproc') {
    return {
      kind: 'unavailable',
      skill,
      reason: LATER_TRANSPORTS[transport] ?? `transport ${transport} is unknown`,
    }
  }
  const name = moduleNameOf(skill)
  if (name === undefined || name === '')
    return { kind: 'unavailable', skill, reason: 'an inproc skill needs transport.module' }
  if (isPath(name)) {
    const file = name.startsWith('file:') ? name : resolve(options.manifestDirectory, name)
    return { kind: 'module', skill, module: await importModule(file, name), source: file }
  }
  if (!/^[a-z][a-z0-9-]*$/.test(name))
    return {
      kind: 'unavailable',
      skill,
      reason: `module ${JSON.stringify(name)} is neither a built-in name nor a path`,
    }
  const file = join(options.builtinDirectory, name, `index${BUILTIN_EXTENSION}`)
  if (!existsSync(file)) {
    return {
      kind: 'unavailable',
      skill,
      reason: `this hub has no built-in skill module "${name}" (no ${name}/index${BUILTIN_EXTENSION} among the built-in skills)`,
    }
  }
  const module = await importModule(file, name)
  return { kind: 'module', skill, module, source: `built-in ${name}` }
}

function httpSkillModule(url: string, timeoutMs: number | undefined): SkillModule {
  return {
    name: 'http',
    open(context) {
      const runtime = createHttpSkill({
        id: context.skill.id,
        url,
        ...(timeoutMs === undefined ? {} : { timeoutMs }),
      })
      return { runtime: { status: runtime.status, invoke: runtime.invoke } }
    },
  }
}
