#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
# notify-listener.py SOCKET OUT READY: a stand-in for systemd's notify
# socket.  Binds the datagram socket SOCKET (mode 0777), writes "yes" to
# READY once it listens, appends every message it gets to OUT (a line per
# datagram) and closes the pipe a BARRIER=1 hands it, as systemd does.
# Stops after READY=1, after 3 messages or after 30 s, whichever is first.
import os
import socket
import sys
import time

sock_path, out, ready = sys.argv[1:4]
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sock_path)
os.chmod(sock_path, 0o777)
with open(ready, "w") as f:
    f.write("yes\n")
s.settimeout(1)
end, n = time.time() + 30, 0
while time.time() < end and n < 3:
    try:
        msg, anc, _flags, _addr = s.recvmsg(4096, socket.CMSG_SPACE(4))
    except socket.timeout:
        continue
    for _level, typ, data in anc:
        if typ == socket.SCM_RIGHTS:
            os.close(int.from_bytes(data[:4], sys.byteorder))
    with open(out, "a") as f:
        f.write(msg.decode() + "\n")
    n += 1
    if b"READY=1" in msg.split(b"\n"):
        break
