import * as net from "node:net";
import { buildStream } from "./events";

/**
 * A separate process that answers the login and then writes the whole event stream as fast as
 * the socket takes it, once per connection. Prints its port on stdout.
 */
const count = Number(process.argv[2] ?? 200_000);
const { stream, averageBytes } = buildStream(count);

const server = net.createServer((sock) => {
  sock.on("error", () => undefined);
  sock.write("Asterisk Call Manager/11.0.0\r\n");
  let buffered = "";
  const onData = (d: Buffer) => {
    buffered += d.toString();
    const id = /ActionID: ([^\r\n]*)/.exec(buffered)?.[1];
    if (!buffered.includes("\r\n\r\n")) return;
    sock.off("data", onData);
    sock.resume();
    if (id !== undefined) sock.write(`Response: Success\r\nActionID: ${id}\r\nMessage: Authentication accepted\r\n\r\n`);
    const slice = 256 * 1024;
    let pos = 0;
    const pump = () => {
      while (pos < stream.length) {
        const ok = sock.write(stream.subarray(pos, pos + slice));
        pos += slice;
        if (!ok) return void sock.once("drain", pump);
      }
    };
    pump();
  };
  sock.on("data", onData);
});
server.listen(0, "127.0.0.1", () => {
  const { port } = server.address() as net.AddressInfo;
  process.stdout.write(JSON.stringify({ port, averageBytes, bytes: stream.length }) + "\n");
});
process.on("message", (m) => {
  if (m === "stop") server.close(() => process.exit(0));
});
process.on("disconnect", () => process.exit(0));
