#!/usr/bin/env python3
"""A delay line between two links of one network namespace, for kernels without netem (sch_netem).

Usage: delay-line.py HOST_SIDE BRIDGE_SIDE DELAY_MS

Every frame that arrives on HOST_SIDE (what the host sends) is sent out of BRIDGE_SIDE DELAY_MS later; every
frame that arrives on BRIDGE_SIDE (what the host is sent) is sent out of HOST_SIDE at once. That is netem's
`delay` on the host's egress. The frames keep their virtio-net header (PACKET_VNET_HDR), so segmentation and
checksum offloads pass through untouched. Prints "ready" once both sockets are bound; SIGTERM ends it (frames
still held are dropped, as deleting a netem qdisc does). @pgha/netlab starts it; nothing else should.
"""

import heapq
import select
import signal
import socket
import sys
import time

ETH_P_ALL = 0x0003
SOL_PACKET = 263
PACKET_VNET_HDR = 15
PACKET_OUTGOING = 4


def bound(ifname):
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
    s.setsockopt(SOL_PACKET, PACKET_VNET_HDR, 1)
    s.bind((ifname, 0))
    s.setblocking(False)
    return s


def main():
    if len(sys.argv) != 4:
        sys.stderr.write("usage: delay-line.py HOST_SIDE BRIDGE_SIDE DELAY_MS\n")
        return 2
    host_side, bridge_side, delay_ms = sys.argv[1], sys.argv[2], int(sys.argv[3])
    delay = delay_ms / 1000.0
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    host = bound(host_side)
    bridge = bound(bridge_side)
    print("ready", flush=True)
    held = []  # (due, seq, frame): from the host, on their way to the bridge
    seq = 0
    while True:
        timeout = max(0.0, held[0][0] - time.monotonic()) if held else None
        readable, _, _ = select.select([host, bridge], [], [], timeout)
        for s in readable:
            while True:
                try:
                    frame, addr = s.recvfrom(70000)
                except BlockingIOError:
                    break
                if addr[2] == PACKET_OUTGOING:
                    continue
                if s is host:
                    seq += 1
                    heapq.heappush(held, (time.monotonic() + delay, seq, frame))
                else:
                    try:
                        host.send(frame)
                    except OSError:
                        pass
        now = time.monotonic()
        while held and held[0][0] <= now:
            _, _, frame = heapq.heappop(held)
            try:
                bridge.send(frame)
            except OSError:
                pass


if __name__ == "__main__":
    sys.exit(main())
