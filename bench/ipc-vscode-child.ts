/** vscode-jsonrpc as the peer for bench/ipc.ts: answers `echo` over stdio (Content-Length framing). */
import rpc from 'vscode-jsonrpc/node.js';

const conn = rpc.createMessageConnection(new rpc.StreamMessageReader(process.stdin), new rpc.StreamMessageWriter(process.stdout));
conn.onRequest('echo', (params: unknown) => params);
conn.onClose(() => process.exit(0));
conn.listen();
