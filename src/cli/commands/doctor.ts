import { toHubError } from '../../contracts/index.ts'
import {
  checkHubManifest,
  DEFAULT_MANIFEST_PATH,
  type DoctorCheck,
  type DoctorReport,
  runDoctor,
} from '../../kernel/index.ts'
import { type HubManifest, serverAddressOf } from '../../manifest/index.ts'
import type { LlmConfigInput } from '../../skills/llm/index.ts'
import { parseArgs } from '../args.ts'
import { printedHelp } from '../help.ts'
import { type CommandGroup, type CommandIo, guardCommand, UsageError, writeLine } from '../io.ts'
import { wholeNumberFlag } from '../number-flag.ts'
import { DATA_DIR_HELP, dataDirFor } from './data-dir.ts'

const USAGE = `usage: localhub doctor [options]

Checks what the hub needs, one line each with a fix: Node.js, the SQLite module, the data dir,
the port, the model server and model, speech tools and NATS when the manifest uses them, the
workspace roots. Exits 1 when something the manifest enables cannot work.

  --data DIR          data directory (${DATA_DIR_HELP})
  --manifest FILE     hub manifest (default manifests/default.yaml)
  --host HOST         address the hub would bind
  --port PORT         port the hub would listen on
  --ollama-host URL   Ollama server, as for serve
  --llm-provider P    ollama | openai | llamacpp
  --model NAME        model name
  --gguf FILE         GGUF model file
  --json              print the report as JSON`

const MARKS: Readonly<Record<DoctorCheck['status'], string>> = {
  ok: 'ok  ',
  info: 'info',
  warn: 'warn',
  fail: 'FAIL',
}

export function formatCheck(check: DoctorCheck): string {
  return `[${MARKS[check.status]}] ${check.id}: ${check.summary}${check.fix === undefined ? '' : ` — fix: ${check.fix}`}`
}

function llmFlagsOf(values: Record<string, string | boolean | undefined>): LlmConfigInput {
  const provider = values['llm-provider'] as string | undefined
  if (provider !== undefined && !['ollama', 'openai', 'llamacpp'].includes(provider))
    throw new UsageError('--llm-provider must be ollama, openai or llamacpp')
  return {
    ...(provider === undefined ? {} : { provider: provider as 'ollama' | 'openai' | 'llamacpp' }),
    ...(values['ollama-host'] === undefined ? {} : { baseUrl: String(values['ollama-host']) }),
    ...(values.model === undefined ? {} : { model: String(values.model) }),
    ...(values.gguf === undefined ? {} : { ggufPath: String(values.gguf) }),
  }
}

function portOf(value: string | boolean | undefined): number | undefined {
  if (value === undefined) return undefined
  return wholeNumberFlag(String(value), '--port', { min: 0, max: 65535 })
}

async function loadManifest(path: string): Promise<{ manifest?: HubManifest; check: DoctorCheck }> {
  try {
    const manifest = await checkHubManifest(path)
    return { manifest, check: { id: 'manifest', status: 'ok', summary: `manifest ${path}` } }
  } catch (error) {
    const failure = toHubError(error)
    const issue = failure.details?.issues?.[0]
    return {
      check: {
        id: 'manifest',
        status: 'fail',
        summary: `manifest ${path}: ${issue === undefined ? failure.message : `${issue.path || '/'}: ${issue.message}`}`,
        fix: `\`localhub manifest validate ${path}\` lists every problem with its fix`,
      },
    }
  }
}

/** Runs the doctor as `localhub serve` with the same options would run the hub. */
export async function doctorReport(
  values: Record<string, string | boolean | undefined>,
  io: CommandIo,
): Promise<{ dataDir: string; report: DoctorReport }> {
  const llmFlags = llmFlagsOf(values)
  const port = portOf(values.port)
  const dataDir = dataDirFor(values.data as string | undefined, io)
  const manifestPath = (values.manifest as string | undefined) ?? DEFAULT_MANIFEST_PATH
  const loaded = await loadManifest(manifestPath)
  const address = serverAddressOf(loaded.manifest ?? {}, {
    flags: {
      ...(values.host === undefined ? {} : { host: String(values.host) }),
      ...(port === undefined ? {} : { port }),
    },
    env: io.env,
  })
  const report = await runDoctor({
    manifest: loaded.manifest,
    dataDir,
    env: io.env,
    address: { host: address.host, port: address.port },
    llmFlags,
    leading: [loaded.check],
  })
  return { dataDir, report }
}

export const run: CommandGroup = guardCommand('doctor', USAGE, async (args, io) => {
  const { values } = parseArgs({
    args,
    options: {
      data: { type: 'string' },
      manifest: { type: 'string' },
      host: { type: 'string' },
      port: { type: 'string' },
      'ollama-host': { type: 'string' },
      'llm-provider': { type: 'string' },
      model: { type: 'string' },
      gguf: { type: 'string' },
      json: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
    allowPositionals: false,
  })
  if (printedHelp(values, io, USAGE)) return 0
  const { dataDir, report } = await doctorReport(values, io)
  if (values.json) writeLine(io.stdout, JSON.stringify({ ...report, dataDir }))
  else {
    for (const check of report.checks) writeLine(io.stdout, formatCheck(check))
    writeLine(
      io.stdout,
      report.ok
        ? 'Everything the manifest enables can work.'
        : 'Something the manifest enables cannot work: see the FAIL lines.',
    )
  }
  return report.ok ? 0 : 1
})
