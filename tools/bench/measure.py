"""Runs a command and prints {"wall_s", "peak_rss_bytes", "returncode"} as JSON.

Peak RSS comes from getrusage(RUSAGE_CHILDREN), i.e. the largest resident set of the
command's process tree members, measured by the kernel.
"""
import json
import resource
import subprocess
import sys
import time

t0 = time.perf_counter()
r = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
wall = time.perf_counter() - t0
rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024
json.dump({"wall_s": wall, "peak_rss_bytes": rss, "returncode": r.returncode, "stderr": r.stderr[-500:]}, sys.stdout)
