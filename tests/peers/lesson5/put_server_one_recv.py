"""A server for lesson 5's `receive` exercise, in Python, with the classic mistake: it trusts
one recv to hold the whole file.

    cargo lab check lesson5 receive --server "python3 tests/peers/lesson5/put_server_one_recv.py lessons/lesson4-login/users.json {port}"

It is put_server.py with one function replaced, `receive`: a single recv(file_size). A recv
returns what has arrived, which for a small file sent in one write is all of it, so trying it by
hand suggests it works. A file that arrives in pieces is stored cut short, and the rest of it is read as the
next request. The checker's teacher mode fails it (tests/checker.rs proves it).
"""

import put_server


def receive_with_one_recv(conn, file_size):
    """The file's bytes, or None if the connection ends first."""
    data = conn.recv(file_size)  # the mistake: one recv is whatever has arrived so far
    if not data and file_size > 0:
        return None
    return data


if __name__ == "__main__":
    put_server.receive = receive_with_one_recv
    put_server.main()
