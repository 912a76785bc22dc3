#!/usr/bin/env python3
"""A server that behaves on the wire as the article's FTP server does.

Reproduces the server of section 三 of "Python 之socket的应用" by madq-py
(https://www.cnblogs.com/madq-py/p/5655245.html), written anew for the kit's tests: same
messages, same order, same lockstep, same reads, and the same bugs on the wire.

- A ThreadingTCPServer; each connection first logs in: the user name in one recv(1024), answered
  "200" or an error text (in Chinese, as in the article; the wording here is the kit's own); then
  the password in one recv(1024), whose md5 hex digest must be the user's "passwd" in the users
  file: "200" or an error text. After an error the login starts again with the user name.
- Then each recv(1024) is one JSON request, dispatched with getattr on "task_" + action. Only put
  exists; any other action gets no answer at all. A request that is not JSON raises, which ends
  the connection.
- put: answers json.dumps({"status": 200}), then reads recv(1024) until file_size bytes have
  arrived, into FTP_USER/FILENAME under the working directory, FTP_USER taken from the header.
  Nothing is sent after the data. Like the article, the loop does not stop when recv returns
  nothing, and it may read past the end of the file.

What differs from the printed code, none of it on the wire: the imports it leaves out, the users
file and port taken from the command line, a `listening on HOST:PORT` line for the tests, and
os.path.join where the article joins with a backslash (its Windows separator).

Usage: article_server.py USERS_FILE [PORT]
"""
import hashlib
import json
import os
import socketserver
import sys

USERS = {}


class FtpHandler(socketserver.BaseRequestHandler):
    def handle(self):
        while True:
            ftp_user = self.request.recv(1024).decode()
            if ftp_user not in USERS:
                self.request.sendall(bytes('没有这个用户，请重新输入', encoding='utf8'))
                continue
            self.request.send(bytes('200', encoding='utf8'))
            ftp_pass = self.request.recv(1024).decode()
            if hashlib.md5(ftp_pass.encode()).hexdigest() != USERS[ftp_user].get('passwd'):
                self.request.sendall(bytes('密码错误，请重新输入', encoding='utf8'))
                continue
            self.request.send(bytes('200', encoding='utf8'))
            break
        while True:
            data = self.request.recv(1024)
            if len(data) == 0:
                break
            task = json.loads(data.decode())
            method = getattr(self, 'task_%s' % task.get('action'), None)
            if method is not None:
                method(task)

    def task_put(self, task):
        filename = task.get('filename')
        file_size = task.get('file_size')
        ftp_user = task.get('ftp_user')
        self.request.send(bytes(json.dumps({"status": 200}), encoding='utf8'))
        received = 0
        with open(os.path.join(ftp_user, filename), 'wb') as f:
            while received < file_size:
                data = self.request.recv(1024)
                f.write(data)
                received += len(data)
        print('received', filename, received, 'bytes', flush=True)


def main():
    with open(sys.argv[1]) as f:
        USERS.update(json.load(f))
    port = int(sys.argv[2]) if len(sys.argv) > 2 else 8089
    server = socketserver.ThreadingTCPServer(('127.0.0.1', port), FtpHandler)
    host, port = server.server_address
    print('listening on %s:%s' % (host, port), flush=True)
    server.serve_forever()


if __name__ == '__main__':
    main()
