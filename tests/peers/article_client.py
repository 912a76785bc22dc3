#!/usr/bin/env python3
"""A client that behaves on the wire as the article's FTP client does.

Reproduces the client of section 三 of "Python 之socket的应用" by madq-py
(https://www.cnblogs.com/madq-py/p/5655245.html), written anew for the kit's tests: same
messages, same order, same lockstep, same reads.

- Login: asks for the user and the password, sends the user, reads one recv(1024); on "200" sends
  the password and reads one recv(2014) (the article's size); any other answer is printed and the
  login starts again.
- Commands: only `put FILE` does anything, as in the article. The header is json.dumps of
  {"action": "put", "filename": ..., "file_size": ..., "ftp_user": ...}; the reply is one
  recv(1024) read as JSON; on status 200 the file goes out with `for line in f: s.send(line)`,
  the count that send returns ignored. Nothing is read after the data.
- The file name sent is the path after its last backslash, as in the article (which splits on
  the Windows separator; the printed code lost one backslash of '\\\\'). On Linux a path with a slash
  is therefore sent whole.

What differs from the printed code, none of it on the wire: the imports it leaves out, the address
taken from the command line, the end of input handled as `q`, and the printed texts.

Usage: article_client.py HOST PORT   (commands on stdin)
"""
import json
import os
import socket
import sys


def put(s, ftp_user, path):
    if not os.path.isfile(path):
        print('no such file:', path)
        return
    file_size = os.stat(path).st_size
    filename = path.split('\\')[-1]
    print('put %s: %s bytes' % (path, file_size))
    header = {"action": "put", "filename": filename, "file_size": file_size, "ftp_user": ftp_user}
    s.send(bytes(json.dumps(header), encoding='utf8'))
    reply = json.loads(str(s.recv(1024), encoding='utf8'))
    print(reply)
    if reply['status'] == 200:
        with open(path, 'rb') as f:
            for line in f:
                s.send(line)
        print('sent', filename)


def main():
    s = socket.socket()
    s.connect((sys.argv[1], int(sys.argv[2])))
    try:
        while True:
            ftp_user = input('Input Your ftp user:')
            ftp_pass = input('Input Your ftp pass:')
            s.send(bytes(ftp_user, encoding='utf8'))
            answer = str(s.recv(1024), encoding='utf8')
            if answer != '200':
                print(answer)
                continue
            s.send(bytes(ftp_pass, encoding='utf8'))
            answer = str(s.recv(2014), encoding='utf8')
            if answer != '200':
                print(answer)
                continue
            break
        print('logged in as', ftp_user)
        while True:
            command = input('请输入你要执行的ftp操作>>>:').strip()
            if command == 'q':
                break
            if not command:
                continue
            words = command.split()
            if words[0] == 'put':
                put(s, ftp_user, words[1])
    except EOFError:
        pass
    s.close()


if __name__ == '__main__':
    main()
