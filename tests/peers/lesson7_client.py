#!/usr/bin/env python3
"""A lesson 7 client in Python 3, written from the book's protocol chapter alone.

Usage: lesson7_client.py HOST:PORT USER PASSWORD COMMAND...
where each COMMAND is one argument: "ls", "ls PATH", "cd PATH", "mkdir PATH", "put LOCAL_FILE"
or "get PATH" (saved in the current directory). Prints one line per command; exits 1 on the first
refusal. Uses the standard library only.
"""

import hashlib
import json
import os
import socket
import struct
import sys

MAX_REPLY = 4 * 1024 * 1024
BLOCK = 64 * 1024


def recv_exactly(sock, n):
    """Reads exactly n bytes: recv returns what has arrived, which may be less."""
    parts = []
    while n > 0:
        data = sock.recv(min(n, BLOCK))
        if not data:
            raise ConnectionError("the server closed the connection")
        parts.append(data)
        n -= len(data)
    return b"".join(parts)


def send_frame(sock, obj):
    body = json.dumps(obj).encode("utf-8")
    sock.sendall(struct.pack(">I", len(body)) + body)


def recv_frame(sock):
    (length,) = struct.unpack(">I", recv_exactly(sock, 4))
    if not 1 <= length <= MAX_REPLY:
        raise ValueError(f"a reply frame of {length} bytes")
    return json.loads(recv_exactly(sock, length).decode("utf-8"))


def call(sock, request):
    send_frame(sock, request)
    reply = recv_frame(sock)
    if reply["status"] != 200:
        print(f"refused {reply['status']}: {reply['error']}")
        sys.exit(1)
    return reply


def put(sock, local):
    name = os.path.basename(local)
    size = os.path.getsize(local)
    ready = call(sock, {"action": "put", "name": name, "size": size})
    md5 = hashlib.md5()
    with open(local, "rb") as f:
        md5.update(f.read(ready["offset"]))  # a resumed upload still hashes the whole file
        while True:
            block = f.read(BLOCK)
            if not block:
                break
            md5.update(block)
            sock.sendall(block)
    stored = call_after_data(sock, {"md5": md5.hexdigest()})
    print(f"put {stored['path']} {stored['size']} {stored['md5']}")


def call_after_data(sock, trailer):
    send_frame(sock, trailer)
    reply = recv_frame(sock)
    if reply["status"] != 200:
        print(f"refused {reply['status']}: {reply['error']}")
        sys.exit(1)
    return reply


def get(sock, path):
    name = path.rstrip("/").split("/")[-1]
    ready = call(sock, {"action": "get", "path": path, "offset": 0})
    md5 = hashlib.md5()
    remaining = ready["size"]
    with open(name + ".part", "wb") as f:
        while remaining > 0:
            block = sock.recv(min(remaining, BLOCK))
            if not block:
                raise ConnectionError("the server closed the connection mid-file")
            md5.update(block)
            f.write(block)
            remaining -= len(block)
    trailer = recv_frame(sock)
    if trailer["md5"] != md5.hexdigest():
        os.remove(name + ".part")
        print(f"md5 mismatch for {path}")
        sys.exit(1)
    os.replace(name + ".part", name)
    print(f"got {name} {ready['size']} {trailer['md5']}")


def main():
    address, user, password, *commands = sys.argv[1:]
    host, port = address.rsplit(":", 1)
    with socket.create_connection((host, int(port)), timeout=20) as sock:
        greeting = recv_frame(sock)
        if greeting["status"] != 200:
            print(f"refused {greeting['status']}: {greeting['error']}")
            sys.exit(1)
        call(sock, {"action": "login", "user": user, "password": password, "version": 1})
        print(f"logged in as {user}, protocol version {greeting['version']}")
        for command in commands:
            action, _, argument = command.partition(" ")
            if action == "put":
                put(sock, argument)
            elif action == "get":
                get(sock, argument)
            elif action == "ls":
                request = {"action": "ls"}
                if argument:
                    request["path"] = argument
                for entry in call(sock, request)["entries"]:
                    kind = "d" if entry["dir"] else "-"
                    print(f"{kind} {entry['size']} {entry['name']}")
            else:
                reply = call(sock, {"action": action, "path": argument})
                print(f"{action} {reply['path']}")
        call(sock, {"action": "quit"})


if __name__ == "__main__":
    main()
