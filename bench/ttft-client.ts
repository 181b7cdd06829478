// The client side of the TTFT benchmarks (bench/kernel-chat.bench.ts, bench/ttft-isolated.ts): one
// streaming request timed to its first marked line, and the hub's own timing read from its answer.
import { request } from 'node:http'

export interface Answer {
  /** Client-side time to the first line carrying `marker`, ms. */
  firstMs: number
  text: string
}

/** One request; resolves when the response has ended, so rounds never overlap. */
export function timeToFirstLine(
  url: string,
  path: string,
  body: unknown,
  headers: Record<string, string>,
  marker: string,
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint()
    let firstMs: number | undefined
    const req = request(
      new URL(path, url),
      { method: 'POST', headers: { 'content-type': 'application/json', ...headers } },
      (res) => {
        let text = ''
        res.setEncoding('utf8')
        res.on('data', (chunk: string) => {
          text += chunk
          if (firstMs === undefined && text.includes(marker))
            firstMs = Number(process.hrtime.bigint() - started) / 1e6
        })
        res.on('end', () => {
          if (firstMs === undefined) reject(new Error(`no ${marker} in ${text.slice(0, 300)}`))
          else resolve({ firstMs, text })
        })
      },
    )
    req.on('error', reject)
    req.end(JSON.stringify(body))
  })
}

/** The hub's own share, from the SSE comment POST /chat writes after the answer (decision 1747). */
export function kernelTimingOf(text: string) {
  const match =
    /^: kernel-ms before-model=([\d.]+) after-first-token=([\d.]+) cpu-before-model=([\d.]+) cpu-after-first-token=([\d.]+)$/m.exec(
      text,
    )
  if (match === null) throw new Error(`no kernel-ms comment in ${text.slice(-300)}`)
  return {
    beforeModelMs: Number(match[1]),
    afterFirstTokenMs: Number(match[2]),
    cpuMs: Number(match[3]) + Number(match[4]),
  }
}
