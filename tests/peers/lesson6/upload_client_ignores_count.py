"""A client for lesson 6's `upload` exercise, in Python, with the article's mistake: its put sends
each line with send, and ignores what send returns.

    cargo run -- check lesson6 upload --client "python3 tests/peers/lesson6/upload_client_ignores_count.py {host} {port}"

It is upload_client.py with one change, in `send_line`. Its socket has a timeout, which makes it
non-blocking underneath: a send waits until the socket has room, takes what fits, and returns.
Short lines fit, so a small text file arrives whole; the rest of a long line, sent while the
socket is full, is lost. (Without the timeout, Linux's send would wait until all of a line fits,
and hide the mistake.) The checker's teacher mode fails it (tests/checker.rs proves it).
"""

import json
import os
import socket
import sys


def send_line(s, line):
    s.send(line)  # the mistake: what send returns, how much it took, is thrown away


def put(s, user, path):
    file_size = os.path.getsize(path)
    header = {"action": "put", "filename": os.path.basename(path), "file_size": file_size,
              "ftp_user": user}
    s.send(json.dumps(header).encode())
    reply = json.loads(s.recv(1024))
    print(reply)
    if reply["status"] != 200:
        return
    with open(path, "rb") as f:
        for line in f:
            send_line(s, line)
    print("sent", path)


def main():
    s = socket.create_connection((sys.argv[1], int(sys.argv[2])))
    s.settimeout(10)
    try:
        while True:
            user = input("Input Your ftp user:")
            password = input("Input Your ftp pass:")
            s.send(user.encode())
            if s.recv(1024) != b"200":
                continue
            s.send(password.encode())
            if s.recv(1024) == b"200":
                break
        while True:
            command = input("请输入你要执行的ftp操作>>>:").split()
            if command == ["q"]:
                break
            if len(command) == 2 and command[0] == "put":
                put(s, user, command[1])
    except EOFError:
        pass
    s.close()


if __name__ == "__main__":
    main()
