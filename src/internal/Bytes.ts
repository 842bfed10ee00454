/**
 * Sizes as the command line writes them (`--upload-max-size`): a whole number of bytes, or one with
 * a `K`, `M` or `G` suffix (powers of 1024, as `ls -h` and `head -c` read them). Pure.
 */

const POWERS: Readonly<Record<string, number>> = { "": 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 }

/** Bytes, or why the text is not a size (argparse's style of message). */
export const parse = (text: string): number | string => {
  const m = /^\s*(\d+)\s*([kmg]?)\s*$/i.exec(text)
  if (m === null) return `invalid size value: '${text}' (bytes, or a number with K, M or G)`
  const value = Number(m[1]) * POWERS[m[2].toLowerCase()]
  return Number.isSafeInteger(value) ? value : `size too large: '${text}'`
}
