"""dee's fetch: a debugging print left in a loop that never ends."""

import sys

while True:
    sys.stdout.write("still here\n" * 1000)
