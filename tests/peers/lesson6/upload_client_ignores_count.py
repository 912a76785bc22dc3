"""A client for lesson 6's `upload` exercise, in Python, with the article's mistake: its put sends
each line with send, and ignores what send returns.

    cargo lab check lesson6 upload --client "python3 tests/peers/lesson6/upload_client_ignores_count.py {host} {port}"

It is upload_client.py with one function replaced, `send_line`. Its socket has a timeout, which
makes it non-blocking underneath: a send waits until the socket has room, takes what fits, and returns.
Short lines fit, so a small text file arrives whole; the rest of a long line, sent while the
socket is full, is lost. (Without the timeout, Linux's send would wait until all of a line fits,
and hide the mistake.) The checker's teacher mode fails it (tests/checker.rs proves it).
"""

import upload_client


def send_line_once(s, line):
    s.send(line)  # the mistake: what send returns, how much it took, is thrown away


if __name__ == "__main__":
    upload_client.send_line = send_line_once
    upload_client.main()
