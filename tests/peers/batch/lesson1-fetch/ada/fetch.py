"""ada's fetch: reads until recv returns b"", the server's close."""

import socket
import sys

with socket.create_connection((sys.argv[1], int(sys.argv[2]))) as conn:
    while True:
        piece = conn.recv(1024)
        if not piece:
            break
        sys.stdout.buffer.write(piece)
