import { isUtf8 } from 'node:buffer'
import type { FastifyInstance } from 'fastify'
import { HttpHubError, sendError } from './error-replies.ts'

// What a body's bytes must be before any route reads them: not compressed (the hub does not
// decompress, and read as text a gzip body is binary garbage), and for JSON, UTF-8. Decoding
// other bytes turns them into U+FFFD, so the text would be stored or answered changed.

const BYTE_ORDER_MARK = 0xfeff

/** Refuses a Content-Encoding other than identity with 415, before the body is read (RFC 9110 15.5.16). */
export function installContentEncodingCheck(app: FastifyInstance): void {
  app.addHook('onRequest', (request, reply, done) => {
    const encoding = request.headers['content-encoding']
    if (encoding === undefined || encoding.trim().toLowerCase() === 'identity') return done()
    reply.header('accept-encoding', 'identity')
    reply.header('connection', 'close')
    sendError(
      reply,
      new HttpHubError(
        415,
        'E_BAD_REQUEST',
        `content encoding ${JSON.stringify(encoding)} is not supported`,
        {
          where: '/headers/content-encoding',
          expected: 'no Content-Encoding (or identity): send the body uncompressed',
          got: encoding,
        },
      ),
    )
  })
}

/**
 * The server's JSON parser (Fastify's own, with its prototype-poisoning checks) behind two checks
 * of the bytes: they must be UTF-8, and a leading byte order mark, which Windows tools write, is
 * dropped rather than refused as "not JSON".
 */
export function installJsonBodyParser(app: FastifyInstance): void {
  const parseJson = app.getDefaultJsonParser('error', 'error')
  app.removeContentTypeParser('application/json')
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (request, body, done) => {
    const bytes = body as Buffer
    if (!isUtf8(bytes)) {
      done(
        new HttpHubError(400, 'E_BAD_REQUEST', 'the body is not valid UTF-8', {
          where: '/body',
          expected: 'UTF-8 text',
        }),
        undefined,
      )
      return
    }
    const text = bytes.toString('utf8')
    parseJson(request, text.charCodeAt(0) === BYTE_ORDER_MARK ? text.slice(1) : text, done)
  })
}
