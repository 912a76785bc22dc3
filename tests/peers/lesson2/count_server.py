"""A correct server for lesson 2's `count` exercise, in Python: it answers each line with its
number of characters.

    cargo lab check lesson2 count --server "python3 tests/peers/lesson2/count_server.py {port}"

It keeps the bytes of a line until its b"\\n" has come, and decodes the line only then: a recv
may end inside a character, a whole line cannot. tests/checker.rs proves that it passes.
"""

import socket
import sys


def answer(line):
    try:
        return f"{len(line.decode('utf-8'))}\n".encode()  # len of a str counts characters
    except UnicodeDecodeError:
        return b"not UTF-8\n"


def serve(port):
    listener = socket.socket()
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", port))
    listener.listen(5)
    print(f"listening on 127.0.0.1:{port}", flush=True)
    while True:
        conn, _client_address = listener.accept()
        with conn:
            pending = b""
            while True:
                data = conn.recv(1024)
                if not data:  # b"": the client has closed its end
                    break
                pending += data
                # b"\n" is never part of another character in UTF-8: cut lines first, decode after.
                while b"\n" in pending:
                    line, pending = pending.split(b"\n", 1)
                    conn.sendall(answer(line))


if __name__ == "__main__":
    serve(int(sys.argv[1]))
