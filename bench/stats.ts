// Small statistics helpers shared by the benchmarks: medians and percentiles over samples.

export function percentile(samples: readonly number[], fraction: number): number {
  if (samples.length === 0) return Number.NaN
  const sorted = [...samples].sort((a, b) => a - b)
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil(fraction * sorted.length) - 1))
  return sorted[index]!
}

export function median(samples: readonly number[]): number {
  return percentile(samples, 0.5)
}

export interface BenchLine {
  bench: string
  unit: string
  median: number
  [extra: string]: unknown
}

export function report(line: BenchLine): void {
  process.stdout.write(`${JSON.stringify(line)}\n`)
}

/** Runs `body` `rounds` times and returns the operations per second of each round. */
export function opsPerSecond(rounds: number, operations: number, body: () => void): number[] {
  const rates: number[] = []
  for (let round = 0; round < rounds; round++) {
    const start = process.hrtime.bigint()
    body()
    const seconds = Number(process.hrtime.bigint() - start) / 1e9
    rates.push(operations / seconds)
  }
  return rates
}
