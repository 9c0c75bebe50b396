// An HTTP server on a free loopback port for the tests' fakes of cloud APIs: started, its URL, and stopped with every
// connection closed (the SDKs keep connections alive, which would otherwise hold the test process open).
import * as http from "node:http";
import type { AddressInfo } from "node:net";

export async function listenOnLoopback(server: http.Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

export async function closeServer(server: http.Server | undefined): Promise<void> {
  if (!server) return;
  server.closeAllConnections?.();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}
