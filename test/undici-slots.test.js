// What the package reads of undici's and Node's internals (lib/undici-slots.ts) must be where each
// Node version keeps it: a Node that moves one fails here, loudly, rather than quietly serving
// through the slower public path.
import t from 'tap'
import { requestSlots, responseSlots, responseStateSlot, streamStateSlot } from '../dist/undici-slots.js'

const major = Number(process.versions.node.split('.')[0])
const describe = (slots) => slots.map((slot) => slot.description).sort()

t.test(`undici's Request and Response slots on Node ${major}`, async (t) => {
  if (major < 24) {
    t.same(describe(requestSlots), ['dispatcher', 'headers', 'signal', 'state'], 'a Request keeps its state under own symbols')
    t.same(describe(responseSlots), ['headers', 'state'], 'so does a Response')
    t.equal(responseStateSlot?.description, 'state')
    t.equal(new Response('source')[responseStateSlot].body.source, 'source', 'the state holds the body the Response was built from')
  } else {
    // Private fields from Node 24 on: nothing to probe, and the code takes the public paths.
    t.same(requestSlots, [])
    t.same(responseSlots, [])
    t.equal(responseStateSlot, undefined)
    const fake = Object.create(Request.prototype)
    t.throws(() => fake.url, /private member/, "undici reads a Request's state from private fields")
  }
})

t.test(`the web stream state slot is found on Node ${major}`, async (t) => {
  t.equal(streamStateSlot?.description, 'kState')
  const closed = new ReadableStream({ start (controller) { controller.close() } })
  t.equal(closed[streamStateSlot].state, 'closed')
})
