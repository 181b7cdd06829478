import { execFileSync } from 'node:child_process'
import { createPrivateKey, generateKeyPairSync, hkdfSync, randomBytes, X509Certificate } from 'node:crypto'
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { hostname, networkInterfaces } from 'node:os'
import { join } from 'node:path'
import { HubError } from '../../contracts/index.ts'

// TLS for the leafnode link between a root and its hubs (decision 1641). The home setup shares one
// secret already (every leafnode password derives from it), so the federation's CA key derives
// from it too: an Ed25519 seed by HKDF. Each machine makes its own CA certificate from that key
// (same subject, same key, so it verifies what any other made); no file travels between machines.
// The root also makes its leafnode certificate (a fresh P-256 key, signed by the CA) for its
// host names and addresses. openssl (Debian's) signs the certificates; node:crypto makes the keys.

export const DEFAULT_LEAF_CERT_DAYS = 825
export const DEFAULT_CA_CERT_DAYS = 3650
const CA_SUBJECT = '/O=Local Hub/CN=Local Hub federation CA'
const TLS_SUBDIRECTORY = 'tls'
// PKCS#8 wrapping of a raw 32-byte Ed25519 seed (RFC 8410): the fixed prefix, then the seed.
const ED25519_PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex')

export interface LeafTlsFiles {
  caFile: string
  /** The root only: its leafnode certificate and key. */
  certFile?: string
  keyFile?: string
}

function openssl(args: string[], directory: string): void {
  try {
    execFileSync('openssl', args, { cwd: directory, stdio: 'pipe' })
  } catch (error) {
    const cause = error as NodeJS.ErrnoException & { stderr?: Buffer }
    if (cause.code === 'ENOENT')
      throw new HubError(
        'E_DEPENDENCY_UNAVAILABLE',
        'openssl is needed to make the leafnode certificates: `sudo apt-get install openssl` (or `sudo bash scripts/setup-system.sh`), or give --leaf-plain for an unencrypted link',
      )
    throw new HubError(
      'E_UNKNOWN',
      `openssl ${args[0]} failed: ${cause.stderr?.toString().trim() ?? cause.message}`,
    )
  }
}

/** The CA's private key (PEM), the same on every machine given the same secret. */
export function federationCaKey(secret: string): string {
  const seed = Buffer.from(hkdfSync('sha256', secret, 'localhub-federation', 'leafnode-ca-ed25519', 32))
  const key = createPrivateKey({
    key: Buffer.concat([ED25519_PKCS8_PREFIX, seed]),
    format: 'der',
    type: 'pkcs8',
  })
  return key.export({ type: 'pkcs8', format: 'pem' }).toString()
}

/** This machine's names and addresses, for the root's certificate (hubs dial one of them). */
export function localNames(extra: string[]): string[] {
  const names = new Set(['localhost', '127.0.0.1', '::1', hostname(), `${hostname()}.local`])
  for (const addresses of Object.values(networkInterfaces()))
    for (const address of addresses ?? []) names.add(address.address.replace(/%.*$/, ''))
  for (const name of extra) names.add(name)
  return [...names].filter((name) => name !== '' && name !== '0.0.0.0' && name !== '::')
}

const isAddress = (name: string) => /^[\d.]+$/.test(name) || name.includes(':')

/** Whether the file is a CA certificate on `keyPem`'s public key, valid for at least a day more. */
function caStillGood(certificateFile: string, keyPem: string): boolean {
  if (!existsSync(certificateFile)) return false
  const certificate = new X509Certificate(readFileSync(certificateFile))
  return (
    certificate.ca &&
    certificate.checkPrivateKey(createPrivateKey(keyPem)) &&
    Date.parse(certificate.validTo) > Date.now() + 86_400_000
  )
}

