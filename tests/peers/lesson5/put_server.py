"""A correct server for lesson 5's `receive` exercise, in Python: the article's login and put,
and lesson 5's get.

    cargo lab check lesson5 receive --server "python3 tests/peers/lesson5/put_server.py lessons/lesson4-login/users.json {port}"

Each request is one recv(1024), as in the article. put answers {"status": 200} and then reads
exactly file_size bytes: each recv asks for no more than what is left of the file, so the next
request stays in the socket, and a recv that returns b"" before the end means the client is gone.
The files are kept in memory, and a file is added only once all of it has arrived, so a cut-off
upload leaves nothing behind. tests/checker.rs proves that it passes.
"""

import hashlib
import json
import socketserver
import sys

USERS = {}
FILES = {}  # (user, file name) -> the file's bytes


def reply(conn, **fields):
    conn.sendall(json.dumps(fields).encode())


def receive(conn, file_size):
    """Exactly file_size bytes, or None if the connection ends first."""
    pieces = []
    received = 0
    while received < file_size:
        piece = conn.recv(min(1024, file_size - received))
        if not piece:
            return None
        pieces.append(piece)
        received += len(piece)
    return b"".join(pieces)


def go_ahead(answer):
    """Whether the client's answer to a get's size is {"status": 200}."""
    try:
        return json.loads(answer).get("status") == 200
    except (ValueError, AttributeError):
        return False


def is_plain_name(name):
    """One name, not a path: the file lands in the user's own place, nowhere else."""
    return (
        isinstance(name, str)
        and name not in ("", ".", "..")
        and not any(c in name for c in "/\\\0")
        and name.isprintable()
    )


class FtpHandler(socketserver.BaseRequestHandler):
    def handle(self):
        user = self.log_in()
        if user is None:
            return
        conn = self.request
        while True:
            message = conn.recv(1024)
            if not message:
                return
            try:
                request = json.loads(message)
                action = request["action"]
            except (ValueError, KeyError, TypeError) as err:
                reply(conn, status=400, message=f"not a request: {err}")
                continue
            if action == "put":
                name, file_size = request.get("filename"), request.get("file_size")
                if not is_plain_name(name) or not isinstance(file_size, int) or file_size < 0:
                    reply(conn, status=400, message="a put needs a plain filename and a file_size")
                    continue
                reply(conn, status=200)
                data = receive(conn, file_size)
                if data is None:  # cut short: nothing is kept, and the client is gone
                    return
                FILES[(user, name)] = data
            elif action == "get":
                data = FILES.get((user, request.get("filename")))
                if data is None:
                    reply(conn, status=404, message="no such file")
                    continue
                reply(conn, status=200, file_size=len(data))
                if go_ahead(conn.recv(1024)):
                    conn.sendall(data)
            else:
                reply(conn, status=400, message=f"unknown action {action!r}")

    def log_in(self):
        """The article's login exchange; the user's name, or None if the client left."""
        conn = self.request
        while True:
            name = conn.recv(1024)
            if not name:
                return None
            name = name.decode("utf-8", "replace")
            if name not in USERS:
                conn.sendall(b"login failed: no such user")
                continue
            conn.sendall(b"200")
            password = conn.recv(1024)
            if not password:
                return None
            if hashlib.md5(password).hexdigest() != USERS[name]["passwd"]:
                conn.sendall(b"login failed: wrong password")
                continue
            conn.sendall(b"200")
            return name


def main():
    with open(sys.argv[1]) as users_file:
        USERS.update(json.load(users_file))
    port = int(sys.argv[2])
    socketserver.ThreadingTCPServer.allow_reuse_address = True
    server = socketserver.ThreadingTCPServer(("127.0.0.1", port), FtpHandler)
    print(f"listening on 127.0.0.1:{port}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
