#!/usr/bin/python3
"""An independent Modbus server for HeatBridge's adapter tests: Debian's python3-pymodbus.

Reads a JSON job on stdin, encodes every value with pymodbus's own payload builder (never
HeatBridge's codec), and serves it until killed:

  {"transport": "tcp" | "rtu-over-tcp" | "rtu", "port": 5502, "serial": "/dev/pts/7",
   "values": [{"unit": 1, "table": "holding", "address": 0, "type": "float32",
               "order": "CDAB", "value": 1.5}, ...],
   "bits": [{"unit": 1, "table": "coil", "address": 0, "value": true}, ...],
   "words": [{"unit": 1, "table": "input", "address": 100, "values": [1, 2, 3]}, ...]}

Prints "ready" on stdout once listening (for rtu: once the serial port is open).
"""
import asyncio
import json
import sys

from pymodbus.constants import Endian
from pymodbus.datastore import ModbusServerContext, ModbusSequentialDataBlock, ModbusSlaveContext
from pymodbus.framer.rtu_framer import ModbusRtuFramer
from pymodbus.framer.socket_framer import ModbusSocketFramer
from pymodbus.payload import BinaryPayloadBuilder
from pymodbus.server.async_io import ModbusSerialServer, ModbusTcpServer

ORDERS = {
    "ABCD": (Endian.Big, Endian.Big),
    "CDAB": (Endian.Big, Endian.Little),
    "BADC": (Endian.Little, Endian.Big),
    "DCBA": (Endian.Little, Endian.Little),
}
SIZE = 1000


def encode(value, kind, order):
    byteorder, wordorder = ORDERS[order]
    b = BinaryPayloadBuilder(byteorder=byteorder, wordorder=wordorder)
    if kind == "string":
        b.add_string(value)
    else:
        {
            "int16": b.add_16bit_int,
            "uint16": b.add_16bit_uint,
            "int32": b.add_32bit_int,
            "uint32": b.add_32bit_uint,
            "int64": b.add_64bit_int,
            "uint64": b.add_64bit_uint,
            "float32": b.add_32bit_float,
            "float64": b.add_64bit_float,
        }[kind](value)
    return b.to_registers()


def main():
    job = json.load(sys.stdin)
    units = {}

    def unit(u):
        if u not in units:
            units[u] = {t: [0] * SIZE for t in ("coil", "discrete", "input", "holding")}
        return units[u]

    for v in job.get("values", []):
        regs = encode(v["value"], v["type"], v.get("order", "ABCD"))
        table = unit(v["unit"])[v["table"]]
        table[v["address"]:v["address"] + len(regs)] = regs
    for w in job.get("words", []):
        table = unit(w["unit"])[w["table"]]
        table[w["address"]:w["address"] + len(w["values"])] = w["values"]
    for b in job.get("bits", []):
        unit(b["unit"])[b["table"]][b["address"]] = 1 if b["value"] else 0

    slaves = {
        u: ModbusSlaveContext(
            co=ModbusSequentialDataBlock(0, t["coil"]),
            di=ModbusSequentialDataBlock(0, t["discrete"]),
            ir=ModbusSequentialDataBlock(0, t["input"]),
            hr=ModbusSequentialDataBlock(0, t["holding"]),
            zero_mode=True,
        )
        for u, t in units.items()
    }
    context = ModbusServerContext(slaves=slaves, single=False)

    async def run():
        transport = job.get("transport", "tcp")
        if transport == "rtu":
            server = ModbusSerialServer(context, framer=ModbusRtuFramer, port=job["serial"], baudrate=job.get("baudrate", 19200))
            await server.start()  # opens the serial port (serve_forever alone does not)
        else:
            framer = ModbusRtuFramer if transport == "rtu-over-tcp" else ModbusSocketFramer
            server = ModbusTcpServer(context, framer, None, ("127.0.0.1", job["port"]), allow_reuse_address=True)
        task = asyncio.create_task(server.serve_forever())
        await asyncio.sleep(0.3)
        print("ready", flush=True)
        await task

    asyncio.run(run())


if __name__ == "__main__":
    main()
