"""A misbehaving Modbus RTU responder on one end of a pseudo-terminal pair (the framing tests).

Usage: faulty_rtu.py TTY. It answers FC 3 and 4 from any unit, every register holding the number
of the request it answers (1, 2, ...). Faults come on stdin as JSON lines,
{"fault": "garbage" | "truncated" | "bad-crc" | "silence", "times": N}, and each request takes the
next one queued. stdout gets {"ready": true} once the line is open, then one JSON line per
request: {"seq": N, "fault": F or null}. A faulty reply that could be decoded carries 0xBEEF.
No pyserial: the pty is opened with os.open and put in raw mode with termios.
"""
import json
import os
import select
import sys
import termios
import tty

BAD_VALUE = 0xBEEF


def crc16(data):
    crc = 0xFFFF
    for b in data:
        crc ^= b
        for _ in range(8):
            crc = (crc >> 1) ^ 0xA001 if crc & 1 else crc >> 1
    return crc


def with_crc(frame):
    c = crc16(frame)
    return bytes(frame) + bytes([c & 0xFF, c >> 8])


def reply(request, seq, fault):
    unit, fc = request[0], request[1]
    count = int.from_bytes(request[4:6], 'big')
    if fc not in (3, 4):
        return with_crc(bytes([unit, fc | 0x80, 1]))
    value = BAD_VALUE if fault else seq & 0xFFFF
    pdu = bytes([unit, fc, count * 2]) + value.to_bytes(2, 'big') * count
    good = with_crc(pdu)
    if fault is None:
        return good
    if fault == 'garbage':
        return bytes([0xDE, 0xAD, 0xBE, 0xEF, 0x13, 0x37, 0x42, 0x42, 0x01, 0x02])
    if fault == 'truncated':
        return good[: len(good) // 2]
    if fault == 'bad-crc':
        return good[:-2] + bytes([good[-2] ^ 0xFF, good[-1] ^ 0xFF])
    if fault == 'silence':
        return b''
    raise ValueError(fault)


def main():
    fd = os.open(sys.argv[1], os.O_RDWR | os.O_NOCTTY)
    tty.setraw(fd)
    attrs = termios.tcgetattr(fd)
    attrs[3] &= ~termios.ECHO
    termios.tcsetattr(fd, termios.TCSANOW, attrs)
    queue = []
    seq = 0
    buf = b''
    print(json.dumps({'ready': True}), flush=True)
    while True:
        readable, _, _ = select.select([fd, sys.stdin], [], [])
        if sys.stdin in readable:
            line = sys.stdin.readline()
            if not line:
                return
            cmd = json.loads(line)
            queue.extend([cmd['fault']] * cmd.get('times', 1))
        if fd in readable:
            buf += os.read(fd, 256)
            # Read requests (FC 1 to 6) are 8 bytes; a byte that starts no valid one is dropped.
            while len(buf) >= 8:
                request = buf[:8]
                if crc16(request[:6]) != int.from_bytes(request[6:8], 'little'):
                    buf = buf[1:]
                    continue
                buf = buf[8:]
                seq += 1
                fault = queue.pop(0) if queue else None
                out = reply(request, seq, fault)
                if out:
                    os.write(fd, out)
                print(json.dumps({'seq': seq, 'fault': fault}), flush=True)


if __name__ == '__main__':
    main()
