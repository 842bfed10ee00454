// The bench's HttpRouter app (a plaintext, a JSON and a `:param` route), served either on
// effect-httpd's wire (PlatformServer.layer, from dist/) or on NodeHttpServer: the same app, the
// same middleware and tracer setting; only the server layer differs.
// Usage: node platform-app.mjs wire|node PORT [HOST]
import * as HttpServer from "@effect/platform/HttpServer"
import * as NodeHttpServer from "@effect/platform-node/NodeHttpServer"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import * as Layer from "effect/Layer"
import * as Http from "node:http"
import * as PlatformServer from "../dist/PlatformServer.js"
import { app } from "./platform-router.mjs"

const [which, port, host = "127.0.0.1"] = process.argv.slice(2)

const server = which === "wire"
  ? PlatformServer.layer({ port: Number(port), host })
  : NodeHttpServer.layer(Http.createServer, { port: Number(port), host })

Layer.launch(HttpServer.serve(app).pipe(Layer.provide(server))).pipe(NodeRuntime.runMain)
