#!/usr/bin/env python3
"""Release files for CI: write the release data an environment's binary reads, and choose the
release a rollback goes back to.

  release_file.py write --env dev --dir DIR --commit SHA --out release.json
                        [--base FILE] [--images-json JSON] [--set api=sha256:...]... [--require-digests]
  release_file.py pick --history releases.json [--id RUN_ID]
  release_file.py current --bin target/debug/dev --env dev --out base.json

`write` starts from --base (a `programs/releases/<env>.json` file, or a release file
`{"commit", "images"}`), applies --images-json (`{"api": "sha256:…" | {"digest": "sha256:…"}, …}`,
the shape a build pipeline sends) and each --set, then writes DIR/<env>.json (what
`PLINTH_RELEASES_DIR=DIR` makes the binary read) and --out, the release `{"commit", "images"}`
recorded as the deployment's payload.

`pick` reads `<env> releases --format json` (newest first: run_id, finished_at, verdict or
applied, commit or program_commit, release, plan_hash) and prints `RUN_ID COMMIT` of the release to
roll back to: --id if that run was applied (verdict `ok`), else the newest applied release older
than the current one (the newest applied) whose images or commit differ from it.

`current` writes the images the environment runs now: the newest applied release in the state's
history (`BIN releases --format json`, then `BIN releases show ID --release-file`), or, for an
environment with no release yet (or no state yet: `releases` says the file or object does not
exist), `programs/releases/<env>.json` of this checkout. Any other failure of `releases` is an
error: a guess could send old images to an environment.

Guarantees:
* Every service of the platform (programs/src/release.rs: api, orchestrator, web) has exactly one
  valid image (a digest `sha256:` + 64 lowercase hex, or a tag); anything else is refused naming
  the entry, before a file is written. --require-digests refuses tags (they can move) among the
  new images (--images-json, --set).
* `pick` refuses (exit 1) when there is no such release, naming what it found.
* Sets the step outputs `run_id` and `commit` (pick) when run in Actions.
"""

import argparse
import json
import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ghapi  # noqa: E402

SERVICES = ["api", "orchestrator", "web"]
DIGEST = re.compile(r"^sha256:[0-9a-f]{64}$")
TAG = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$")
APPLIED = "ok"
# How `releases` says the environment has no state yet (a local file or an S3 object).
NO_STATE_YET = ("does not exist", "NoSuchKey")


def applied(release):
    """Whether `up` applied this release: `applied` when the CLI says it, else verdict `ok`."""
    return release.get("applied", release.get("verdict") == APPLIED) is True


def commit_of(release):
    return release.get("commit") or release.get("program_commit") or ""


def image_ref(service, value, require_digest):
    """`{"digest": …}` or `{"tag": …}` for one service, or a ValueError naming it."""
    if isinstance(value, str):
        value = {"digest": value} if value.startswith("sha256:") else {"tag": value}
    if not isinstance(value, dict) or len(value) != 1 or not set(value) <= {"digest", "tag"}:
        raise ValueError(f"`{service}`: expected a digest or a tag, got {json.dumps(value)}")
    (kind, ref), = value.items()
    if kind == "digest" and not (isinstance(ref, str) and DIGEST.match(ref)):
        raise ValueError(f"`{service}`: digest `{ref}` is not sha256: followed by 64 lowercase hex digits")
    if kind == "tag" and not (isinstance(ref, str) and TAG.match(ref)):
        raise ValueError(f"`{service}`: tag `{ref}` is not a valid image tag")
    if kind == "tag" and require_digest:
        raise ValueError(f"`{service}`: tag `{ref}` given where a digest is required (tags can move)")
    return {kind: ref}


def merged_images(base, overrides, require_digests):
    images = dict(base)
    images.update({s: image_ref(s, v, require_digests) for s, v in overrides.items()})
    unknown = sorted(set(images) - set(SERVICES))
    if unknown:
        raise ValueError(f"unknown service(s) {', '.join(unknown)} (expected {', '.join(SERVICES)})")
    missing = [s for s in SERVICES if s not in images]
    if missing:
        raise ValueError(f"no image for {', '.join(missing)}")
    return {s: image_ref(s, images[s], False) for s in SERVICES}


def read_base(path):
    if not path:
        return {}
    with open(path, encoding="utf-8") as f:
        data = json.load(f)
    return data["images"] if isinstance(data, dict) and "images" in data and "commit" in data else data


def write_json(path, value):
    with open(path, "w", encoding="utf-8") as f:
        json.dump(value, f, indent=2, sort_keys=True)
        f.write("\n")