/** Writes <directory>/tls/ca.pem (and ca.key, 0600) from the secret; whether it was made anew. */
function ensureCa(directory: string, secret: string): { tls: string; caFile: string; fresh: boolean } {
  const tls = join(directory, TLS_SUBDIRECTORY)
  mkdirSync(tls, { recursive: true, mode: 0o700 })
  const caKeyPem = federationCaKey(secret)
  const caFile = join(tls, 'ca.pem')
  writeFileSync(join(tls, 'ca.key'), caKeyPem, { mode: 0o600 })
  const fresh = !caStillGood(caFile, caKeyPem)
  if (fresh)
    openssl(
      [
        'req',
        '-x509',
        '-new',
        '-key',
        'ca.key',
        '-out',
        'ca.pem',
        '-days',
        String(DEFAULT_CA_CERT_DAYS),
        '-subj',
        CA_SUBJECT,
        '-addext',
        'basicConstraints=critical,CA:TRUE',
        '-addext',
        'keyUsage=critical,keyCertSign,cRLSign',
      ],
      tls,
    )
  return { tls, caFile, fresh }
}

/**
 * A server certificate <tls>/<stem>.pem (key <stem>.key, 0600) signed by the CA for `names`; made
 * again when the names or the CA changed, else kept.
 */
function ensureServerCertificate(
  tls: string,
  stem: string,
  names: string[],
  freshCa: boolean,
): { certFile: string; keyFile: string } {
  const certFile = join(tls, `${stem}.pem`)
  const keyFile = join(tls, `${stem}.key`)
  const namesFile = join(tls, `${stem}.names`)
  const wanted = names.join(',')
  const current = existsSync(namesFile) ? readFileSync(namesFile, 'utf8') : ''
  if (!freshCa && current === wanted && existsSync(certFile) && existsSync(keyFile))
    return { certFile, keyFile }
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' })
  writeFileSync(keyFile, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 })
  const alternatives = names.map((name) => (isAddress(name) ? `IP:${name}` : `DNS:${name}`)).join(',')
  writeFileSync(
    join(tls, `${stem}.ext`),
    `subjectAltName=${alternatives}\nextendedKeyUsage=serverAuth\nkeyUsage=critical,digitalSignature\n`,
  )
  openssl(
    ['req', '-new', '-key', `${stem}.key`, '-out', `${stem}.csr`, '-subj', `/O=Local Hub/CN=${stem}`],
    tls,
  )
  openssl(
    [
      'x509',
      '-req',
      '-in',
      `${stem}.csr`,
      '-CA',
      'ca.pem',
      '-CAkey',
      'ca.key',
      '-set_serial',
      `0x${randomBytes(8).toString('hex')}`,
      '-days',
      String(DEFAULT_LEAF_CERT_DAYS),
      '-extfile',
      `${stem}.ext`,
      '-out',
      `${stem}.pem`,
    ],
    tls,
  )
  rmSync(join(tls, `${stem}.csr`), { force: true })
  writeFileSync(namesFile, wanted)
  return { certFile, keyFile }
}

/**
 * Writes <directory>/tls/ca.pem (and ca.key, 0600) from the secret; for the root also
 * root-leaf.pem and root-leaf.key for `names` (made again when the names or the CA changed).
 */
export function ensureLeafTls(
  directory: string,
  secret: string,
  role: 'root' | 'hub',
  names: string[] = [],
): LeafTlsFiles {
  const { tls, caFile, fresh } = ensureCa(directory, secret)
  if (role === 'hub') return { caFile }
  return { caFile, ...ensureServerCertificate(tls, 'root-leaf', names, fresh) }
}

/**
 * TLS for a server's client port (decision 2020): the same CA, and a certificate
 * <directory>/tls/<name>-client.pem for `names`. Clients trust <directory>/tls/ca.pem (or the
 * ca.pem any machine of the same secret made).
 */
export function ensureClientTls(
  directory: string,
  secret: string,
  name: string,
  names: string[],
): Required<LeafTlsFiles> {
  const { tls, caFile, fresh } = ensureCa(directory, secret)
  return { caFile, ...ensureServerCertificate(tls, `${name}-client`, names, fresh) }
}
