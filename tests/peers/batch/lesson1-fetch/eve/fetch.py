"""eve's fetch: hands text to a stream of bytes, and dies with a TypeError."""

import socket
import sys

with socket.create_connection((sys.argv[1], int(sys.argv[2]))) as conn:
    sys.stdout.buffer.write(conn.recv(1024).decode())
