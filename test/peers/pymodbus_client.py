#!/usr/bin/python3
"""An independent Modbus TCP client for HeatBridge's tests: Debian's python3-pymodbus.

Reads a JSON job on stdin, runs each operation with pymodbus and its own payload decoder
(never HeatBridge's codec), and prints one JSON result per operation:

  {"host": "127.0.0.1", "port": 5020, "timeout": 1.0, "ops": [
    {"op": "read", "unit": 2, "table": "input", "address": 4, "count": 2,
     "type": "float32", "order": "CDAB", "scale": 1},
    {"op": "write_register", "unit": 1, "address": 0, "value": 7},
    {"op": "write_registers", "unit": 1, "address": 0, "type": "float32", "order": "CDAB", "value": 12.5},
    {"op": "write_coil", "unit": 1, "address": 0, "value": true}]}

Results: {"value": ..., "registers": [...]} | {"exception": <code>} | {"error": "<text>"}.
"""
import json
import sys

from pymodbus.client import ModbusTcpClient
from pymodbus.constants import Endian
from pymodbus.framer.rtu_framer import ModbusRtuFramer
from pymodbus.framer.socket_framer import ModbusSocketFramer
from pymodbus.payload import BinaryPayloadBuilder, BinaryPayloadDecoder

# HeatBridge's order names → (byte order within a word, word order), as pymodbus names them.
ORDERS = {
    "ABCD": (Endian.Big, Endian.Big),
    "CDAB": (Endian.Big, Endian.Little),
    "BADC": (Endian.Little, Endian.Big),
    "DCBA": (Endian.Little, Endian.Little),
}


def decode(registers, kind, order):
    byteorder, wordorder = ORDERS[order]
    d = BinaryPayloadDecoder.fromRegisters(registers, byteorder=byteorder, wordorder=wordorder)
    return {
        "int16": d.decode_16bit_int,
        "uint16": d.decode_16bit_uint,
        "int32": d.decode_32bit_int,
        "uint32": d.decode_32bit_uint,
        "int64": d.decode_64bit_int,
        "uint64": d.decode_64bit_uint,
        "float32": d.decode_32bit_float,
        "float64": d.decode_64bit_float,
    }[kind]()


def encode(value, kind, order):
    byteorder, wordorder = ORDERS[order]
    b = BinaryPayloadBuilder(byteorder=byteorder, wordorder=wordorder)
    {
        "int16": b.add_16bit_int,
        "uint16": b.add_16bit_uint,
        "int32": b.add_32bit_int,
        "uint32": b.add_32bit_uint,
        "float32": b.add_32bit_float,
        "float64": b.add_64bit_float,
    }[kind](value)
    return b.to_registers()


def failed(response):
    if not response.isError():
        return None
    code = getattr(response, "exception_code", None)
    return {"exception": code} if code is not None else {"error": str(response)}


def run(client, op):
    unit = op["unit"]
    if op["op"] == "read":
        table = op["table"]
        if table in ("coil", "discrete"):
            fn = client.read_coils if table == "coil" else client.read_discrete_inputs
            r = fn(op["address"], op.get("count", 1), slave=unit)
            return failed(r) or {"value": [bool(b) for b in r.bits[: op.get("count", 1)]]}
        fn = client.read_input_registers if table == "input" else client.read_holding_registers
        r = fn(op["address"], op["count"], slave=unit)
        bad = failed(r)
        if bad:
            return bad
        result = {"registers": r.registers}
        if "type" in op:
            result["value"] = decode(r.registers, op["type"], op.get("order", "ABCD")) * op.get("scale", 1)
        return result
    if op["op"] == "write_register":
        return failed(client.write_register(op["address"], op["value"], slave=unit)) or {"ok": True}
    if op["op"] == "write_registers":
        values = op.get("values") or encode(op["value"], op["type"], op.get("order", "ABCD"))
        return failed(client.write_registers(op["address"], values, slave=unit)) or {"ok": True}
    if op["op"] == "write_coil":
        return failed(client.write_coil(op["address"], op["value"], slave=unit)) or {"ok": True}
    return {"error": "unknown op " + op["op"]}


def main():
    job = json.load(sys.stdin)
    framer = ModbusRtuFramer if job.get("framer") == "rtu" else ModbusSocketFramer  # rtu: RTU over TCP
    client = ModbusTcpClient(job["host"], port=job["port"], framer=framer, timeout=job.get("timeout", 1.0), retries=0)
    if not client.connect():
        print(json.dumps([{"error": "connection refused"}] * len(job["ops"])))
        return
    results = []
    for op in job["ops"]:
        try:
            results.append(run(client, op))
        except Exception as exc:  # a peer reports, the test decides
            results.append({"error": repr(exc)})
    client.close()
    print(json.dumps(results))


if __name__ == "__main__":
    main()
