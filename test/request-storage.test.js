// RequestStorage and FrameRequestStorage, the request store's async context (the first on async
// hooks, the second on AsyncLocalStorage where it runs on AsyncContextFrame): every scenario runs
// against both and against Node's AsyncLocalStorage, whose behaviour they must match;
// runSynchronous is checked on its own.
import t from 'tap'
import { AsyncLocalStorage } from 'node:async_hooks'
import { EventEmitter } from 'node:events'
import { setTimeout as sleep } from 'node:timers/promises'
import { RequestStorage } from '../dist/request-storage.js'
import { FrameRequestStorage, hasAsyncContextFrame } from '../dist/frame-storage.js'
import { sharedContext } from '../dist/context.js'

const storages = { RequestStorage, FrameRequestStorage }

/** Each scenario returns what getStore() saw, in order; both storages must see the same. */
const scenarios = {
  'outside any run': async (storage) => [storage.getStore()],

  'synchronously, after await, in timers, ticks, microtasks and I/O-like callbacks': async (storage) => {
    const seen = []
    await storage.run('a', async () => {
      seen.push(storage.getStore())
      await null
      seen.push(storage.getStore())
      await sleep(1)
      seen.push(storage.getStore())
      await new Promise((resolve) => setTimeout(() => { seen.push(storage.getStore()); resolve() }, 1))
      await new Promise((resolve) => process.nextTick(() => { seen.push(storage.getStore()); resolve() }))
      await new Promise((resolve) => queueMicrotask(() => { seen.push(storage.getStore()); resolve() }))
      await new Promise((resolve) => setImmediate(() => { seen.push(storage.getStore()); resolve() }))
    })
    seen.push(storage.getStore())
    return seen
  },

  'a promise made inside, reacted to outside': async (storage) => {
    const seen = []
    const made = storage.run('a', () => sleep(1).then(() => storage.getStore()))
    seen.push(storage.getStore())
    seen.push(await made)
    return seen
  },

  'nested runs shadow and restore': async (storage) => {
    const seen = []
    await storage.run('outer', async () => {
      seen.push(storage.getStore())
      await storage.run('inner', async () => {
        seen.push(storage.getStore())
        await sleep(1)
        seen.push(storage.getStore())
      })
      seen.push(storage.getStore())
      await sleep(1)
      seen.push(storage.getStore())
    })
    return seen
  },

  'interleaved flows keep their own store': async (storage) => {
    const seen = []
    const flow = (name, delays) => storage.run(name, async () => {
      for (const delay of delays) {
        await sleep(delay)
        seen.push(`${name}:${storage.getStore()}`)
      }
    })
    await Promise.all([flow('a', [3, 1, 4]), flow('b', [1, 5, 1]), flow('c', [2, 2, 2])])
    return seen.sort()
  },

  'a timer set before the run fires without its store': async (storage) => {
    const seen = []
    const fired = new Promise((resolve) => setTimeout(() => { seen.push(storage.getStore()); resolve() }, 5))
    await storage.run('a', () => sleep(1))
    await fired
    return seen
  },

  'a listener called synchronously sees the caller\'s store': async (storage) => {
    const seen = []
    const emitter = new EventEmitter()
    storage.run('owner', () => emitter.on('ping', () => seen.push(storage.getStore())))
    storage.run('caller', () => emitter.emit('ping'))
    emitter.emit('ping')
    return seen
  },

  'after disable, nothing until the next run': async (storage) => {
    const seen = []
    await storage.run('a', () => sleep(1))
    storage.disable()
    seen.push(storage.getStore())
    await storage.run('b', async () => {
      await sleep(1)
      seen.push(storage.getStore())
    })
    return seen
  },

  'a throwing callback restores the outer store': async (storage) => {
    const seen = []
    storage.run('outer', () => {
      try {
        storage.run('inner', () => { throw new Error('boom') })
      } catch (error) {
        seen.push(error.message)
      }
      seen.push(storage.getStore())
    })
    seen.push(storage.getStore())
    return seen
  }
}

for (const [name, scenario] of Object.entries(scenarios)) {
  for (const [kind, Storage] of Object.entries(storages)) {
    t.test(`${kind}: ${name}`, async (t) => {
      const native = new AsyncLocalStorage()
      const ours = new Storage()
      const expected = await scenario(native)
      const actual = await scenario(ours)
      native.disable()
      ours.disable()
      t.same(actual, expected, `as AsyncLocalStorage: ${JSON.stringify(expected)}`)
    })
  }
}

for (const [kind, Storage] of Object.entries(storages)) {
  t.test(`${kind}: run passes the arguments and returns the callback's value`, async (t) => {
    const storage = new Storage()
    t.teardown(() => storage.disable())
    t.equal(storage.run('s', (a, b) => a + b, 2, 3), 5)
    t.equal(storage.runSynchronous('s', (a, b) => a * b, 2, 3), 6)
  })

  t.test(`${kind}: runSynchronous: the synchronous part only, unless the storage is on anyway`, async (t) => {
    const storage = new Storage()
    t.teardown(() => storage.disable())
    const seen = await storage.runSynchronous('quick', () => {
      const now = storage.getStore()
      return sleep(1).then(() => [now, storage.getStore()])
    })
    t.same(seen, ['quick', undefined], 'not on: a continuation has no store')
    t.equal(storage.enabled, false)

    // Another run has turned it on: continuations made meanwhile do carry the store.
    await storage.run('tracked', async () => {
      const inner = await storage.runSynchronous('quick', () => sleep(1).then(() => storage.getStore()))
      t.equal(inner, 'quick')
      t.equal(storage.getStore(), 'tracked', 'the tracked run\'s store is back after it')
    })
    t.equal(storage.enabled, true)
    t.equal(storage.getStore(), undefined)
  })
}

t.test('the shared store uses AsyncLocalStorage exactly where it runs on AsyncContextFrame', async (t) => {
  const major = Number(process.versions.node.split('.')[0])
  t.equal(hasAsyncContextFrame(), major >= 24, `Node ${major}, no flags`)
  t.type(sharedContext.storage, major >= 24 ? FrameRequestStorage : RequestStorage)
})
