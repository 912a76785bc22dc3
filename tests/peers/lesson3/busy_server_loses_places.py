"""A server for lesson 3's `busy` exercise, in Python, with a classic mistake: it gives a place
back after the handler returns, and not when the handler raises.

    cargo run -- check lesson3 busy --server "python3 tests/peers/lesson3/busy_server_loses_places.py {port}"

Clients that behave never show it. Three that make the handler raise take the three places with
them, and from then on every client is told "busy". tests/checker.rs proves that the checker
fails it.
"""

import socket
import sys
import threading

MAX_CLIENTS = 3


def handle(conn):
    data = conn.recv(1024)
    if not data:  # the client closed without a word (the checker's probe does): nothing to answer
        return
    message = data.decode("utf-8")
    if message == "panic":
        raise RuntimeError('the client sent "panic", and this handler fails on purpose')
    conn.sendall(f'received "{message}"'.encode())


class Places:
    def __init__(self):
        self.lock = threading.Lock()
        self.taken = 0

    def take(self):
        with self.lock:
            if self.taken == MAX_CLIENTS:
                return False
            self.taken += 1
            return True

    def give_back(self):
        with self.lock:
            self.taken -= 1


def serve_client(conn, places):
    with conn:
        handle(conn)
    places.give_back()  # the mistake: skipped when handle raises


def report_failure(failure):
    """One line for a handler's exception, where Python would print a whole traceback."""
    print(f"a handler failed: {failure.exc_value}", file=sys.stderr, flush=True)


def serve(port):
    threading.excepthook = report_failure
    listener = socket.socket()
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", port))
    listener.listen(5)
    print(f"listening on 127.0.0.1:{port}", flush=True)
    places = Places()
    while True:
        conn, _client_address = listener.accept()
        if not places.take():
            conn.sendall(b"busy, try again later\n")
            conn.close()
            continue
        conn.sendall(b"welcome\n")
        threading.Thread(target=serve_client, args=(conn, places), daemon=True).start()


if __name__ == "__main__":
    serve(int(sys.argv[1]))
