// Ports for tests that must name a port before anything listens on it.
import { readFileSync } from 'node:fs'
import { createServer } from 'node:net'

/**
 * A free loopback port below the kernel's ephemeral range (where port 0 never lands): a test can
 * leave it unused for a while (a peer that is "not up yet") without another test's server being
 * given it meanwhile.
 */
export async function freePortBelowEphemeralRange(): Promise<number> {
  const [low] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number)
  const top = (low ?? 32_768) - 1_000
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = top - Math.floor(Math.random() * 10_000)
    const probe = createServer()
    const bound = await new Promise<boolean>((resolve) => {
      probe.once('error', () => resolve(false))
      probe.listen(port, '127.0.0.1', () => resolve(true))
    })
    if (!bound) continue
    await new Promise<void>((resolve) => probe.close(() => resolve()))
    return port
  }
  throw new Error('no free port below the ephemeral range')
}
