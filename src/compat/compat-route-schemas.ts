// Schemas of the compatible routes. Their refusals leave in the dialect's own error shape (the scope's
// error handler, compat-errors.ts), so these schemas describe OpenAI's and Ollama's errors, not the
// hub's envelope. Bodies are only required to be objects: clients of these APIs send many fields
// the hub ignores, and the handlers name the field (OpenAI's `param`) when one is wrong.
import { ERROR_ENVELOPE_SCHEMA, type HttpRouteSchema, type JsonSchema } from '../contracts/index.ts'

const OPENAI_ERROR: JsonSchema = {
  type: 'object',
  required: ['error'],
  properties: {
    error: {
      type: 'object',
      required: ['message', 'type'],
      properties: {
        message: { type: 'string' },
        type: { type: 'string' },
        param: { type: ['string', 'null'] },
        code: { type: ['string', 'null'] },
      },
    },
  },
}

const OLLAMA_ERROR: JsonSchema = {
  type: 'object',
  required: ['error'],
  properties: { error: { type: 'string' } },
}

const OPENAI_ERRORS = { '4xx': OPENAI_ERROR, '5xx': OPENAI_ERROR }
const OLLAMA_ERRORS = { '4xx': OLLAMA_ERROR, '5xx': OLLAMA_ERROR }

const MODEL = {
  type: 'object',
  required: ['id', 'object'],
  properties: { id: { type: 'string' }, object: { const: 'model' }, owned_by: { type: 'string' } },
} as const

export const OPENAI_SCHEMAS: Record<'chatCompletions' | 'models' | 'model' | 'embeddings', HttpRouteSchema> =
  {
    chatCompletions: {
      summary: 'OpenAI chat completions (JSON, or Server-Sent Events with stream: true)',
      tags: ['openai'],
      body: {
        type: 'object',
        properties: {
          model: { type: 'string' },
          messages: { type: 'array' },
          stream: { type: ['boolean', 'null'] },
        },
      },
      responses: {
        200: {
          description: 'a chat.completion, or chat.completion.chunk events',
          content: {
            'application/json': { schema: { type: 'object', required: ['object', 'choices'] } },
            'text/event-stream': { schema: { type: 'string' } },
          },
        },
        ...OPENAI_ERRORS,
      },
    },
    models: {
      summary: 'OpenAI model list',
      tags: ['openai'],
      responses: {
        200: {
          type: 'object',
          required: ['object', 'data'],
          properties: { data: { type: 'array', items: MODEL } },
        },
        ...OPENAI_ERRORS,
      },
    },
    model: {
      summary: 'One OpenAI model',
      tags: ['openai'],
      params: {
        type: 'object',
        required: ['model'],
        properties: { model: { type: 'string', minLength: 1 } },
      },
      responses: { 200: MODEL, ...OPENAI_ERRORS },
    },
    embeddings: {
      summary: 'OpenAI embeddings',
      tags: ['openai'],
      body: { type: 'object', properties: { model: { type: 'string' }, input: {} } },
      responses: {
        200: { type: 'object', required: ['object', 'data'], properties: { data: { type: 'array' } } },
        ...OPENAI_ERRORS,
      },
    },
  }

function ollamaGeneration(route: 'chat' | 'generate'): HttpRouteSchema {
  return {
    summary: `Ollama /api/${route} (NDJSON lines, or one JSON object with stream: false)`,
    tags: ['ollama'],
    body: {
      type: 'object',
      properties: { model: { type: 'string' }, stream: { type: ['boolean', 'null'] } },
    },
    produces: ['application/x-ndjson', 'application/json'],
    responses: { 200: { type: ['object', 'string'] }, ...OLLAMA_ERRORS },
  }
}

export const OLLAMA_SCHEMAS: Record<
  'chat' | 'generate' | 'embed' | 'embeddings' | 'tags' | 'version' | 'show',
  HttpRouteSchema
> = {
  chat: ollamaGeneration('chat'),
  generate: ollamaGeneration('generate'),
  embed: {
    summary: 'Ollama embeddings',
    tags: ['ollama'],
    body: { type: 'object', properties: { model: { type: 'string' }, input: {} } },
    responses: { 200: { type: 'object', required: ['embeddings'] }, ...OLLAMA_ERRORS },
  },
  embeddings: {
    summary: 'Ollama embeddings, the older route: one prompt, one embedding',
    tags: ['ollama'],
    body: { type: 'object', properties: { model: { type: 'string' }, prompt: { type: 'string' } } },
    responses: { 200: { type: 'object', required: ['embedding'] }, ...OLLAMA_ERRORS },
  },
  tags: {
    summary: 'Ollama model list',
    tags: ['ollama'],
    responses: { 200: { type: 'object', required: ['models'] }, ...OLLAMA_ERRORS },
  },
  version: {
    summary: 'Ollama version',
    tags: ['ollama'],
    responses: { 200: { type: 'object', required: ['version'] }, ...OLLAMA_ERRORS },
  },
  show: {
    summary: 'Ollama model details',
    tags: ['ollama'],
    body: { type: 'object', properties: { model: { type: 'string' }, name: { type: 'string' } } },
    responses: { 200: { type: 'object', required: ['details'] }, ...OLLAMA_ERRORS },
  },
}

const JSON_RPC = { type: 'object', required: ['jsonrpc'], properties: { jsonrpc: { const: '2.0' } } } as const

export const MCP_SCHEMAS: Record<'refused' | 'post', HttpRouteSchema> = {
  refused: {
    summary: 'MCP is stateless here: GET and DELETE answer 405',
    tags: ['mcp'],
    // The hub's own checks (token, Host, Origin) answer before MCP does, with the hub's envelope.
    responses: { 405: JSON_RPC, '4xx': ERROR_ENVELOPE_SCHEMA },
  },
  post: {
    summary: 'MCP over Streamable HTTP (JSON-RPC 2.0; the SDK transport checks the message)',
    tags: ['mcp'],
    'x-documented-body': {
      required: true,
      content: { 'application/json': { schema: { type: ['object', 'array'] } } },
    },
    produces: ['application/json', 'text/event-stream'],
    responses: { 200: { type: ['object', 'array', 'string'] }, '4xx': { type: ['object', 'string'] } },
  },
}
