// The Python skill host (python/localhub_skill) through the hub's stdio skill host: round trip of
// one small call (p50/p99, sequential) and calls per second with 64 in flight, against a raw
// JSON-lines echo child in Python (the floor of a pipe round trip to a Python process) and the
// TypeScript example host, alternated in each round. One JSON line per result.
import { measureAndReport, rawEchoChild, stdioSkill, TS_EXAMPLE_HOST_ARGS } from './echo-targets.ts'
import { median, percentile, report } from './stats.ts'

const WARMUP = 200
const SEQUENTIAL = 2_000
const PIPELINED = 10_000
const WINDOW = 64
const ROUNDS = 3

// The baseline: a Python process that reads a line and writes it back, nothing else.
const PYTHON_ECHO = 'import sys\nfor line in sys.stdin:\n    sys.stdout.write(line)\n    sys.stdout.flush()\n'

async function main(): Promise<void> {
  const { latency, rates } = await measureAndReport(
    'python_skill',
    {
      raw_python_echo: rawEchoChild('python3', ['-u', '-c', PYTHON_ECHO]),
      python_skill: await stdioSkill('python3', ['manifests/examples/python-skill/echo_skill.py']),
      typescript_skill: await stdioSkill(process.execPath, [...TS_EXAMPLE_HOST_ARGS]),
    },
    { rounds: ROUNDS, warmup: WARMUP, sequential: SEQUENTIAL, pipelined: PIPELINED, window: WINDOW },
  )
  report({
    bench: 'python_skill.ratio_to_raw_python_echo',
    unit: 'x',
    median: median(latency.python_skill!) / median(latency.raw_python_echo!),
    p99_ratio: percentile(latency.python_skill!, 0.99) / percentile(latency.raw_python_echo!, 0.99),
    throughput_ratio: median(rates.python_skill!) / median(rates.raw_python_echo!),
    python_vs_typescript_median: median(latency.python_skill!) / median(latency.typescript_skill!),
  })
}

await main()
