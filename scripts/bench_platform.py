"""The local platform's `up` at a real round-trip time vs its critical-path bound (driven by
`scripts/bench --platform`).

A fresh emulator (scripts/moto_server.py) sits behind scripts/latency_proxy.py, which holds every
call for --delay-ms (default 50, about AWS from a CI runner). The `local` binary runs `up --yes`
twice against an empty emulator (reset and warmed before each run: moto builds a service's
backend on its first call, seconds that are the emulator's, not the program's):

1. `--parallel 1`: operations run one at a time, so each call the proxy saw belongs to exactly one
   operation's window ("started" .. "done" in the JSON log): the calls each resource's create
   makes, and the calls outside operations (the account check, reading state).
2. the default `--parallel`: the time measured.

The bound is the longest chain of dependent calls: the calls before the first operation and
after the last (one after another), plus the resources' longest dependency chain (edges from
`graph --format dot`) weighted by the round trips each create made one after another (calls it
sent together count once), times the delay. Nothing is
hard-coded: counts, chain and edges come from these runs. A benchmark, not a test: each run must
succeed (exit 0), nothing asserts a time.

The proxy logs each call's start (before its delay) and end (after the emulator answered), so the
emulator's own time per call is end - start - delay. The report gives the bound as issue 11
defines it (round trips x delay) and, labelled apart, the bound plus the emulator's measured time
answering the chain's calls: what is left above that is the engine's (and the scheduling's).
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import json
import os
import re
import resource
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# One cheap read per service the platform uses: builds moto's backend before the timed run.
WARM = {
    "sts": "get_caller_identity", "ec2": "describe_vpcs", "s3": "list_buckets", "iam": "list_roles",
    "rds": "describe_db_instances", "elasticache": "describe_cache_clusters",
    "secretsmanager": "list_secrets", "ssm": "describe_parameters", "budgets": None,
    "ecr": "describe_repositories", "ecs": "list_clusters", "elbv2": "describe_load_balancers",
    "acm": "list_certificates", "logs": "describe_log_groups",
    "application-autoscaling": None, "cloudfront": "list_distributions", "cloudwatch": "describe_alarms",
    "sns": "list_topics", "cloudtrail": "describe_trails", "guardduty": "list_detectors",
    "kms": "list_keys", "wafv2": None,
}
WARM_ARGS = {
    "budgets": ("describe_budgets", {"AccountId": "123456789012"}),
    "application-autoscaling": ("describe_scalable_targets", {"ServiceNamespace": "ecs"}),
    "wafv2": ("list_web_acls", {"Scope": "REGIONAL"}),
}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_answers(url: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            urllib.request.urlopen(url + "/moto-api/", timeout=2).read()
            return
        except OSError:
            if time.monotonic() > deadline:
                sys.exit(f"bench: the emulator at {url} did not answer within {timeout:.0f} s")
            time.sleep(0.2)


def warm(url: str) -> None:
    import boto3  # moto's own dependency, in .venv

    session = boto3.session.Session(aws_access_key_id="x", aws_secret_access_key="x", region_name="us-east-1")
    for service, op in WARM.items():
        op, kwargs = (op, {}) if op else WARM_ARGS[service]
        getattr(session.client(service, endpoint_url=url), op)(**kwargs)


def reset(url: str) -> None:
    urllib.request.urlopen(urllib.request.Request(url + "/moto-api/reset", method="POST"), timeout=30).read()


def timestamp(text: str) -> float:
    return datetime.datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


def windows(log: str) -> dict[str, tuple[float, float]]:
    """resource -> (started, done) from the JSON log's progress events."""
    started, spans = {}, {}
    for line in log.splitlines():
        try:
            event = json.loads(line)
        except ValueError:
            continue
        fields = event.get("fields", {})
        if fields.get("message") == "started":
            started[fields["resource"]] = timestamp(event["timestamp"])
        elif fields.get("message") == "done" and fields["resource"] in started:
            spans[fields["resource"]] = (started[fields["resource"]], timestamp(event["timestamp"]))
    return spans


def calls_since(path: str, offset: int) -> tuple[list[dict], int]:
    with open(path) as f:
        f.seek(offset)
        text = f.read()
        return [json.loads(line) for line in text.splitlines() if line.strip()], f.tell()


