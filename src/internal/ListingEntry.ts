/** A listed entry and CPython's order of entries (`list_directory`'s sort), shared by every listing format. */
import * as PyText from "./PyText.js"

/** One directory entry, as `list_directory` learns it from `os.listdir` and `os.path`. */
export interface Entry {
  /** The file name as `os.fsdecode` gives it (undecodable bytes as lone U+DC80–U+DCFF). */
  readonly name: string
  /** `os.path.isdir`, which follows symbolic links. */
  readonly isDirectory: boolean
  /** `os.path.islink`. */
  readonly isSymbolicLink: boolean
}

/**
 * `names.sort(key=lambda a: a.lower())`: case-insensitive by Python's string
 * order (code points), stable, so names equal when lower-cased keep their
 * `os.listdir` order.
 */
export const sort = <E extends Entry>(entries: ReadonlyArray<E>): ReadonlyArray<E> => sortBy(entries, (e) => e.name)

/** {@link sort} of anything that has a name: rows that carry an entry, for instance. */
export const sortBy = <A>(entries: ReadonlyArray<A>, nameOf: (a: A) => string): ReadonlyArray<A> => {
  // Keys are computed once per entry, as Python's key= does, instead of per comparison.
  const keyed = entries.map((entry, index) => {
    const key = PyText.pyLower(nameOf(entry))
    // Without surrogates, UTF-16 order is code-point order and the engine's comparison applies.
    return { entry, index, key, plain: !/[\uD800-\uDFFF]/.test(key) }
  })
  keyed.sort((a, b) =>
    (a.plain && b.plain ? (a.key < b.key ? -1 : a.key > b.key ? 1 : 0) : PyText.compareCodePoints(a.key, b.key)) ||
    a.index - b.index
  )
  return keyed.map((k) => k.entry)
}

