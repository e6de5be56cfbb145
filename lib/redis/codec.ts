import type { CacheEntry } from '../cache/store.js'

/**
 * One Redis string per entry: a 4-byte magic, the metadata's length (uint32 BE), the metadata as
 * JSON, then the body's raw bytes. The body is never base64'd or copied into JSON, so an entry
 * costs its size in Redis and a read decodes with one JSON.parse of the small part.
 */
const magic = Buffer.from('FRH1')
const headerBytes = magic.length + 4

interface Meta {
  headers: Array<[string, string]>
  etag: string
  tags: string[]
  createdAt: number
  staleAt: number | null
  revalidate: number | false
}

export function encodeEntry (entry: CacheEntry): Buffer {
  const meta: Meta = {
    headers: entry.headers,
    etag: entry.etag,
    tags: entry.tags,
    createdAt: entry.createdAt,
    staleAt: entry.staleAt ?? null,
    revalidate: entry.revalidate
  }
  const json = Buffer.from(JSON.stringify(meta))
  const head = Buffer.allocUnsafe(headerBytes)
  magic.copy(head, 0)
  head.writeUInt32BE(json.length, magic.length)
  return Buffer.concat([head, json, entry.body])
}

/**
 * An entry read back from Redis, or a description of why it is not one. Anything that did not
 * come out of `encodeEntry` (another program's value, a truncated write, a hand-edited key) is
 * refused field by field: a value from Redis is never trusted to have the entry's shape.
 */
export function decodeEntry (value: Buffer): CacheEntry | string {
  if (value.length < headerBytes || !value.subarray(0, magic.length).equals(magic)) return 'not an entry (bad magic)'
  const metaLength = value.readUInt32BE(magic.length)
  if (headerBytes + metaLength > value.length) return 'truncated metadata'
  let meta: Meta
  try {
    meta = JSON.parse(value.toString('utf8', headerBytes, headerBytes + metaLength))
  } catch {
    return 'metadata is not JSON'
  }
  const problem = metaProblem(meta)
  if (problem !== undefined) return problem
  return {
    status: 200,
    headers: meta.headers,
    body: value.subarray(headerBytes + metaLength),
    etag: meta.etag,
    tags: meta.tags,
    createdAt: meta.createdAt,
    staleAt: meta.staleAt ?? undefined,
    revalidate: meta.revalidate
  }
}

function isStringPair (value: unknown): boolean {
  return Array.isArray(value) && value.length === 2 && typeof value[0] === 'string' && typeof value[1] === 'string'
}

function metaProblem (meta: Meta): string | undefined {
  if (meta === null || typeof meta !== 'object') return 'metadata is not an object'
  if (!Array.isArray(meta.headers) || !meta.headers.every(isStringPair)) return 'headers are not [name, value] pairs'
  if (typeof meta.etag !== 'string') return 'etag is not a string'
  if (!Array.isArray(meta.tags) || !meta.tags.every((tag) => typeof tag === 'string')) return 'tags are not strings'
  if (!Number.isFinite(meta.createdAt)) return 'createdAt is not a number'
  if (meta.staleAt !== null && !Number.isFinite(meta.staleAt)) return 'staleAt is not a number'
  if (meta.revalidate !== false && !(Number.isFinite(meta.revalidate) && meta.revalidate >= 0)) return 'revalidate is not a number or false'
  return undefined
}
