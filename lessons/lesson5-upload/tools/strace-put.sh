#!/bin/sh
# Counts the system calls a server makes to receive one 64 MiB put: the server runs under
# `strace -f -c`, lesson 5's client uploads the file with the article's login, and the counts
# are printed once the file has arrived whole. Linux, strace and a release build of lesson 5.
#
#   lessons/lesson5-upload/tools/strace-put.sh SERVER-COMMAND...
#
# The server must listen on the port it prints in a `listening on 127.0.0.1:PORT` line, know
# alex/abc123 (lesson 4's users.json), and store the upload as alex/up.bin under its working
# directory (the article's server does; lesson 5's does with `--root .`). For example:
#
#   tools/strace-put.sh python3 "$PWD/tests/peers/article_server.py" "$PWD/lessons/lesson4-login/users.json" 0
#   tools/strace-put.sh "$PWD/target/release/lesson5" server --addr 127.0.0.1:0 --root . \
#       --users "$PWD/lessons/lesson4-login/users.json"
set -eu
client="$(cd "$(dirname "$0")/../../.." && pwd)/target/release/lesson5"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
size=$((64 << 20))
head -c $size /dev/urandom > "$work/up.bin"
mkdir -p "$work/root/alex"
(cd "$work/root" && exec strace -f -c -e trace=read,write,recvfrom,sendto -o "$work/counts" "$@" > "$work/log" 2>&1) &
tracer=$!
for _ in $(seq 100); do grep -q "listening on" "$work/log" 2>/dev/null && break; sleep 0.2; done
port=$(sed -n 's/.*listening on 127\.0\.0\.1:\([0-9]*\).*/\1/p' "$work/log" | head -n 1)
printf 'alex\nabc123\nput %s\nq\n' "$work/up.bin" | "$client" client --addr "127.0.0.1:$port" > /dev/null
for _ in $(seq 300); do
    [ "$(stat -c %s "$work/root/alex/up.bin" 2>/dev/null || echo 0)" -eq $size ] && break
    sleep 0.2
done
# Ending the traced server ends strace, which then writes its counts.
kill "$(ps -o pid= --ppid $tracer)"
wait $tracer || true
echo "$ $*"
echo "received 64 MiB ($(stat -c %s "$work/root/alex/up.bin") bytes) in 65536 chunks of 1024 bytes;" \
    "the file system's block size (st_blksize): $(stat -c %o "$work/root/alex/up.bin") bytes"
cat "$work/counts"
awk -v chunks=$((size / 1024)) '$NF == "recvfrom" || $NF == "write" {
    calls[$NF] = $4
} END {
    printf "per 1024-byte chunk: %.2f recvfrom, %.2f write, %.2f in all\n",
        calls["recvfrom"] / chunks, calls["write"] / chunks, (calls["recvfrom"] + calls["write"]) / chunks
}' "$work/counts"
