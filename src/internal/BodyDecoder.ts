/** Request body framing: counts a Content-Length body or decodes a chunked one (CONTRACT D1). */
import type * as Request from "../Request.js"

const LF = 10
const CR = 13
const MAX_LINE = 4096
const MAX_TRAILERS = 64 * 1024

const enum State {
  Size,
  Data,
  DataEnd,
  Trailer,
  Done
}

/** Splits a byte stream into the body of one request and what follows it. */
export class BodyDecoder {
  private state: State
  private remaining: number
  private line = ""
  private trailerBytes = 0
  /** Why the chunked framing is invalid, once it is. */
  error: string | undefined = undefined

  constructor(framing: Request.Framing) {
    if (framing._tag === "Length") {
      this.state = framing.length === 0 ? State.Done : State.Data
      this.remaining = framing.length
    } else if (framing._tag === "Chunked") {
      this.state = State.Size
      this.remaining = 0
    } else {
      this.state = State.Done
      this.remaining = 0
    }
    this.chunked = framing._tag === "Chunked"
  }

  private readonly chunked: boolean

  /** Whether the whole body has been seen. */
  get done(): boolean {
    return this.state === State.Done
  }

  /** Bytes of body data still expected (Content-Length bodies; unknown for chunked ones). */
  get expected(): number | undefined {
    return this.chunked ? undefined : this.remaining
  }

  /**
   * Decodes from `bytes[offset..]`, handing body data to `emit` (as views into `bytes`). Returns the
   * number of bytes consumed; it stops at the end of the body, so the rest belongs to the next request.
   */
  feed(bytes: Uint8Array, offset: number, emit: (data: Uint8Array) => void): number {
    let pos = offset
    while (pos < bytes.length && this.state !== State.Done && this.error === undefined) {
      switch (this.state) {
        case State.Data: {
          const n = Math.min(this.remaining, bytes.length - pos)
          if (n > 0) emit(bytes.subarray(pos, pos + n))
          pos += n
          this.remaining -= n
          if (this.remaining === 0) this.state = this.chunked ? State.DataEnd : State.Done
          break
        }
        case State.Size:
        case State.DataEnd:
        case State.Trailer: {
          const lf = bytes.indexOf(LF, pos)
          const end = lf === -1 ? bytes.length : lf
          if (this.line.length + (end - pos) > MAX_LINE) {
            this.error = "chunk line too long"
            return pos - offset
          }
          this.line += Buffer.from(bytes.buffer, bytes.byteOffset + pos, end - pos).toString("latin1")
          if (this.state === State.Trailer) this.trailerBytes += lf === -1 ? end - pos : end - pos + 1
          pos = lf === -1 ? bytes.length : lf + 1
          if (lf !== -1) this.endLine()
          break
        }
      }
    }
    return pos - offset
  }

  private endLine(): void {
    let line = this.line
    this.line = ""
    if (line.charCodeAt(line.length - 1) === CR) line = line.slice(0, -1)
    if (this.state === State.DataEnd) {
      if (line !== "") this.error = "missing CRLF after chunk data"
      else this.state = State.Size
    } else if (this.state === State.Size) {
      const m = /^([0-9a-fA-F]{1,15})[ \t]*(?:;.*)?$/.exec(line)
      if (m === null || line.includes("\r")) {
        this.error = "invalid chunk size"
        return
      }
      this.remaining = parseInt(m[1], 16)
      this.state = this.remaining === 0 ? State.Trailer : State.Data
    } else if (line === "") {
      this.state = State.Done
    } else if (this.trailerBytes > MAX_TRAILERS || line.includes("\r") || line.includes("\0")) {
      this.error = "invalid trailer section"
    }
  }
}
