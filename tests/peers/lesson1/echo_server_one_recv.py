"""An echo server for lesson 1's `echo` exercise, in Python, with a classic mistake.

It answers one recv(1024) per connection and closes, trusting that one recv holds the client's
whole message. A short message that arrives at once comes back fine, so trying it by hand
suggests it works; the checker's teacher mode fails it (tests/checker.rs proves it):

    cargo lab check lesson1 echo --server "python3 tests/peers/lesson1/echo_server_one_recv.py {port}"

It prints nothing when it is ready: the checker finds out by connecting.
"""

import socket
import sys


def serve(port):
    listener = socket.socket()
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", port))
    listener.listen(5)
    while True:
        conn, _client_address = listener.accept()
        with conn:
            data = conn.recv(1024)  # the mistake: one recv is whatever has arrived so far
            conn.sendall(data)


if __name__ == "__main__":
    serve(int(sys.argv[1]))
