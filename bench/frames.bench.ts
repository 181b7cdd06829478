// Skills over stdio frames (docs/frame-protocol.md). (1) Round trip of one small call through the
// hub's stdio host (frame connection + session, JSON-lines over pipes) to the example skill
// (examples/skills/frames-echo, the localhub/skill SDK): p50/p99 of sequential calls. (2) Calls per
// second (2 frames each) with 64 in flight. Both against a raw JSON-lines echo child process in the
// same run (no schema, no numbering: the floor of a pipe round trip). Prints one JSON line per result.
import { measureAndReport, rawEchoChild, stdioSkill, TS_EXAMPLE_HOST_ARGS } from './echo-targets.ts'
import { median, percentile, report } from './stats.ts'

const WARMUP = 300
const SEQUENTIAL = 3_000
const PIPELINED = 20_000
const WINDOW = 64
const ROUNDS = 3

// The baseline child: reads a line, writes it back. Nothing else.
const ECHO_CHILD = `const rl = require('node:readline').createInterface({ input: process.stdin });
rl.on('line', (line) => process.stdout.write(line + '\\n'));`

async function main(): Promise<void> {
  const { latency, rates } = await measureAndReport(
    'frames',
    {
      raw_jsonl_echo: rawEchoChild(process.execPath, ['-e', ECHO_CHILD]),
      stdio_skill: await stdioSkill(process.execPath, [...TS_EXAMPLE_HOST_ARGS]),
    },
    {
      rounds: ROUNDS,
      warmup: WARMUP,
      sequential: SEQUENTIAL,
      pipelined: PIPELINED,
      window: WINDOW,
      framesPerCall: 2,
    },
  )
  report({
    bench: 'frames.ratio',
    unit: 'x',
    median: median(latency.stdio_skill!) / median(latency.raw_jsonl_echo!),
    p99_ratio: percentile(latency.stdio_skill!, 0.99) / percentile(latency.raw_jsonl_echo!, 0.99),
    throughput_ratio: median(rates.stdio_skill!) / median(rates.raw_jsonl_echo!),
  })
}

await main()
