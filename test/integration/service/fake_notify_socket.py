#!/usr/bin/env python3
"""A stand-in for systemd's notification socket, for HeatBridge's service tests.

Binds an AF_UNIX SOCK_DGRAM socket at the path given (`@name`: in the abstract namespace) and
prints one JSON line per datagram: {"at": wall-clock ms, "pid": the sender's pid, "fds": how
many file descriptors came with it, "message": the datagram}.

Like systemd, it closes every file descriptor passed with a message as soon as it has read it:
that is what releases systemd-notify's BARRIER=1 (a pipe whose write end it passes and then waits
to see closed). `socat UNIX-RECV`/`UNIX-RECVFROM` cannot stand in here: socat reads with room for
control messages, so the passed fd lands in socat's own table and stays open, and every
systemd-notify waits its 5 s barrier timeout and exits 1.
"""

import array
import json
import os
import socket
import struct
import sys
import time

path = sys.argv[1]
sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
sock.setsockopt(socket.SOL_SOCKET, socket.SO_PASSCRED, 1)
sock.bind("\0" + path[1:] if path.startswith("@") else path)
print(json.dumps({"listening": path}), flush=True)

ANCILLARY = socket.CMSG_SPACE(64 * array.array("i").itemsize) + socket.CMSG_SPACE(12)
while True:
    data, ancillary, _flags, _addr = sock.recvmsg(8192, ANCILLARY)
    pid = None
    passed = 0
    for level, kind, payload in ancillary:
        if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
            fds = array.array("i")
            fds.frombytes(payload[: len(payload) - len(payload) % fds.itemsize])
            for fd in fds:
                os.close(fd)
                passed += 1
        elif level == socket.SOL_SOCKET and kind == socket.SCM_CREDENTIALS:
            pid = struct.unpack("iii", payload[:12])[0]
    line = {"at": time.time() * 1000, "pid": pid, "fds": passed, "message": data.decode()}
    print(json.dumps(line), flush=True)
