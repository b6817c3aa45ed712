#!/usr/bin/env python3
"""Plinth's GitHub deployment records: one deployment per apply, whose payload is the release
(image digests and program commit), and its status with the result.

  deployments.py create --env dev --ref SHA --release release.json   # prints the deployment id
  deployments.py status --id N --state in_progress|success|failure|error [--log-url URL]
  deployments.py latest --env dev --out release.json                 # newest release that passed
  deployments.py plan-run --name plinth-plan-dev-SHA                 # run holding a saved plan

A release file here is `{"commit": "<program commit>", "images": {<programs/releases/<env>.json>}}`.

Guarantees:
* Only deployments with task `plinth:deploy` are Plinth's (GitHub also records one for every job
  that names an environment; those are ignored).
* A release *passed* in an environment when its deployment has a `success` status and no
  `failure` or `error` status (GitHub later marks superseded deployments `inactive`: still passed).
* `latest` exits 3 when the environment has no release that passed; `plan-run` exits 3 when no
  unexpired artifact has that name (and prints the newest run holding one otherwise).
Assumptions:
* GITHUB_API_URL, GITHUB_REPOSITORY and GITHUB_TOKEN are set (see ghapi.py).
"""

import argparse
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ghapi  # noqa: E402

TASK = "plinth:deploy"
EXIT_NONE = 3


def load_release(path):
    """A release file, checked for its two parts."""
    with open(path, encoding="utf-8") as f:
        release = json.load(f)
    if not isinstance(release, dict) or not isinstance(release.get("images"), dict) or not release.get("commit"):
        raise ValueError(f'{path}: expected {{"commit": "...", "images": {{...}}}}')
    return {"commit": release["commit"], "images": release["images"]}


def create(gh, env, ref, release):
    made = gh.request("POST", "deployments", {
        "ref": ref, "task": TASK, "environment": env, "payload": release, "auto_merge": False,
        "required_contexts": [], "production_environment": env == "prod",
        "description": f"Plinth release {release['commit'][:12]} to {env}",
    })
    return made["id"]


def set_status(gh, deployment_id, state, log_url="", description=""):
    body = {"state": state, "description": description[:140]}
    if log_url:
        body["log_url"] = log_url
    gh.request("POST", f"deployments/{deployment_id}/statuses", body)


def passed(gh, deployment):
    states = {s.get("state") for s in gh.paginate(f"deployments/{deployment['id']}/statuses")}
    return "success" in states and not states & {"failure", "error"}


def passed_releases(gh, env):
    """The releases that passed in `env`, newest first, as (deployment, release)."""
    found = []
    for d in gh.paginate("deployments", {"environment": env, "task": TASK}):
        payload = d.get("payload")
        if isinstance(payload, str):
            payload = json.loads(payload or "{}")
        if isinstance(payload, dict) and "images" in payload and "commit" in payload and passed(gh, d):
            found.append((d, {"commit": payload["commit"], "images": payload["images"]}))
    found.sort(key=lambda pair: (pair[0].get("created_at", ""), pair[0]["id"]), reverse=True)
    return found


def plan_run(gh, name):
    """The id of the newest workflow run holding an unexpired artifact called `name`, or None."""
    found = gh.request("GET", "actions/artifacts", query={"name": name, "per_page": 100}) or {}
    live = [a for a in found.get("artifacts", []) if not a.get("expired")]
    live.sort(key=lambda a: a.get("created_at", ""), reverse=True)
    return live[0]["workflow_run"]["id"] if live else None


def write_json(path, value):
    with open(path, "w", encoding="utf-8") as f:
        json.dump(value, f, indent=2, sort_keys=True)
        f.write("\n")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    c = sub.add_parser("create", help="record a deployment of a release; prints its id")
    c.add_argument("--env", required=True)
    c.add_argument("--ref", required=True, help="the program commit")
    c.add_argument("--release", required=True, help="release file")
    s = sub.add_parser("status", help="set a deployment's status")
    s.add_argument("--id", required=True, type=int)
    s.add_argument("--state", required=True, choices=["in_progress", "success", "failure", "error", "inactive"])
    s.add_argument("--log-url", default="")
    s.add_argument("--description", default="")
    l = sub.add_parser("latest", help="write the newest release that passed in an environment")
    l.add_argument("--env", required=True)
    l.add_argument("--out", required=True)
    p = sub.add_parser("plan-run", help="print the run that holds a saved-plan artifact")
    p.add_argument("--name", required=True, help="the artifact's name")
    args = parser.parse_args(argv)
    try:
        gh = ghapi.GitHub()
        if args.command == "plan-run":
            run_id = plan_run(gh, args.name)
            if run_id is None:
                print(f"no artifact named {args.name}", file=sys.stderr)
                sys.exit(EXIT_NONE)
            ghapi.set_output("run_id", run_id)
            print(run_id)
            return
        if args.command == "create":
            deployment_id = create(gh, args.env, args.ref, load_release(args.release))
            ghapi.set_output("id", deployment_id)
            print(deployment_id)
        elif args.command == "status":
            set_status(gh, args.id, args.state, args.log_url, args.description)
            print(f"deployment {args.id}: {args.state}")
        else:
            releases = passed_releases(gh, args.env)
            if not releases:
                print(f"no release has passed in {args.env} yet", file=sys.stderr)
                sys.exit(EXIT_NONE)
            deployment, release = releases[0]
            write_json(args.out, release)
            print(f"{args.env}: release of deployment {deployment['id']} (commit {release['commit']})")
    except (ghapi.GitHubError, ValueError, OSError) as e:
        ghapi.fail(str(e))


if __name__ == "__main__":
    main()
