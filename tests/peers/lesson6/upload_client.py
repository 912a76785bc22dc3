"""A correct client for lesson 6's `upload` exercise, in Python: the article's client, whose put
sends each line with sendall.

    cargo lab check lesson6 upload --client "python3 tests/peers/lesson6/upload_client.py {host} {port}"

It reads the answers to the article's prompts from stdin: the user, the password, then commands
(`put PATH`, `q`). Its socket has a timeout, as careful code sets one, which makes it
non-blocking underneath: a send takes what fits. sendall goes on with the rest until each line
is gone. tests/checker.rs proves that it passes.
"""

import json
import os
import socket
import sys


def send_line(s, line):
    s.sendall(line)


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
