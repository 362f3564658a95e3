/**
 * A bench-only OPC UA server (node-opcua): `count` Double variables `ns=1;s=v<i>`, all changed
 * every `periodMs`, plus `ns=1;s=clock` holding the wall-clock time (ms) of the last change, so
 * a client far down the line can measure latency. Runs in its own process so its CPU is not
 * counted as HeatBridge's. Prints "ready <port>" once listening.
 *
 *   node dist/bench/servers/opcua-server.js <port> <count> <periodMs> <pkiDir>
 */
import { DataType, OPCUACertificateManager, OPCUAServer, StatusCodes, Variant } from 'node-opcua';

async function main(): Promise<void> {
  const [port, count, periodMs, pki] = process.argv.slice(2);
  const n = Number(count);
  const server = new OPCUAServer({
    port: Number(port),
    host: '127.0.0.1',
    hostname: '127.0.0.1',
    serverCertificateManager: new OPCUACertificateManager({
      rootFolder: `${pki}/server`,
      automaticallyAcceptUnknownCertificate: false,
    }),
    userCertificateManager: new OPCUACertificateManager({
      rootFolder: `${pki}/users`,
      automaticallyAcceptUnknownCertificate: false,
    }),
    allowAnonymous: true,
    maxConnectionsPerEndpoint: 10,
    serverCapabilities: { operationLimits: { maxMonitoredItemsPerCall: 100_000 } },
  });
  await server.initialize();
  const ns = server.engine.addressSpace!.getOwnNamespace();
  const folder = ns.addObject({
    organizedBy: server.engine.addressSpace!.rootFolder.objects,
    browseName: 'Bench',
  });
  let tick = 0;
  const values = new Float64Array(n);
  const variables = Array.from({ length: n }, (_, i) =>
    ns.addVariable({
      componentOf: folder,
      browseName: `v${i}`,
      nodeId: `s=v${i}`,
      dataType: 'Double',
      minimumSamplingInterval: 50,
      value: { dataType: DataType.Double, value: 0 },
    }),
  );
  const clock = ns.addVariable({
    componentOf: folder,
    browseName: 'clock',
    nodeId: 's=clock',
    dataType: 'Double',
    minimumSamplingInterval: 50,
    value: { dataType: DataType.Double, value: Date.now() },
  });
  setInterval(() => {
    tick++;
    const now = new Date();
    for (let i = 0; i < n; i++) {
      values[i] = tick + i / n;
      variables[i]!.setValueFromSource(
        new Variant({ dataType: DataType.Double, value: values[i] }),
        StatusCodes.Good,
        now,
      );
    }
    clock.setValueFromSource(
      new Variant({ dataType: DataType.Double, value: now.getTime() }),
      StatusCodes.Good,
      now,
    );
  }, Number(periodMs));
  await server.start();
  process.stdout.write(`ready ${server.endpoints[0]!.port}\n`);
  process.on('SIGTERM', () => {
    void server.shutdown(0).then(() => process.exit(0));
  });
}

void main().catch((err: unknown) => {
  process.stderr.write(`${String(err)}\n`);
  process.exit(1);
});
