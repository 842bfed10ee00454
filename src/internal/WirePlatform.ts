/**
 * `@effect/platform`'s `HttpPlatform` for apps on effect-httpd's wire: `HttpServerResponse.file`
 * becomes a description of the file range, which the wire opens and sends as its own file body
 * (positioned reads through one reused buffer, closed with the exchange), not a Node stream.
 */
import * as Etag from "@effect/platform/Etag"
import type * as PlatformFileSystem from "@effect/platform/FileSystem"
import * as HttpPlatform from "@effect/platform/HttpPlatform"
import * as ServerResponse from "@effect/platform/HttpServerResponse"
import * as Layer from "effect/Layer"
import * as Stream from "effect/Stream"
import * as Mime from "../Mime.js"

/**
 * The body of a file response: `length` bytes of the file at `path` from `offset` (fewer when the
 * file is shorter). The platform's `end` is exclusive: no byte past `length` is sent.
 */
export class FileSource {
  constructor(readonly path: string, readonly offset: number, readonly length: number) {}
  toJSON(): unknown {
    return { _id: "effect-httpd/FileSource", path: this.path, offset: this.offset, length: this.length }
  }
}

/** The platform service; its `ETag` and `Last-Modified` are the platform's own (from a `stat` of the file). */
export const make = HttpPlatform.make({
  fileResponse(path, status, statusText, headers, start, _end, contentLength) {
    return ServerResponse.raw(new FileSource(path, start, Math.max(0, contentLength)), {
      status,
      statusText,
      headers: { ...headers, "content-type": headers["content-type"] ?? Mime.guessType(path) }
    })
  },
  fileWebResponse(file, status, statusText, headers) {
    return ServerResponse.stream(Stream.fromReadableStream(() => file.stream() as ReadableStream<Uint8Array>, (e) => e), {
      status,
      statusText,
      headers,
      contentType: headers["content-type"] ?? (file.type || Mime.guessType(file.name)),
      contentLength: file.size
    })
  }
})

/** Provides the platform service over the platform's `FileSystem` (for the `stat`), with weak entity tags. */
export const layer: Layer.Layer<HttpPlatform.HttpPlatform, never, PlatformFileSystem.FileSystem> = Layer.effect(
  HttpPlatform.HttpPlatform,
  make
).pipe(Layer.provide(Etag.layerWeak))
