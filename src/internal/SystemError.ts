/** The C library's text for the system errors a file read can meet (`strerror`), as CPython prints them. */

const TEXT: Readonly<Record<string, string>> = {
  ENOENT: "No such file or directory",
  EACCES: "Permission denied",
  EISDIR: "Is a directory"
}

/** `strerror` for a Node error code, when it is one of the known ones. */
export const strerror = (code: string | undefined): string | undefined => (code === undefined ? undefined : TEXT[code])

/** Why a call failed, in one line without a stack: `strerror`'s text, else Node's message. */
export const describe = (e: unknown): string =>
  strerror((e as NodeJS.ErrnoException).code) ?? (e instanceof Error ? e.message : String(e))