def cmd_write(args):
    overrides = json.loads(args.images_json) if args.images_json else None
    overrides = {} if overrides is None else overrides  # `null`: an event that carried no images
    if not isinstance(overrides, dict):
        raise ValueError("--images-json must be a JSON object of service → image")
    for item in args.set:
        service, _, value = item.partition("=")
        if value:  # an empty workflow input leaves the service's image as it is
            overrides[service] = value
    images = merged_images(read_base(args.base), overrides, args.require_digests)
    os.makedirs(args.dir, exist_ok=True)
    write_json(os.path.join(args.dir, f"{args.env}.json"), images)
    write_json(args.out, {"commit": args.commit, "images": images})
    print(f"{args.env}: " + ", ".join(f"{s} {next(iter(images[s].values()))}" for s in SERVICES))


def applied_newest_first(releases):
    done = [r for r in releases if applied(r)]
    return sorted(done, key=lambda r: r.get("finished_at") or "", reverse=True)


def pick_current(releases):
    """The newest applied release: what the environment runs now."""
    return applied_newest_first(releases)[0]


def pick(history, run_id=None):
    """The release to roll back to, from `releases --format json` (newest first)."""
    releases = history.get("releases", history) if isinstance(history, dict) else history
    done = applied_newest_first(releases)
    if run_id:
        for r in releases:
            if str(r.get("run_id")) == run_id:
                if not applied(r):
                    raise ValueError(f"run {run_id} was not applied (verdict {r.get('verdict')}); refusing to roll back to it")
                return r
        raise ValueError(f"no release with run id {run_id} in the history ({len(releases)} releases)")
    if not done:
        raise ValueError("no applied release in the history: nothing to roll back to")
    current = done[0]
    for r in done[1:]:
        if (r.get("release"), commit_of(r)) != (current.get("release"), commit_of(current)):
            return r
    raise ValueError(f"no applied release before the current one (run {current.get('run_id')}) differs from it")


def run(argv):
    done = subprocess.run(argv, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise CommandFailed(f"`{' '.join(argv)}` exited {done.returncode}: {done.stderr.strip()[-500:]}", done.stderr)
    return done.stdout


class CommandFailed(ValueError):
    def __init__(self, message, stderr):
        super().__init__(message)
        self.stderr = stderr


def repo_release(env):
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "programs", "releases", f"{env}.json")
    with open(path, encoding="utf-8") as f:
        return json.load(f), os.path.normpath(path)


def cmd_current(args):
    try:
        history = json.loads(run([args.bin, "-v", "releases", "--format", "json"]))
    except CommandFailed as e:
        if not any(phrase in e.stderr for phrase in NO_STATE_YET):
            raise
        history = []  # a new environment: nothing deployed, so nothing to keep
    releases = history.get("releases", history) if isinstance(history, dict) else history
    if any(applied(r) for r in releases):
        newest = pick_current(releases)
        images = json.loads(run([args.bin, "releases", "show", str(newest["run_id"]), "--release-file"]))
        origin = f"run {newest['run_id']} of the state's history"
    else:
        images, path = repo_release(args.env)
        origin = f"{path} (no release applied yet)"
    write_json(args.out, merged_images(images, {}, False))
    print(f"{args.env}: the current release is {origin}", file=sys.stderr)


def cmd_pick(args):
    with open(args.history, encoding="utf-8") as f:
        chosen = pick(json.load(f), args.id or None)
    ghapi.set_output("run_id", chosen["run_id"])
    ghapi.set_output("commit", commit_of(chosen))
    print(chosen["run_id"], commit_of(chosen))
    print(f"rolling back to run {chosen['run_id']} (commit {commit_of(chosen)}, finished {chosen.get('finished_at')})",
          file=sys.stderr)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    w = sub.add_parser("write", help="write DIR/<env>.json and the release file")
    w.add_argument("--env", required=True)
    w.add_argument("--dir", required=True, help="the directory PLINTH_RELEASES_DIR will name")
    w.add_argument("--commit", required=True, help="the program commit")
    w.add_argument("--out", required=True, help="the release file to write")
    w.add_argument("--base", default="", help="the release this one starts from")
    w.add_argument("--images-json", default="", help="service → digest (or {digest}/{tag}) overrides")
    w.add_argument("--set", action="append", default=[], metavar="SERVICE=IMAGE", help="one override")
    w.add_argument("--require-digests", action="store_true", help="refuse tags")
    p = sub.add_parser("pick", help="print `RUN_ID COMMIT` of the release to roll back to")
    p.add_argument("--history", required=True, help="output of `<env> releases --format json`")
    p.add_argument("--id", default="", help="roll back to this run's release")
    c = sub.add_parser("current", help="write the images the environment runs now")
    c.add_argument("--bin", required=True, help="the environment's binary")
    c.add_argument("--env", required=True)
    c.add_argument("--out", required=True)
    args = parser.parse_args(argv)
    try:
        {"write": cmd_write, "pick": cmd_pick, "current": cmd_current}[args.command](args)
    except (ValueError, OSError, KeyError, IndexError) as e:
        ghapi.fail(str(e))


if __name__ == "__main__":
    main()
