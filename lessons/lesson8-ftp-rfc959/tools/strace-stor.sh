#!/bin/sh
# Counts the system calls of one 256 MiB `curl -T` upload, on both sides: the server runs under
# `strace -f -c`, and so does curl. Linux, strace, curl, and a release build of lessons 7 and 8.
#
#   lessons/lesson8-ftp-rfc959/tools/strace-stor.sh lesson8
#   PYTHON=/path/to/venv/bin/python lessons/lesson8-ftp-rfc959/tools/strace-stor.sh pyftpdlib
#
# The second needs a Python with pyftpdlib (`python3 -m venv v && v/bin/pip install pyftpdlib`).
# The files go in a temporary folder under $TMPDIR; the bench's recorded run used /dev/shm, so
# run this with TMPDIR=/dev/shm to count the same thing.
set -eu
root="$(cd "$(dirname "$0")/../../.." && pwd)"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
size=$((256 << 20))
head -c $size /dev/urandom > "$work/up.bin"
home="$work/homes/bench"
mkdir -p "$home"
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
case "$1" in
lesson8)
    echo bench | "$root/target/release/lesson7" useradd --users "$work/users.json" --quota 1GiB \
        --memory-kib 64 --passes 1 bench > /dev/null
    set -- "$root/target/release/lesson8" server --addr "127.0.0.1:$port" \
        --users "$work/users.json" --root "$work/homes"
    shown="target/release/lesson8 server --addr 127.0.0.1:PORT --users USERS --root HOMES" ;;
pyftpdlib)
    set -- "${PYTHON:-python3}" -m pyftpdlib -i 127.0.0.1 -p "$port" -w -u bench -P bench -d "$home"
    shown="python -m pyftpdlib -i 127.0.0.1 -p PORT -w -u bench -P bench -d HOME" ;;
*)
    echo "usage: $0 lesson8|pyftpdlib" >&2
    exit 2 ;;
esac
calls=read,write,recvfrom,sendto,poll,epoll_wait,select,fsync,fdatasync,rename,splice,rt_sigaction
strace -f -c -e trace=$calls -o "$work/server" "$@" > "$work/log" 2>&1 &
tracer=$!
for _ in $(seq 100); do
    python3 -c "import socket; socket.create_connection(('127.0.0.1', $port)).close()" \
        2>/dev/null && break
    sleep 0.2
done
strace -f -c -e trace=$calls -o "$work/curl" \
    curl --silent --show-error -T "$work/up.bin" "ftp://bench:bench@127.0.0.1:$port/up.bin"
cmp "$work/up.bin" "$home/up.bin"
# Ending the traced server ends strace, which then writes its counts.
kill "$(ps -o pid= --ppid $tracer)"
wait $tracer 2> /dev/null || true
per_mib() {
    awk -v mib=$((size >> 20)) '$NF ~ /^[a-z_0-9]+$/ && $4 ~ /^[0-9]+$/ && $NF != "total" {
        if ($4 / mib >= 0.1) printf "%s %.1f, ", $NF, $4 / mib
    } END { print "(rarer calls left out)" }' "$1"
}
echo "# the server: $shown"
echo "received $(stat -c %s "$home/up.bin") bytes ($((size >> 20)) MiB), the same as sent"
cat "$work/server"
echo "per MiB: $(per_mib "$work/server")"
echo
echo "# curl: curl -T up.bin ftp://bench:bench@127.0.0.1:PORT/up.bin"
cat "$work/curl"
echo "per MiB: $(per_mib "$work/curl")"
