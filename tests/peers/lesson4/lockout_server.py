"""A correct server for lesson 4's `lockout` exercise, in Python: the article's login, and a user
locked out after three wrong passwords in a row.

    cargo lab check lesson4 lockout --server "python3 tests/peers/lesson4/lockout_server.py lessons/lesson4-login/users.json {port}"

The login is the article's exchange: the user name, answered "200" or a refusal, then the
password, whose md5 hex digest must be the user's "passwd" in the users file. The count of each
user's wrong passwords belongs to the server, not to a connection: every connection's thread sees
it, behind a lock. After a login the server answers every request with a 400, since the tests only
log in. tests/checker.rs proves that it passes.
"""

import hashlib
import json
import socketserver
import sys
import threading

MAX_WRONG_PASSWORDS = 3
LOCKED_OUT = "login failed: too many wrong passwords, this user is locked out"

USERS = {}
wrong_in_a_row = {}  # user name -> wrong passwords in a row, for every connection to see
counts_lock = threading.Lock()


def check_password(name, password):
    """Returns "200", or the refusal; counts the answer, in one step under the lock."""
    with counts_lock:
        wrong = wrong_in_a_row.get(name, 0)
        if wrong >= MAX_WRONG_PASSWORDS:
            return LOCKED_OUT
        if hashlib.md5(password).hexdigest() == USERS[name]["passwd"]:
            wrong_in_a_row[name] = 0
            return "200"
        wrong_in_a_row[name] = wrong + 1
        if wrong + 1 >= MAX_WRONG_PASSWORDS:
            return LOCKED_OUT
        return "login failed: wrong password"


def is_locked_out(name):
    with counts_lock:
        return wrong_in_a_row.get(name, 0) >= MAX_WRONG_PASSWORDS


class LoginHandler(socketserver.BaseRequestHandler):
    def handle(self):
        conn = self.request
        while True:
            name = conn.recv(1024)
            if not name:  # the client closed the connection before logging in
                return
            name = name.decode("utf-8", "replace")
            if name not in USERS:
                conn.sendall(b"login failed: no such user")
                continue
            if is_locked_out(name):
                conn.sendall(LOCKED_OUT.encode())
                continue
            conn.sendall(b"200")
            password = conn.recv(1024)
            if not password:
                return
            answer = check_password(name, password)
            conn.sendall(answer.encode())
            if answer == "200":
                break
        while conn.recv(1024):
            reply = {"status": 400, "message": "this server only logs in"}
            conn.sendall(json.dumps(reply).encode())


def main():
    with open(sys.argv[1]) as users_file:
        USERS.update(json.load(users_file))
    port = int(sys.argv[2])
    socketserver.ThreadingTCPServer.allow_reuse_address = True
    server = socketserver.ThreadingTCPServer(("127.0.0.1", port), LoginHandler)
    print(f"listening on 127.0.0.1:{port}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
