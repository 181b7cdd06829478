// Reads a host the way Ollama's own OLLAMA_HOST does: "host", "host:port", ":port" or a full URL.
// Without a scheme the port defaults to 11434; with http:// or https:// to 80 / 443.
import { HubError } from '../../contracts/index.ts'

export const DEFAULT_OLLAMA_PORT = 11434
export const DEFAULT_OLLAMA_HOST = `127.0.0.1:${DEFAULT_OLLAMA_PORT}`

const MAX_HOST_CHARS = 2048

/** Turns an OLLAMA_HOST-style value into a base URL without a trailing slash. */
export function normalizeOllamaHost(value: string): string {
  const trimmed = value.trim()
  if (trimmed.length > MAX_HOST_CHARS) {
    throw new HubError('E_BAD_REQUEST', `Ollama host is longer than ${MAX_HOST_CHARS} characters`)
  }
  const schemeMatch = /^([a-zA-Z][a-zA-Z0-9+.-]*):\/\//.exec(trimmed)
  const scheme = schemeMatch ? schemeMatch[1]!.toLowerCase() : 'http'
  if (scheme !== 'http' && scheme !== 'https') {
    throw new HubError('E_BAD_REQUEST', `Ollama host "${trimmed}" must use http or https, not ${scheme}`)
  }
  const defaultPort = schemeMatch ? (scheme === 'https' ? 443 : 80) : DEFAULT_OLLAMA_PORT
  const rest = schemeMatch ? trimmed.slice(schemeMatch[0].length) : trimmed
  const slash = rest.indexOf('/')
  const hostPort = slash === -1 ? rest : rest.slice(0, slash)
  const path = slash === -1 ? '' : rest.slice(slash).replace(/\/+$/, '')
  let host = hostPort
  let port = String(defaultPort)
  const bracketed = /^\[([^\]]*)\](?::(.*))?$/.exec(hostPort)
  if (bracketed) {
    host = bracketed[1]!
    if (bracketed[2] !== undefined) port = bracketed[2]
  } else if ((hostPort.match(/:/g) ?? []).length === 1) {
    const colon = hostPort.indexOf(':')
    host = hostPort.slice(0, colon)
    port = hostPort.slice(colon + 1)
  }
  if (!/^\d{1,5}$/.test(port) || Number(port) > 65535) {
    throw new HubError('E_BAD_REQUEST', `Ollama host "${trimmed}" has an invalid port "${port}"`)
  }
  // A server bound to every interface is reached on loopback; an empty host means loopback too.
  if (host === '' || host === '0.0.0.0') host = '127.0.0.1'
  if (host === '::') host = '::1'
  const hostText = host.includes(':') ? `[${host}]` : host
  let url: URL
  try {
    url = new URL(`${scheme}://${hostText}:${port}${path}`)
  } catch (error) {
    throw new HubError('E_BAD_REQUEST', `Ollama host "${trimmed}" is not a valid host or URL`, {
      cause: error,
    })
  }
  return `${url.protocol}//${hostText}:${port}${url.pathname === '/' ? '' : url.pathname}`
}
