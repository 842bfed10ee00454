/**
 * What was worked out for an object, kept on the object itself under a symbol: it goes with the
 * object and leaves the collector nothing to do. A `WeakMap` keyed by short-lived objects costs
 * every scavenge its ephemeron work: 4–5 µs per response measured for the heads of responses made
 * per request, more than working the head out again.
 *
 * Only the object it was kept on sees it: a copy (`{ ...response, headers }`) or an object inheriting
 * from it gets nothing, and the property is not enumerable (not copied by a spread, not shown by `inspect`).
 * An object that takes no new property (frozen, sealed) keeps nothing.
 */

/** A class, not an object literal, so that V8 never pretenures it (see `Response.header`). */
class Kept<A> {
  constructor(readonly owner: object, readonly value: A) {}
}

/** The value kept on `object` under `key`, if it was kept on this very object. */
export const get = <A>(object: object, key: symbol): A | undefined => {
  const kept = (object as { readonly [key: symbol]: Kept<A> | undefined })[key]
  return kept !== undefined && kept.owner === object ? kept.value : undefined
}

/** Keeps `value` on `object` under `key`, replacing what was kept there; nothing when the object takes no property. */
export const set = <A>(object: object, key: symbol, value: A): void => {
  const kept = new Kept(object, value)
  if (Object.prototype.hasOwnProperty.call(object, key)) Reflect.set(object, key, kept)
  else Reflect.defineProperty(object, key, { value: kept, writable: true, configurable: true, enumerable: false })
}
