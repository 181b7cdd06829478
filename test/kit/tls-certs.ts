// A throwaway CA and certificates for TLS tests, made with the system's openssl: a server
// certificate for 127.0.0.1 and a client certificate, both signed by the CA, in a temp directory.
import { execFileSync } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'

export interface TestCertificates {
  caFile: string
  serverCert: string
  serverKey: string
  clientCert: string
  clientKey: string
}

const KEY = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes']

/** Throws with a clear message when openssl is missing (Debian: apt-get install openssl). */
export function makeTestCertificates(directory: string): TestCertificates {
  const openssl = (args: string[]) => execFileSync('openssl', args, { cwd: directory, stdio: 'pipe' })
  try {
    openssl(['version'])
  } catch (cause) {
    throw new Error(`openssl is needed for the TLS tests: ${(cause as Error).message}`)
  }
  const file = (name: string) => join(directory, name)
  openssl([
    'req',
    '-x509',
    ...KEY,
    '-keyout',
    'ca.key',
    '-out',
    'ca.pem',
    '-days',
    '2',
    '-subj',
    '/CN=localhub test CA',
  ])
  const sign = (name: string, subject: string, extensions: string) => {
    writeFileSync(file(`${name}.ext`), extensions)
    openssl(['req', ...KEY, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', subject])
    openssl([
      'x509',
      '-req',
      '-in',
      `${name}.csr`,
      '-CA',
      'ca.pem',
      '-CAkey',
      'ca.key',
      '-CAcreateserial',
      '-out',
      `${name}.pem`,
      '-days',
      '2',
      '-extfile',
      `${name}.ext`,
    ])
  }
  sign('server', '/CN=127.0.0.1', 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n')
  sign('client', '/CN=localhub-hub', 'extendedKeyUsage=clientAuth\n')
  return {
    caFile: file('ca.pem'),
    serverCert: file('server.pem'),
    serverKey: file('server.key'),
    clientCert: file('client.pem'),
    clientKey: file('client.key'),
  }
}
