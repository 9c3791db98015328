#!/usr/bin/env python3
"""Health-probe latency of a running `kjit serve` while N idle connections are open.

Opens N TCP connections to HOST:PORT that send nothing (or, with --partial,
send half a request line and stall: slowloris), then makes PROBES sequential
`GET /v1/health` requests, each on a fresh connection with a TIMEOUT, and
prints one JSON line: {"idle": N, "probes", "ok", "p50_ms", "p99_ms",
"max_ms", "failed"}. Used by tests/stress/stress_test.py and for the numbers
in docs/reliability.md.

Usage: health_latency.py PORT [--idle N] [--probes K] [--partial] [--timeout S]
"""
import argparse
import json
import select
import socket
import sys
import threading
import time


def probe(port, timeout):
    start = time.monotonic()
    try:
        s = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        s.settimeout(timeout)
        s.sendall(b"GET /v1/health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        data = b""
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
        s.close()
        ok = data.startswith(b"HTTP/1.1 200")
    except OSError:
        ok = False
    return ok, (time.monotonic() - start) * 1000.0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("port", type=int)
    ap.add_argument("--idle", type=int, default=100)
    ap.add_argument("--probes", type=int, default=50)
    ap.add_argument("--partial", action="store_true")
    ap.add_argument("--timeout", type=float, default=30.0)
    a = ap.parse_args()

    def open_idle():
        try:
            s = socket.create_connection(("127.0.0.1", a.port), timeout=5)
            if a.partial:
                s.sendall(b"GET /v1/heal")
            return s
        except OSError:
            return None

    idle = [s for s in (open_idle() for _ in range(a.idle)) if s]
    stop = threading.Event()

    # Like a persistent attacker: a connection the server closes is reopened.
    def keep_open():
        while not stop.is_set():
            ready, _, _ = select.select(idle, [], [], 0.1)
            for s in ready:
                try:
                    gone = s.recv(4096) == b""
                except OSError:
                    gone = True
                if gone:
                    s.close()
                    fresh = open_idle()
                    idle[idle.index(s)] = fresh if fresh else socket.socket()

    holder = threading.Thread(target=keep_open, daemon=True)
    holder.start()
    time.sleep(0.2)
    lat, ok = [], 0
    for _ in range(a.probes):
        good, ms = probe(a.port, a.timeout)
        ok += good
        lat.append(ms)
    lat.sort()

    def pct(p):
        return round(lat[min(len(lat) - 1, int(p * len(lat)))], 2) if lat else None

    print(json.dumps({"idle": len(idle), "partial": a.partial, "probes": a.probes, "ok": ok,
                      "p50_ms": pct(0.50), "p99_ms": pct(0.99), "max_ms": round(lat[-1], 2) if lat else None,
                      "failed": a.probes - ok}))
    stop.set()
    holder.join()
    for s in idle:
        s.close()
    return 0 if ok == a.probes else 1


if __name__ == "__main__":
    sys.exit(main())
