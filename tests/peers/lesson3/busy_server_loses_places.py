"""A server for lesson 3's `busy` exercise, in Python, with a classic mistake: it gives a place
back after the handler returns, and not when the handler raises.

    cargo lab check lesson3 busy --server "python3 tests/peers/lesson3/busy_server_loses_places.py {port}"

It is busy_server.py with one function replaced, `serve_client`. Clients that behave never show
it. Three that make the handler raise take the three places with them, and from then on every
client is told "busy". tests/checker.rs proves that the checker fails it.
"""

import sys

import busy_server


def serve_client_without_finally(conn, places):
    with conn:
        busy_server.handle(conn)
    places.give_back()  # the mistake: skipped when handle raises


if __name__ == "__main__":
    busy_server.serve_client = serve_client_without_finally
    busy_server.serve(int(sys.argv[1]))
