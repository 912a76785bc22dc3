"""A correct client for lesson 1's `fetch` exercise, in Python: it prints the server's whole reply.

    cargo lab check lesson1 fetch --client "python3 tests/peers/lesson1/fetch_client.py {host} {port}"

In teacher mode a client's result is what it prints on stdout, byte for byte.
"""

import socket
import sys


def fetch(host, port):
    pieces = []
    with socket.create_connection((host, port)) as conn:
        while True:
            piece = conn.recv(1024)
            if not piece:  # b"": the server has closed, the reply is complete
                break
            pieces.append(piece)
    return b"".join(pieces)


if __name__ == "__main__":
    sys.stdout.buffer.write(fetch(sys.argv[1], int(sys.argv[2])))
