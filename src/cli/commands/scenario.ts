import { readFile } from 'node:fs/promises'
import { resolve } from 'node:path'
import type { HubServer } from '../../bus/index.ts'
import { fail, HubError, ok, toHubError } from '../../contracts/index.ts'
import { checkScenarioText, scenarioResolveBody } from '../../federation/index.ts'
import { formatIssue } from '../../manifest/index.ts'
import { parseArgs } from '../args.ts'
import { isHelpWord, printedHelp, verbUsage } from '../help.ts'
import { type CommandGroup, type CommandIo, guardCommand, UsageError, writeLine } from '../io.ts'
import { DATA_DIR_HELP, dataDirFor } from './data-dir.ts'
import { serverFor } from './events-bus-access.ts'

// Seed 001's scenario DSL from the terminal (docs/scenarios.md): check a scenario file the way the
// hub would, or ask the running hub to resolve a scenario (by name, or a file sent inline).

const USAGE = `usage: localhub scenario <validate|run> [options]

  localhub scenario validate FILE [--json]
      Checks a scenario file (YAML 1.2) against catalog/scenario.schema.json and the DSL's rules.
      Prints one line per defect (file:line:col path: problem — fix) and exits 1, or ok and exits 0.
  localhub scenario run NAME|FILE [--plan-id ID] [--session ID] [--json]
      Asks the running hub to resolve the scenario (POST /resolve): NAME is one the hub loaded
      (federation.scenarios in its manifest); a FILE ending in .yaml/.yml is sent inline.
      Prints each step with its agent, or the hub's refusal (exit 1).

  --data DIR  data directory of the running hub (${DATA_DIR_HELP})`

async function validate(file: string, json: boolean, io: CommandIo): Promise<number> {
  let text: string
  try {
    text = await readFile(resolve(io.cwd, file), 'utf8')
  } catch (cause) {
    const error = new HubError(
      'E_IO',
      `cannot read ${file}: ${(cause as NodeJS.ErrnoException).code ?? cause}`,
    )
    writeLine(json ? io.stdout : io.stderr, json ? JSON.stringify(fail(error)) : `${file}: ${error.message}`)
    return 1
  }
  const check = checkScenarioText(text)
  if (check.ok) {
    const summary = { file, scenario: check.scenario.scenario, steps: check.scenario.steps?.length ?? 0 }
    writeLine(
      io.stdout,
      json
        ? JSON.stringify(ok(summary))
        : `ok: ${file} (scenario ${summary.scenario}, ${summary.steps} steps)`,
    )
    return 0
  }
  if (json) {
    const error = new HubError(check.code, `${check.issues.length} problems`, {
      details: { issues: check.issues },
    })
    writeLine(io.stdout, JSON.stringify(fail(error)))
  } else for (const issue of check.issues) writeLine(io.stderr, formatIssue(issue, file))
  return 1
}

async function callResolve(server: HubServer, body: unknown): Promise<Record<string, unknown>> {
  let response: Response
  try {
    response = await fetch(new URL('/resolve', server.url), {
      method: 'POST',
      headers: { authorization: `Bearer ${server.token}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    })
  } catch (cause) {
    throw new HubError(
      'E_DEPENDENCY_UNAVAILABLE',
      `cannot reach the hub at ${server.url}: ${(cause as Error).message}`,
      { cause },
    )
  }
  const answer = (await response.json().catch(() => undefined)) as
    | { ok: true; data: Record<string, unknown> }
    | { ok: false; error: { code?: string; message?: string; details?: Record<string, unknown> } }
    | undefined
  if (answer?.ok === true) return answer.data
  const code = answer?.error?.code
  throw new HubError(
    typeof code === 'string' && code.startsWith('E_') ? (code as 'E_UNKNOWN') : 'E_UNKNOWN',
    answer?.error?.message ?? `the hub answered ${response.status}`,
    answer?.error?.details === undefined ? {} : { details: answer.error.details },
  )
}

async function runScenario(target: string, values: Record<string, unknown>, io: CommandIo): Promise<number> {
  const dataDir = dataDirFor(values.data as string | undefined, io)
  const server = serverFor(dataDir)
  if (server === undefined)
    throw new HubError(
      'E_DEPENDENCY_UNAVAILABLE',
      `no running hub found in ${dataDir}; start one with \`localhub serve --data ${dataDir}\``,
    )
  let scenario: unknown = target
  if (/\.ya?ml$/.test(target)) {
    const check = checkScenarioText(await readFile(resolve(io.cwd, target), 'utf8'))
    if (!check.ok) {
      for (const issue of check.issues) writeLine(io.stderr, formatIssue(issue, target))
      return 1
    }
    scenario = check.scenario
  }
  const body = scenarioResolveBody(scenario as string, {
    ...(values['plan-id'] === undefined ? {} : { planId: String(values['plan-id']) }),
    ...(values.session === undefined ? {} : { sessionId: String(values.session) }),
  })
  try {
    const data = await callResolve(server, body)
    if (values.json) {
      writeLine(io.stdout, JSON.stringify(ok(data)))
      return 0
    }
    writeLine(io.stdout, `plan ${String(data.planId)}`)
    for (const binding of (data.bindings ?? []) as Array<Record<string, unknown>>)
      writeLine(
        io.stdout,
        `  ${String(binding.stepId)} → ${String(binding.agent)} (${String(binding.capability)})`,
      )
    return 0
  } catch (error) {
    const failure = toHubError(error)
    if (values.json) writeLine(io.stdout, JSON.stringify(fail(failure)))
    else {
      writeLine(io.stderr, `localhub scenario run: ${failure.code}: ${failure.message}`)
      for (const issue of (failure.details?.issues ?? []) as Array<{ path: string; message: string }>)
        writeLine(io.stderr, `  ${issue.path || '/'}: ${issue.message}`)
    }
    return 1
  }
}

const execute: CommandGroup = async (args, io) => {
  const [verb, ...rest] = args
  const usageExit = verbUsage(isHelpWord(verb), verb, io, USAGE)
  if (usageExit !== undefined) return usageExit
  const { values, positionals } = parseArgs({
    args: rest,
    allowPositionals: true,
    options: {
      data: { type: 'string' },
      json: { type: 'boolean' },
      'plan-id': { type: 'string' },
      session: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  })
  if (printedHelp(values, io, USAGE)) return 0
  if (positionals.length !== 1)
    throw new UsageError(`scenario ${verb} takes one ${verb === 'run' ? 'name or file' : 'file'}`)
  const target = positionals[0] as string
  if (verb === 'validate') return validate(target, values.json === true, io)
  if (verb === 'run') return runScenario(target, values, io)
  throw new UsageError(`unknown verb '${verb}'`)
}

export const run: CommandGroup = guardCommand('scenario', USAGE, execute)
