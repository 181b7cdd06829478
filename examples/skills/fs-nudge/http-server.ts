// The same skill out of process: a tiny HTTP server that speaks the kernel's http skill protocol
// (docs/kernel-skills.md). Run it with `node --import tsx http-server.ts PORT`.
import { createServer, type Server } from 'node:http'

export function startFsNudgeServer(port = 0, extensions = ['.md', '.txt']): Promise<Server> {
  const server = createServer((request, response) => {
    let body = ''
    request.setEncoding('utf8')
    request.on('data', (chunk: string) => {
      body += chunk
    })
    request.on('end', () => {
      const step = JSON.parse(body) as { signal: { payload: { path: string; kind: string } } | null }
      const change = step.signal?.payload
      response.writeHead(200, { 'content-type': 'application/x-ndjson' })
      if (change !== undefined && extensions.some((extension) => change.path.endsWith(extension))) {
        const proposal = {
          type: 'nudge.proposal',
          payload: {
            title: `${change.path} changed`,
            reason: 'a watched file changed',
            severity: 'low',
            channel: 'dashboard_only',
          },
        }
        response.write(`${JSON.stringify(proposal)}\n`)
      }
      response.end()
    })
  })
  return new Promise((resolve) => server.listen(port, '127.0.0.1', () => resolve(server)))
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const server = await startFsNudgeServer(Number(process.argv[2] ?? 8091))
  process.stdout.write(`fs-nudge skill on ${JSON.stringify(server.address())}\n`)
}
