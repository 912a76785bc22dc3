"""A correct server for lesson 3's `busy` exercise, in Python: at most 3 clients at once, the
others told "busy".

    cargo lab check lesson3 busy --server "python3 tests/peers/lesson3/busy_server.py {port}"

Each client that gets a place is welcomed and handled on a thread of its own by lesson 3's
handler: one recv(1024), one answer, and an exception on the message "panic". The place is
given back in a `finally`, which runs however the handler ends. tests/checker.rs proves that it
passes.
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
    """How many clients are being served; the accept loop and the handlers' threads share it."""

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
    try:
        with conn:
            handle(conn)
    finally:  # on every way out: a return, or an exception
        places.give_back()


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
