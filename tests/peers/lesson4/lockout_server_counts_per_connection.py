"""A server for lesson 4's `lockout` exercise, in Python, with a classic mistake: it counts wrong
passwords in a variable of the connection's own.

    cargo lab check lesson4 lockout --server "python3 tests/peers/lesson4/lockout_server_counts_per_connection.py lessons/lesson4-login/users.json {port}"

Three wrong passwords on one connection lock the user out, on that connection, so trying it by
hand with one client suggests it works. A guesser hangs up after two tries and calls again, and
the count starts from zero. The checker's teacher mode fails it (tests/checker.rs proves it).
"""

import hashlib
import json
import socketserver
import sys

MAX_WRONG_PASSWORDS = 3
LOCKED_OUT = "login failed: too many wrong passwords, this user is locked out"

USERS = {}


class LoginHandler(socketserver.BaseRequestHandler):
    def handle(self):
        conn = self.request
        wrong_in_a_row = {}  # the mistake: made anew for every connection
        while True:
            name = conn.recv(1024)
            if not name:
                return
            name = name.decode("utf-8", "replace")
            if name not in USERS:
                conn.sendall(b"login failed: no such user")
                continue
            if wrong_in_a_row.get(name, 0) >= MAX_WRONG_PASSWORDS:
                conn.sendall(LOCKED_OUT.encode())
                continue
            conn.sendall(b"200")
            password = conn.recv(1024)
            if not password:
                return
            if hashlib.md5(password).hexdigest() == USERS[name]["passwd"]:
                conn.sendall(b"200")
                break
            wrong_in_a_row[name] = wrong_in_a_row.get(name, 0) + 1
            if wrong_in_a_row[name] >= MAX_WRONG_PASSWORDS:
                conn.sendall(LOCKED_OUT.encode())
            else:
                conn.sendall(b"login failed: wrong password")
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
