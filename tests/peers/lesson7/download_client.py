"""A correct client for lesson 7's `download` exercise, in Python, written from the chapter's
specification: it logs in, downloads one file, and prints it once its md5 matches the trailer's.

    cargo lab check lesson7 download --client "python3 tests/peers/lesson7/download_client.py {host} {port}"

It reads the user, the password and the path from stdin, one per line. In teacher mode a client's
result is what it prints on stdout, byte for byte; a refusal or an md5 that differs makes it exit
with status 1, its reason on stderr.
"""

import hashlib
import json
import socket
import struct
import sys

MAX_REPLY = 4 * 1024 * 1024


def recv_exactly(conn, n):
    """Reads exactly n bytes: recv returns what has arrived, which may be less."""
    parts = []
    while n > 0:
        data = conn.recv(min(n, 65536))  # never more than what is left: the trailer follows
        if not data:
            raise ConnectionError("the server closed the connection")
        parts.append(data)
        n -= len(data)
    return b"".join(parts)


def receive_file(conn, size):
    """The file's bytes: exactly size of them, since the trailer follows."""
    return recv_exactly(conn, size)


def send_frame(conn, obj):
    body = json.dumps(obj).encode("utf-8")
    conn.sendall(struct.pack(">I", len(body)) + body)


def recv_frame(conn):
    (length,) = struct.unpack(">I", recv_exactly(conn, 4))
    if not 1 <= length <= MAX_REPLY:
        raise ValueError(f"a reply frame of {length} bytes")
    return json.loads(recv_exactly(conn, length).decode("utf-8"))


def next_reply(conn):
    reply = recv_frame(conn)
    if reply["status"] != 200:
        sys.exit(f"refused: {reply['status']} {reply['error']}")
    return reply


def download(host, port, user, password, path):
    with socket.create_connection((host, port), timeout=60) as conn:
        next_reply(conn)  # the greeting
        send_frame(conn, {"action": "login", "user": user, "password": password, "version": 1})
        next_reply(conn)
        send_frame(conn, {"action": "get", "path": path, "offset": 0})
        size = next_reply(conn)["size"]
        data = receive_file(conn, size)
        trailer = recv_frame(conn)
    if hashlib.md5(data).hexdigest() != trailer["md5"]:
        sys.exit(f"md5 mismatch: the server's file has md5 {trailer['md5']}")
    return data


def main():
    user, password, path = sys.stdin.read().splitlines()[:3]
    sys.stdout.buffer.write(download(sys.argv[1], int(sys.argv[2]), user, password, path))


if __name__ == "__main__":
    main()
