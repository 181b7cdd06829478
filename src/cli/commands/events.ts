import { isHelpWord } from '../help.ts'
import { type CommandGroup, writeLine } from '../io.ts'

// `localhub events <verb>`: each verb in its own file (events-<verb>.ts), loaded on use.
const VERBS: Readonly<Record<string, string>> = Object.freeze({
  validate: 'validate envelopes (JSON or NDJSON, any dialect); one result envelope per event',
  convert: 'convert envelopes between dialects',
  publish: 'publish NDJSON envelopes; one receipt {"id","seq"} per line as each commits',
  tail: 'follow new events live',
  replay: 'read events back from the log',
  subscribe: 'durable subscription; --exec CMD runs per event (exit 0 acks)',
  topics: 'event types with counts and last seen',
  dlq: 'dead-letter queue: list | retry | purge',
  compact: 'run retention now: batches, referenced traces kept, space given back',
  export: 'write a slice of the log (--trace, --session, --since…) as NDJSON',
  import: 'publish an exported NDJSON file back (validated, ids deduped)',
  migrate: "copy this hub's SQLite log into its NATS stream (--to nats://…; seqs kept, resumable)",
})

export const run: CommandGroup = async (args, io) => {
  const [verb, ...rest] = args
  if (verb === undefined || isHelpWord(verb) || !Object.hasOwn(VERBS, verb)) {
    const usage = Object.entries(VERBS).map(([name, text]) => `  ${name.padEnd(10)} ${text}`)
    const unknown =
      verb === undefined || isHelpWord(verb) ? [] : [`localhub events: unknown verb '${verb}'`, '']
    writeLine(
      isHelpWord(verb) ? io.stdout : io.stderr,
      [...unknown, 'usage: localhub events <verb> [options]', '', ...usage].join('\n'),
    )
    return isHelpWord(verb) ? 0 : 2
  }
  const module = (await import(`./events-${verb}.ts`)) as { run: CommandGroup }
  return module.run(rest, io)
}
