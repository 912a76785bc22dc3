"""A client for lesson 1's `fetch` exercise, in Python, with the article's mistake: it trusts one
recv(1024) to hold the whole reply, as the article's client does with its status codes.

    cargo lab check lesson1 fetch --client "python3 tests/peers/lesson1/fetch_client_one_recv.py {host} {port}"
"""

import socket
import sys


def fetch(host, port):
    with socket.create_connection((host, port)) as conn:
        return conn.recv(1024)  # the mistake: at most 1024 bytes, and only what has arrived


if __name__ == "__main__":
    sys.stdout.buffer.write(fetch(sys.argv[1], int(sys.argv[2])))
