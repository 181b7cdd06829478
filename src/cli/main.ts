import { type CommandGroup, type CommandIo, processIo, writeLine } from './io.ts'

// Each group lives in commands/<name>.ts and is loaded only when used, so `localhub --help`
// stays fast and one broken group cannot stop the others.
const GROUPS: Readonly<Record<string, string>> = Object.freeze({
  serve: 'start the kernel on localhost (embedded defaults)',
  doctor: 'check what the hub needs, one line each with a fix',
  service: 'install, uninstall or show the hub as a systemd user service',
  data: 'show where the data lives, move an old ./data there',
  chat: 'chat with the running hub from the terminal',
  attach: 'a terminal on the running hub over frames: chat, approvals, live events, resume',
  mcp: "the running hub's tools as an MCP server on stdin/stdout",
  models: 'pull (resumable, sha256-checked), list and remove model files',
  voice: 'a voice turn from a WAV file; speak or transcribe locally',
  listen: "stream this machine's microphone to the hub (wake word, Talk mode)",
  run: 'run a command; a failure becomes event.git.build_failed',
  timers: "list, add, remove and fire the running hub's timers",
  registry: 'lint, generate and scaffold the event catalog',
  events: 'validate, convert, publish, tail, replay and subscribe to events',
  manifest: 'validate a hub manifest',
  scenario: 'validate a scenario file; resolve a scenario on the running hub',
  nats: 'start, stop or configure a nats-server for the hub (up, down, status, config)',
  memory: 'list and forget episodic memory',
  rag: 'index documents and search them',
  approvals: 'list, approve and deny pending actions',
  grants: 'list and revoke standing grants',
  ledger: 'verify and show the audit ledger',
  tokens: 'create, list and revoke member tokens (principals)',
  pair: 'pair this device with a hub (seed 004), or approve and revoke pairings',
})

const USAGE = [
  'usage: localhub <command> [options]',
  '',
  ...Object.entries(GROUPS).map(([name, text]) => `  ${name.padEnd(10)} ${text}`),
  '',
  'Every command takes --data DIR (default $LOCALHUB_DATA, else $XDG_DATA_HOME/localhub or',
  '~/.local/share/localhub). `localhub <command> --help` for more.',
].join('\n')

export async function main(argv: string[], io: CommandIo = processIo()): Promise<number> {
  const [group, ...rest] = argv
  if (group === undefined || group === '--help' || group === '-h' || group === 'help') {
    writeLine(io.stdout, USAGE)
    return group === undefined ? 2 : 0
  }
  if (group === '--version') {
    writeLine(io.stdout, '0.1.0')
    return 0
  }
  if (!Object.hasOwn(GROUPS, group)) {
    writeLine(io.stderr, `localhub: unknown command '${group}'\n\n${USAGE}`)
    return 2
  }
  const module = (await import(`./commands/${group}.ts`)) as { run: CommandGroup }
  return module.run(rest, io)
}
