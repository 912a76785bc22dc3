"""cy's fetch: the whole reply, and then it never exits."""

import socket
import sys
import time

with socket.create_connection((sys.argv[1], int(sys.argv[2]))) as conn:
    while True:
        piece = conn.recv(1024)
        if not piece:
            break
        sys.stdout.buffer.write(piece)
sys.stdout.flush()
while True:
    time.sleep(60)
