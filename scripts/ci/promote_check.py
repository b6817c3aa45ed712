#!/usr/bin/env python3
"""The promotion check: only a release that passed in the previous environment moves on.

  promote_check.py --from dev --to staging --out release.json [--commit SHA] [--release FILE]

Without --commit/--release, the newest release that passed in --from is chosen. With them, that
release is looked for among the releases that passed in --from (same commit, and the same images
when a release file is given).

Guarantees:
* Exits 0 and writes the release file (`{"commit", "images"}`) only for a release that passed
  in --from (see deployments.py for what "passed" means); otherwise exits 1 naming what is
  missing. Nothing is built: the images are the digests that were deployed before.
* Sets the step outputs `commit` (the program commit to check out) when run in Actions.
Assumptions:
* GITHUB_API_URL, GITHUB_REPOSITORY and GITHUB_TOKEN are set (see ghapi.py).
"""

import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import deployments  # noqa: E402
import ghapi  # noqa: E402

ORDER = ["dev", "staging", "prod"]


def choose(releases, source, commit=None, wanted=None):
    """The release to promote from `releases` (newest first), or a ValueError saying why not."""
    for deployment, release in releases:
        if commit and release["commit"] != commit:
            continue
        if wanted and (release["images"] != wanted["images"] or release["commit"] != wanted["commit"]):
            continue
        return deployment, release
    what = f"commit {commit}" if commit else ("that release" if wanted else "any release")
    raise ValueError(f"refusing to promote: {what} has not passed in {source} ({len(releases)} release(s) passed there)")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--from", dest="source", required=True, choices=ORDER[:-1])
    parser.add_argument("--to", dest="target", required=True, choices=ORDER[1:])
    parser.add_argument("--out", required=True, help="where to write the release to promote")
    parser.add_argument("--commit", default="", help="promote the release of this program commit")
    parser.add_argument("--release", default="", help="promote exactly this release file")
    args = parser.parse_args(argv)
    if ORDER.index(args.target) != ORDER.index(args.source) + 1:
        ghapi.fail(f"{args.target} is promoted from {ORDER[ORDER.index(args.target) - 1]}, not {args.source}")
    try:
        wanted = deployments.load_release(args.release) if args.release else None
        releases = deployments.passed_releases(ghapi.GitHub(), args.source)
        deployment, release = choose(releases, args.source, args.commit or None, wanted)
        deployments.write_json(args.out, release)
        ghapi.set_output("commit", release["commit"])
        print(f"promoting to {args.target} the release that passed in {args.source} "
              f"(deployment {deployment['id']}, commit {release['commit']})")
    except (ghapi.GitHubError, ValueError, OSError) as e:
        ghapi.fail(str(e))


if __name__ == "__main__":
    main()
