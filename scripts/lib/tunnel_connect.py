#!/usr/bin/env python3
"""The client side of the tunnel's HTTP CONNECT for the shell scripts: scripts/lib/netns.sh runs it (for
scripts/netns-demo and the io.tunnel.it.netns integration tests); nothing else here parses the proxy's answer.

It reads that answer as the Java client library does (io.tunnel.client.ProxyResponseHead): the head ends at the
first empty line (CRLF, or a bare LF), is at most 8 KiB, is read a byte at a time so nothing behind it is consumed,
and its status line is HTTP/1.0 or HTTP/1.1 with a three-digit status; only 200 opens the tunnel.

usage: tunnel_connect.py echo HOST PORT TARGET MESSAGE
           send MESSAGE through a tunnel to TARGET, half-close, print the echo; exit 0 only if the proxy answered
           200 and the echo equals MESSAGE
       tunnel_connect.py stream HOST PORT TARGET
           send 16 KiB every 20 ms to an echo service at TARGET while reading the echo; print "receiving" once echoed
           bytes arrive and "closed after N bytes (...)" when the tunnel ends, then exit 0
Both exit 1 with "CONNECT TARGET answered: STATUS LINE" if the proxy refuses the tunnel.
"""
import socket
import sys
import threading
import time

MAX_HEAD = 8 * 1024  # the library's ProxyResponseHead.MAX_LENGTH
ESTABLISHED = 200


def read_head(sock):
    """The response head, up to and including the LF of its empty line; short if the connection ends first."""
    head = bytearray()
    line_length = 0
    while len(head) < MAX_HEAD:
        b = sock.recv(1)
        if not b:
            break
        head += b
        if b == b"\n":
            if line_length == 0:
                return bytes(head)
            line_length = 0
        elif b != b"\r":
            line_length += 1
    return bytes(head)


def status_of(head):
    """The status code of a response head, or None if its first line is not an HTTP/1.x status line."""
    line = head.split(b"\n", 1)[0].rstrip(b"\r")
    if not (line.startswith(b"HTTP/1.0 ") or line.startswith(b"HTTP/1.1 ")):
        return None
    code = line[9:12]
    if len(code) != 3 or not code.isdigit() or (len(line) > 12 and line[12:13] != b" ") or int(code) < 100:
        return None
    return int(code)


def open_tunnel(host, port, target):
    """A socket through which bytes reach TARGET, or exit 1 naming the proxy's answer."""
    s = socket.create_connection((host, port), timeout=10)
    s.sendall(("CONNECT %s HTTP/1.1\r\nHost: %s\r\n\r\n" % (target, target)).encode("ascii"))
    head = read_head(s)
    if status_of(head) != ESTABLISHED:
        status_line = head.split(b"\r\n", 1)[0].decode("ascii", "replace")
        sys.exit("CONNECT %s answered: %s" % (target, status_line))
    return s


def echo(host, port, target, message):
    s = open_tunnel(host, port, target)
    message = message.encode()
    s.sendall(message)
    s.shutdown(socket.SHUT_WR)
    echoed = b""
    while True:
        b = s.recv(65536)
        if not b:
            break
        echoed += b
    print(echoed.decode("utf-8", "replace"))
    sys.exit(0 if echoed == message else "echo differs: %r" % echoed)


def stream(host, port, target):
    s = open_tunnel(host, port, target)
    s.settimeout(None)

    def send():
        chunk = b"x" * 16384
        try:
            while True:
                s.sendall(chunk)
                time.sleep(0.02)
        except OSError:
            pass

    threading.Thread(target=send, daemon=True).start()
    total, reason = 0, "end of stream"
    try:
        while True:
            data = s.recv(65536)
            if not data:
                break
            if total == 0:
                print("receiving", flush=True)
            total += len(data)
    except OSError as e:
        reason = str(e)
    print("closed after %d bytes (%s)" % (total, reason), flush=True)


def main(argv):
    if len(argv) == 6 and argv[1] == "echo":
        echo(argv[2], int(argv[3]), argv[4], argv[5])
    elif len(argv) == 5 and argv[1] == "stream":
        stream(argv[2], int(argv[3]), argv[4])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv)
