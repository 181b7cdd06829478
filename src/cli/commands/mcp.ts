import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { runMcpStdioBridge } from '../../compat/index.ts'
import { AUTH_TOKEN_FILE, findRunningServer, HUB_VERSION, TOKEN_ENV_VARIABLE } from '../../kernel/index.ts'
import { parseArgs } from '../args.ts'
import { printedHelp } from '../help.ts'
import { type CommandGroup, type CommandIo, writeLine } from '../io.ts'
import { DATA_DIR_HELP, dataDirFor } from './data-dir.ts'

const USAGE = `usage: localhub mcp [options]

An MCP server on stdin/stdout for MCP clients that start servers as commands (Claude Desktop,
editors). It relays to the running hub's /mcp (start it with \`localhub serve\`): the hub's file tools
with their tiers; a write waits for your approval in the dashboard. Logs go to stderr only.

  --data DIR       data directory of the running hub (${DATA_DIR_HELP})
  --url URL        the hub's URL instead of the one recorded in the data directory`

export const run: CommandGroup = async (argv, io: CommandIo) => {
  let values: { data?: string; url?: string; help?: boolean }
  try {
    values = parseArgs({
      args: argv,
      options: { data: { type: 'string' }, url: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
      strict: true,
    }).values
  } catch (error) {
    writeLine(io.stderr, `localhub mcp: ${(error as Error).message}\n\n${USAGE}`)
    return 2
  }
  if (printedHelp(values, io, USAGE)) return 0
  const dataDir = dataDirFor(values.data, io)
  let url = values.url
  if (url === undefined) {
    const running = await findRunningServer(dataDir)
    if (running === undefined) {
      writeLine(
        io.stderr,
        `localhub mcp: no running hub in ${dataDir}; start one with \`localhub serve\` or pass --url`,
      )
      return 1
    }
    url = running.url
  }
  let token = io.env[TOKEN_ENV_VARIABLE]
  if (token === undefined) {
    try {
      token = readFileSync(join(dataDir, AUTH_TOKEN_FILE), 'utf8').trim()
    } catch {
      writeLine(
        io.stderr,
        `localhub mcp: cannot read ${join(dataDir, AUTH_TOKEN_FILE)}; set ${TOKEN_ENV_VARIABLE}`,
      )
      return 1
    }
  }
  try {
    await runMcpStdioBridge({ url, token, version: HUB_VERSION, stdin: io.stdin, stdout: io.stdout })
    return 0
  } catch (error) {
    writeLine(io.stderr, `localhub mcp: ${(error as Error).message}`)
    return 1
  }
}
