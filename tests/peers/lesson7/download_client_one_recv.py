"""A client for lesson 7's `download` exercise, in Python, with a classic mistake: it trusts one
recv to hold the whole file. Its frames are read right, and over loopback a small file often comes
in one piece, so trying it by hand suggests it works; the checker's teacher mode fails it
(tests/checker.rs proves it):

    cargo lab check lesson7 download --client "python3 tests/peers/lesson7/download_client_one_recv.py {host} {port}"

It is download_client.py with one function replaced, `receive_file`. Once one recv has returned
part of the file, the rest of the file is still in the socket, and the client reads the start of
it as the trailer's length.
"""

import download_client


def receive_file_with_one_recv(conn, size):
    return conn.recv(size)  # the mistake: one recv is whatever has arrived so far


if __name__ == "__main__":
    download_client.receive_file = receive_file_with_one_recv
    download_client.main()
