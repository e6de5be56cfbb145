/**
 * Lazy stand-ins for native classes (`request.headers`, `nextUrl.searchParams`) answer the common
 * reads themselves and hand every other member of the native prototype to a real instance, built
 * on first need. Native methods check for their own internal slots, so none of them may run on the
 * stand-in itself: each method and accessor the stand-in's prototype does not define is replaced by
 * one that runs the native member on the real instance. That includes internal symbol accessors and
 * whatever a later Node adds.
 * @param lazyPrototype the stand-in's prototype, which already defines the members it answers itself
 * @param real the real instance behind a stand-in
 */
export function delegateToReal<T extends object> (lazyPrototype: T, nativeClass: { prototype: object }, real: (self: T) => object): void {
  const nativePrototype = nativeClass.prototype
  for (const key of Reflect.ownKeys(nativePrototype)) {
    if (key === 'constructor' || Object.prototype.hasOwnProperty.call(lazyPrototype, key)) continue
    const descriptor = Object.getOwnPropertyDescriptor(nativePrototype, key)!
    if (typeof descriptor.value === 'function') {
      const method = descriptor.value as (...args: unknown[]) => unknown
      Object.defineProperty(lazyPrototype, key, {
        ...descriptor,
        value: { [method.name] (this: T, ...args: unknown[]) { return method.apply(real(this), args) } }[method.name]
      })
    } else if (descriptor.get !== undefined || descriptor.set !== undefined) {
      const { get, set } = descriptor
      Object.defineProperty(lazyPrototype, key, {
        ...descriptor,
        get: get === undefined ? undefined : function (this: T) { return get.call(real(this)) },
        set: set === undefined ? undefined : function (this: T, value: unknown) { set.call(real(this), value) }
      })
    }
  }
  // `constructor` is the native class, as for a real instance: `new value.constructor(value)` copies.
  Object.defineProperty(lazyPrototype, 'constructor', { value: nativeClass, writable: true, enumerable: false, configurable: true })
}
