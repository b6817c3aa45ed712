"""The local platform's `refresh` and `preview --refresh` at a real round-trip time: read calls
per resource, calls by action, wall time at the default `--parallel` and at `--parallel 1`, and
the latency bound (driven by `scripts/bench --platform`, after bench_platform.py).

A fresh emulator (scripts/moto_server.py) sits behind scripts/latency_proxy.py, which holds every
call for --delay-ms (default 50). The `local` binary runs `up --yes` once (straight to the
emulator: not measured), then each verb through the proxy with `--log-format json`, whose
progress events give each resource's read window ("started" .. "done"; the members of one
batched read share a window).

Read calls are the calls inside read windows. The bound is what no scheduler can beat: the calls
outside the reads (the account check, one after another) plus the longest chain of dependent
calls inside one batched read, times the delay. The chain comes from the `--parallel 1` run,
where batches run one at a time, so the calls inside a window are that batch's own: its chain is
the most of them that ran one after another (calls that overlapped were sent together).
Nothing is hard-coded; a benchmark, not a test: each run must succeed (exit 0), nothing asserts
a time.
"""

from __future__ import annotations

import argparse
import collections
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench_platform as bp  # noqa: E402  (shares the emulator, proxy and log helpers)


def run(binary: str, url: str, state: str, args: list[str]) -> tuple[float, str]:
    env = dict(os.environ, AWS_ENDPOINT_URL=url, AWS_ACCESS_KEY_ID="bench", AWS_SECRET_ACCESS_KEY="bench",
               AWS_REGION="us-east-1", NO_COLOR="1")
    started = time.perf_counter()
    proc = subprocess.run([binary, *args, "--log-format", "json", "--state", state], env=env,
                          stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    elapsed = time.perf_counter() - started
    if proc.returncode != 0:
        sys.exit(f"bench: `{' '.join(args)}` failed ({proc.returncode}):\n{proc.stderr[-3000:]}")
    return elapsed, proc.stderr


def batches(spans: dict[str, tuple[float, float]]) -> list[tuple[float, float]]:
    """The windows of the batched reads: overlapping read windows merged (at `--parallel 1` only
    the members of one batch overlap)."""
    merged: list[list[float]] = []
    for start, end in sorted(spans.values()):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return [(s, e) for s, e in merged]


def chain(calls: list[dict]) -> int:
    """The most calls that ran one after another (greedy by end time: a maximum set of calls
    whose times do not overlap)."""
    count, free_at = 0, float("-inf")
    for call in sorted(calls, key=lambda c: c["end"]):
        if call["start"] >= free_at:
            count, free_at = count + 1, call["end"]
    return count


def inside(call: dict, windows: list[tuple[float, float]]) -> bool:
    middle = (call["start"] + call["end"]) / 2
    return any(s <= middle <= e for s, e in windows)


def action(call: dict) -> str:
    return call["action"] or f'{call["method"]} {call["path"].split("?")[0]}'


def measure(binary: str, proxy: str, state: str, log: str, offset: int, verb: list[str]):
    """Runs `verb` at the default `--parallel` and at 1: per run (elapsed, calls, read windows)."""
    results = {}
    for label, extra in [("default", []), ("serial", ["--parallel", "1"])]:
        elapsed, stderr = run(binary, proxy, state, [*verb, *extra])
        calls, offset = bp.calls_since(log, offset)
        results[label] = (elapsed, calls, bp.windows(stderr))
    return results, offset


def report(name: str, results, delay_ms: float) -> None:
    elapsed, calls, spans = results["default"]
    serial, serial_calls, serial_spans = results["serial"]
    if not spans or not serial_spans:
        sys.exit(f"bench: `{name}` logged no read events (is the binary older than batched refresh?)")
    windows = batches(spans)
    reads = [c for c in calls if inside(c, windows)]
    first, last = min(s for s, _ in windows), max(e for _, e in windows)
    outside_before = sum(1 for c in calls if c["end"] <= first)
    outside_after = sum(1 for c in calls if c["start"] >= last)
    serial_windows = batches(serial_spans)
    per_batch = [[c for c in serial_calls if s <= (c["start"] + c["end"]) / 2 <= e] for s, e in serial_windows]
    longest = max((chain(b) for b in per_batch), default=0)
    bound_calls = outside_before + longest + outside_after
    bound = bound_calls * delay_ms / 1000.0
    resources = len(spans)
    print(f"  {name} (default --parallel)   {elapsed:6.2f} s  {len(calls)} calls, {len(reads)} reads for "
          f"{resources} resources = {len(reads) / resources:.2f} per resource, {len(windows)} read windows")
    print(f"  {name} --parallel 1           {serial:6.2f} s  {len(serial_calls)} calls, "
          f"{len(serial_windows)} batched reads")
    print(f"  latency bound                 {bound:6.2f} s = {bound_calls} round trips x {delay_ms:.0f} ms "
          f"({outside_before} before the reads + {longest} on the longest read chain + {outside_after} after)")
    print(f"  ratio {name} / bound          {elapsed / bound:6.2f}x" if bound else "  (no bound: no calls)")
    print(f"  local time ({name} - bound: the binary starting, signing and parsing, the emulator "
          f"answering {len(calls)} calls one at a time): {elapsed - bound:.2f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description="local platform refresh: calls per resource and latency bound")
    parser.add_argument("--local", required=True, help="the `local` binary")
    parser.add_argument("--delay-ms", type=float, default=50.0)
    # `scripts/bench --platform` passes its arguments to both platform benchmarks (--runs is not ours).
    args, _ = parser.parse_known_args()
    if args.delay_ms <= 0:
        sys.exit("bench: --delay-ms must be above 0 (the bound is round trips x the delay)")
    with bp.emulator_behind_proxy(args.delay_ms, "plinth-bench-refresh-") as (work, url, proxy_url, log, _):
        bp.warm(url)
        state = os.path.join(work, "state.db")
        run(args.local, url, state, ["up", "--yes"])
        _, offset = bp.calls_since(log, 0)
        refresh, offset = measure(args.local, proxy_url, state, log, offset, ["refresh"])
        preview, offset = measure(args.local, proxy_url, state, log, offset, ["preview", "--refresh"])
        print(f"local platform refresh, {args.delay_ms:.0f} ms per call:")
        report("refresh", refresh, args.delay_ms)
        report("preview --refresh", preview, args.delay_ms)
        _, calls, spans = refresh["default"]
        reads = [c for c in calls if inside(c, batches(spans))]
        print("  refresh read calls by action:")
        for name, count in collections.Counter(action(c) for c in reads).most_common():
            print(f"    {count:4d} {name}")


if __name__ == "__main__":
    main()
