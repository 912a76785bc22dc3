"""A correct echo server for lesson 1's `echo` exercise, in Python.

It shows the checker's teacher mode at work: the kit's tests check it as they check the Rust
exercise, over the socket, and it passes them (tests/checker.rs proves it).

    cargo lab check lesson1 echo --server "python3 tests/peers/lesson1/echo_server.py {port}"

The checker replaces {port} with a free port. This server announces itself with the kit's
`listening on HOST:PORT` line; a server that prints nothing works too (the checker then waits
until a connection succeeds).
"""

import socket
import sys


def serve(port):
    listener = socket.socket()
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", port))
    listener.listen(5)
    print(f"listening on 127.0.0.1:{port}", flush=True)
    while True:
        conn, _client_address = listener.accept()
        with conn:
            while True:
                data = conn.recv(1024)
                if not data:  # b"": the client has closed its end
                    break
                conn.sendall(data)


if __name__ == "__main__":
    serve(int(sys.argv[1]))
