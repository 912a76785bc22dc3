"""ben's fetch: one recv(1024), trusted to hold the whole reply."""

import socket
import sys

with socket.create_connection((sys.argv[1], int(sys.argv[2]))) as conn:
    sys.stdout.buffer.write(conn.recv(1024))
