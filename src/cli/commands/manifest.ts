import { resolve } from 'node:path'
import { fail, HubError, ok, toHubError } from '../../contracts/index.ts'
import { checkHubManifest } from '../../kernel/index.ts'
import {
  DEFAULT_REGISTRY_YAML_PATH,
  formatIssue,
  loadManifest,
  type ManifestIssue,
  readKnownTypes,
} from '../../manifest/index.ts'
import { type CommandGroup, type CommandIo, writeLine } from '../io.ts'

const USAGE = [
  'usage: localhub manifest validate <file> [--json] [--catalog <registry.yaml> | --no-catalog]',
  '',
  '  Validates a hub manifest (YAML 1.2) against catalog/hub-manifest.schema.json and checks that',
  '  every provides/consumes/emit/recv/on names a type of the catalog. Prints one line per defect',
  '  (file:line:col path: problem — fix) and exits 1, or prints ok and exits 0.',
  '',
  '  --json          print a result envelope instead',
  '  --catalog FILE  catalog index to take type names from (default: the package catalog)',
  '  --no-catalog    skip the catalog type check',
].join('\n')

interface ValidateArgs {
  file: string
  json: boolean
  catalog: string | undefined
  useCatalog: boolean
}

function parseArgs(args: string[]): ValidateArgs | string {
  const parsed: ValidateArgs = { file: '', json: false, catalog: undefined, useCatalog: true }
  const files: string[] = []
  for (let index = 0; index < args.length; index++) {
    const arg = args[index]!
    if (arg === '--json') parsed.json = true
    else if (arg === '--no-catalog') parsed.useCatalog = false
    else if (arg === '--catalog') {
      const value = args[++index]
      if (value === undefined) return '--catalog needs a file'
      parsed.catalog = value
    } else if (arg.startsWith('-')) return `unknown option ${arg}`
    else files.push(arg)
  }
  if (files.length !== 1) return files.length === 0 ? 'name the manifest file' : 'validate takes one file'
  parsed.file = files[0]!
  return parsed
}

function knownTypesFor(args: ValidateArgs, io: CommandIo): ReadonlySet<string> | undefined {
  if (!args.useCatalog) return undefined
  if (args.catalog !== undefined) return readKnownTypes(resolve(io.cwd, args.catalog))
  try {
    return readKnownTypes(DEFAULT_REGISTRY_YAML_PATH)
  } catch (error) {
    // The package's own catalog should always be there; say so, but still check the structure.
    writeLine(io.stderr, `warning: ${toHubError(error).message}; catalog types not checked`)
    return undefined
  }
}

async function validate(args: ValidateArgs, io: CommandIo): Promise<number> {
  try {
    const knownTypes = knownTypesFor(args, io)
    const path = resolve(io.cwd, args.file)
    // With the package's catalog, check what the skill modules require too, as `serve` would.
    const manifest =
      knownTypes !== undefined && args.catalog === undefined
        ? await checkHubManifest(path)
        : await loadManifest(path, knownTypes === undefined ? {} : { knownTypes })
    const summary = {
      file: args.file,
      skills: manifest.skills.length,
      pipelines: manifest.pipelines.length,
      catalogChecked: knownTypes !== undefined,
    }
    if (args.json) writeLine(io.stdout, JSON.stringify(ok(summary)))
    else writeLine(io.stdout, `ok: ${args.file} (${summary.skills} skills, ${summary.pipelines} pipelines)`)
    return 0
  } catch (error) {
    const hubError = error instanceof HubError ? error : toHubError(error)
    if (args.json) {
      writeLine(io.stdout, JSON.stringify(fail(hubError)))
      return 1
    }
    const issues = (hubError.details?.issues ?? []) as ManifestIssue[]
    if (issues.length === 0 || issues.some((issue) => typeof issue.line !== 'number')) {
      writeLine(io.stderr, `${args.file}: ${hubError.message}`)
    } else {
      for (const issue of issues) writeLine(io.stderr, formatIssue(issue, args.file))
    }
    return 1
  }
}

export const run: CommandGroup = async (args, io) => {
  const [verb, ...rest] = args
  if (verb === '--help' || verb === '-h' || verb === 'help') {
    writeLine(io.stdout, USAGE)
    return 0
  }
  if (verb !== 'validate') {
    writeLine(io.stderr, verb === undefined ? USAGE : `localhub manifest: unknown verb '${verb}'\n\n${USAGE}`)
    return 2
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    writeLine(io.stdout, USAGE)
    return 0
  }
  const parsed = parseArgs(rest)
  if (typeof parsed === 'string') {
    writeLine(io.stderr, `localhub manifest validate: ${parsed}\n\n${USAGE}`)
    return 2
  }
  return validate(parsed, io)
}