def cpu_seconds(pid: int) -> float:
    """User + system CPU time a live process has used so far (Linux /proc)."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def child_cpu() -> float:
    """User + system CPU time of the children waited for so far (the `local` runs)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def up(binary: str, proxy: str, work: str, extra: list[str]) -> tuple[float, str]:
    state = os.path.join(work, f"state-{len(os.listdir(work))}.db")
    env = dict(os.environ, AWS_ENDPOINT_URL=proxy, AWS_ACCESS_KEY_ID="bench", AWS_SECRET_ACCESS_KEY="bench",
               AWS_REGION="us-east-1", NO_COLOR="1")
    started = time.perf_counter()
    proc = subprocess.run([binary, "up", "--yes", "--log-format", "json", "--state", state, *extra], env=env,
                          stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    elapsed = time.perf_counter() - started
    if proc.returncode != 0:
        sys.exit(f"bench: `up {' '.join(extra)}` failed ({proc.returncode}):\n{proc.stderr[-3000:]}")
    return elapsed, proc.stderr


def edges(binary: str, url: str) -> dict[str, list[str]]:
    """resource -> what it depends on, from `graph --format dot` (`"a" -> "b"`: b uses a)."""
    env = dict(os.environ, AWS_ENDPOINT_URL=url, AWS_ACCESS_KEY_ID="bench", AWS_SECRET_ACCESS_KEY="bench",
               AWS_REGION="us-east-1")
    with tempfile.TemporaryDirectory() as scratch:
        dot = subprocess.run([binary, "graph", "--format", "dot", "--state", os.path.join(scratch, "g.db")],
                             env=env, capture_output=True, text=True, check=True).stdout
    needs: dict[str, list[str]] = {}
    for a, b in re.findall(r'^\s*"([^"]+)" -> "([^"]+)"', dot, re.M):
        needs.setdefault(b, []).append(a)
    return needs


def service_time(call: dict, delay: float) -> float:
    """The emulator's own time for one call: the proxy's end - start, less the delay it added."""
    return max(0.0, call["end"] - call["start"] - delay)


def rounds(intervals: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """The round trips one after another among an operation's calls: the most calls that follow
    each other without overlapping (calls sent together overlap for the whole delay, so one of
    them stands for all). Greedy by end time gives that maximum."""
    chosen: list[tuple[float, float]] = []
    for start, end in sorted(intervals, key=lambda i: i[1]):
        if not chosen or start >= chosen[-1][1]:
            chosen.append((start, end))
    return chosen


def attribute(calls: list[dict], spans: dict[str, tuple[float, float]], delay: float):
    """Per resource, its calls, their round trips one after another (calls sent together count
    once) and the emulator's time answering those round trips (one operation at a time, so
    windows do not overlap); and the calls before the first and after the last operation."""
    per = {name: 0 for name in spans}
    intervals: dict[str, list[tuple[float, float]]] = {name: [] for name in spans}
    served = {name: 0.0 for name in spans}
    actions: dict[str, list[str]] = {name: [] for name in spans}
    first = min(s for s, _ in spans.values())
    last = max(e for _, e in spans.values())
    before = after = 0
    for call in calls:
        middle = (call["start"] + call["end"]) / 2
        owner = [n for n, (s, e) in spans.items() if s <= middle <= e]
        if owner:
            per[owner[0]] += 1
            intervals[owner[0]].append((call["start"], call["end"]))
            actions[owner[0]].append(call["action"] or f'{call["method"]} {call["path"]}')
        elif middle < first:
            before += 1
        elif middle > last:
            after += 1
    trips = {name: len(rounds(of)) for name, of in intervals.items()}
    for name, of in intervals.items():
        served[name] = sum(max(0.0, end - start - delay) for start, end in rounds(of))
    return per, trips, served, actions, before, after


def longest_chain(per: dict[str, int], needs: dict[str, list[str]]) -> tuple[int, list[str]]:
    memo: dict[str, tuple[int, list[str]]] = {}

    def best(name: str) -> tuple[int, list[str]]:
        if name not in memo:
            prior = max((best(d) for d in needs.get(name, []) if d in per), default=(0, []))
            memo[name] = (prior[0] + per[name], prior[1] + [name])
        return memo[name]

    return max((best(n) for n in per), default=(0, []))


@contextlib.contextmanager
def emulator_behind_proxy(delay_ms: float, prefix: str):
    """A fresh emulator on a free port behind the latency proxy, with a scratch directory: yields
    (work dir, emulator url, proxy url, the proxy's call log, the emulator's pid) once the emulator
    answers; stops both and removes the directory on the way out."""
    work = tempfile.mkdtemp(prefix=prefix)
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    moto_env = dict(os.environ, MOTO_IAM_LOAD_MANAGED_POLICIES="true", PLINTH_EXIT_WITH_PARENT=str(os.getpid()))
    moto = subprocess.Popen([sys.executable, os.path.join(ROOT, "scripts/moto_server.py"), "-H", "127.0.0.1",
                             "-p", str(port)], env=moto_env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    calls_log = os.path.join(work, "calls.jsonl")
    proxy = subprocess.Popen([sys.executable, os.path.join(ROOT, "scripts/latency_proxy.py"), "--upstream", url,
                              "--delay-ms", str(delay_ms), "--log", calls_log],
                             stdout=subprocess.PIPE, text=True)
    try:
        proxy_url = f"http://127.0.0.1:{proxy.stdout.readline().split()[1]}"
        wait_answers(url)
        yield work, url, proxy_url, calls_log, moto.pid
    finally:
        proxy.terminate()
        moto.terminate()
        proxy.wait()
        moto.wait()
        shutil.rmtree(work, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description="local platform up vs its critical-path bound")
    parser.add_argument("--local", required=True, help="the `local` binary")
    parser.add_argument("--delay-ms", type=float, default=50.0)
    parser.add_argument("--runs", type=int, default=1, help="timed default runs (the best is the result)")
    parser.add_argument("--show", default="", help="resources (comma-separated) whose creates to list as the chain's are")
    parser.add_argument("--up-args", default="", help="more arguments for the timed runs (e.g. '--parallel 30')")
    args = parser.parse_args()
    if args.delay_ms <= 0:
        sys.exit("bench: --delay-ms must be above 0 (the bound is round trips x the delay)")
    delay = args.delay_ms / 1000.0
    with emulator_behind_proxy(args.delay_ms, "plinth-bench-platform-") as (work, url, proxy_url, calls_log, moto_pid):
        needs = edges(args.local, url)
        offset = 0

        cpu: dict[float, tuple[float, float]] = {}

        def timed(extra: list[str]):
            nonlocal offset
            reset(url)
            warm(url)
            _, offset = calls_since(calls_log, offset)
            engine_cpu, emulator_cpu = child_cpu(), cpu_seconds(moto_pid)
            elapsed, log = up(args.local, proxy_url, work, extra)
            cpu[elapsed] = (child_cpu() - engine_cpu, cpu_seconds(moto_pid) - emulator_cpu)
            calls, offset = calls_since(calls_log, offset)
            return elapsed, log, calls

        serial, serial_log, serial_calls = timed(["--parallel", "1"])
        per, trips, served, actions, before, after = attribute(serial_calls, windows(serial_log), delay)
        runs = [timed(args.up_args.split()) for _ in range(args.runs)]
        elapsed, log, calls = min(runs, key=lambda r: r[0])
        spans = windows(log)
        first = min(s for s, _ in spans.values())
        last = max(e for _, e in spans.values())
        outside = [c for c in calls if c["end"] <= first or c["start"] >= last]
        before_now = sum(1 for c in outside if c["end"] <= first)
        after_now = len(outside) - before_now
        chain_calls, chain = longest_chain(trips, needs)
        bound_calls = before_now + chain_calls + after_now
        bound = bound_calls * delay
        # The emulator's time answering the chain's calls (measured one at a time, at --parallel 1)
        # and the calls outside operations (this run): time no client could save.
        chain_served = sum(served[n] for n in chain) + sum(service_time(c, delay) for c in outside)
        bound_served = bound + chain_served
        all_served = sum(service_time(c, delay) for c in calls)
        print(f"local platform up, {args.delay_ms:.0f} ms per call ({len(per)} resources, {len(calls)} calls):")
        print(f"  up {args.up_args or '(default --parallel)':21} {elapsed:6.2f} s")
        print(f"  up --parallel 1           {serial:6.2f} s ({len(serial_calls)} calls)")
        print(f"  critical-path bound       {bound:6.2f} s = {bound_calls} round trips x {args.delay_ms:.0f} ms "
              f"({before_now} before the first operation + {chain_calls} one after another on the longest chain + {after_now} "
              f"after the last)")
        print(f"  bound + emulator time     {bound_served:6.2f} s = the bound + {chain_served:.2f} s the emulator spent "
              f"answering the chain's calls (its service time: proxy end - start - delay, one at a time)")
        print(f"  ratio up / bound          {elapsed / bound:6.2f}x")
        print(f"  ratio up / (bound + emulator time on the chain) {elapsed / bound_served:6.2f}x")
        print(f"  local time (up - bound): {elapsed - bound:.2f} s, of which the emulator on the chain "
              f"{chain_served:.2f} s; the rest, {elapsed - bound_served:.2f} s, is the engine's overhead and waiting "
              f"off the chain (limits, scheduling)")
        serial_served = sum(service_time(c, delay) for c in serial_calls)
        print(f"  emulator time over all {len(calls)} calls of the run (they overlap): {all_served:.2f} s")
        print(f"  emulator work at --parallel 1 (calls one at a time, nothing queued): {serial_served:.2f} s for "
              f"{len(serial_calls)} calls; moto answers in one Python process, so this much of its time cannot "
              f"overlap: a floor under `up` that no client ordering removes")
        engine_cpu, emulator_cpu = cpu[elapsed]
        print(f"  CPU during this `up` (2 cores shared with the machine): the engine (`local`, user+sys) "
              f"{engine_cpu:.2f} s, the emulator (moto server) {emulator_cpu:.2f} s")
        print(f"  up before its first operation: {first - min(c['start'] for c in calls) if calls else 0:.2f} s after "
              f"its first call; calls outside operations at --parallel 1: {before} before, {after} after")
        print("  longest chain (per create: round trips one after another / calls, emulator ms): "
              + " -> ".join(f"{n} ({trips[n]}/{per[n]}, {served[n] * 1000:.0f})" for n in chain))
        for name in chain:
            print(f"    {name}: {', '.join(actions[name])}")
        shown = [n for n in args.show.split(",") if n]
        if shown:
            print("  asked for (--show):")
        for name in shown:
            if name not in per:
                print(f"    {name}: not in this run")
                continue
            print(f"    {name} ({trips[name]}/{per[name]}, {served[name] * 1000:.0f}): {', '.join(actions[name])}")


if __name__ == "__main__":
    main()
