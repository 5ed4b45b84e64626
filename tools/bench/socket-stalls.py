#!/usr/bin/env python3
"""Finds who stops reading: every 100 ms, the bytes waiting unread in the sockets of each busy loopback server port
(its accepted side, "server") and of its clients ("client"), next to the thread states of the dispatcher and of the
benchmark's test process (dotnet thread names, kernel wait channels). A server-side backlog that sits for 300 ms or
more while that process's threads all sleep is a stall of the receiving process, not of the network or the sender.
On such a stall it takes one `dotnet-stack report` of the test process (at most one per 5 s) into OUT_DIR.

usage: tools/bench/socket-stalls.py OUT_DIR    (run beside tools/bench/delivery-counters.sh; stop it with Ctrl-C)
then:  grep STALL OUT_DIR/samples.txt
"""
import collections, glob, os, subprocess, sys, time

out_dir = sys.argv[1]
os.makedirs(out_dir, exist_ok=True)
stack_tool = os.path.expanduser("~/.dotnet/tools/dotnet-stack")


def dotnet_process(marker):
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            if marker in open(f"/proc/{pid}/cmdline", "rb").read().decode(errors="replace") \
                    and open(f"/proc/{pid}/comm").read().strip() == "dotnet":
                return pid
        except OSError:
            pass
    return None


def threads(pid):
    """Thread name @ wait channel -> count; pool workers are folded into one name."""
    seen = collections.Counter()
    for task in glob.glob(f"/proc/{pid}/task/*"):
        try:
            stat = open(task + "/stat").read()
            name, state = stat[stat.index("(") + 1:stat.rindex(")")], stat[stat.rindex(")") + 2]
            where = "running" if state == "R" else open(task + "/wchan").read().strip()
            seen[("pool worker" if name.startswith(".NET TP Worker") else name) + "@" + where] += 1
        except OSError:
            pass
    return " ".join(f"{k}x{v}" for k, v in sorted(seen.items()))


def backlogs():
    """Unread bytes per server port: (sockets, server side, client side)."""
    lines = subprocess.run(["ss", "-tnH", "state", "established"], capture_output=True, text=True).stdout.splitlines()
    sockets = [(int(f[0]), int(f[2].rsplit(":", 1)[1]), int(f[3].rsplit(":", 1)[1])) for f in map(str.split, lines) if len(f) >= 4]
    per_port = collections.Counter(local for _, local, _ in sockets)
    servers = {port for port, n in per_port.items() if n > 5}
    result = {port: [0, 0, 0] for port in servers}
    for unread, local, peer in sockets:
        if local in servers:
            result[local][0] += 1
            result[local][1] += unread
        elif peer in servers:
            result[peer][2] += unread
    return result


samples = open(os.path.join(out_dir, "samples.txt"), "w")
dispatcher = test = None
backlogged, last_stack, tick = 0, 0.0, 0
while True:
    if tick % 20 == 0:
        dispatcher = dotnet_process("Pipelet.Dispatcher.dll")
        test = dotnet_process("testhost.dll")
    tick += 1
    now = time.time()
    ports = backlogs()
    unread = sum(v[1] for v in ports.values())
    backlogged = backlogged + 1 if unread > 30_000 else 0
    stamp = time.strftime("%H:%M:%S", time.gmtime(now)) + f".{int(now * 10) % 10}"
    flag = " STALL" if backlogged == 3 else ""
    described = " ".join(f"port {p}: {n} sockets, unread {s} B server side, {c} B client side" for p, (n, s, c) in ports.items())
    samples.write(f"{stamp}{flag} | {described} | dispatcher {threads(dispatcher) if dispatcher else '-'} | test {threads(test) if test else '-'}\n")
    samples.flush()
    if flag and test and os.path.exists(stack_tool) and now - last_stack > 5:
        last_stack = now
        with open(os.path.join(out_dir, f"stack-{stamp}.txt"), "w") as stack:
            subprocess.Popen([stack_tool, "report", "-p", test], stdout=stack, stderr=subprocess.STDOUT)
    time.sleep(max(0.0, 0.1 - (time.time() - now)))
