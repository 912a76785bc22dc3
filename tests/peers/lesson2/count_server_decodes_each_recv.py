"""A server for lesson 2's `count` exercise, in Python, with the article's way of decoding: each
recv(1024) is decoded on its own, as the article's server does with `str(data, encoding='utf8')`.

    cargo lab check lesson2 count --server "python3 tests/peers/lesson2/count_server_decodes_each_recv.py {port}"

Typed by hand, a line arrives in one recv and is counted right. Sent a byte at a time, the first
recv holds a third of a character, and decoding it raises UnicodeDecodeError, which ends the
connection without an answer. tests/checker.rs proves that the checker fails it.
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
            try:
                characters = 0
                while True:
                    data = conn.recv(1024)
                    if not data:
                        break
                    text = str(data, encoding="utf8")  # the mistake: a recv is not whole characters
                    for character in text:
                        if character == "\n":
                            conn.sendall(f"{characters}\n".encode())
                            characters = 0
                        else:
                            characters += 1
            except UnicodeDecodeError as error:
                print(f"connection ended: {error}", file=sys.stderr, flush=True)


if __name__ == "__main__":
    serve(int(sys.argv[1]))
