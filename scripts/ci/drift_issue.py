#!/usr/bin/env python3
"""One GitHub issue per environment for drift: opened when `drift` finds drift, updated while
it lasts, closed when it is gone; and which environments fix drift on their own.

  drift_issue.py sync --env dev --report drift.md --exit-code N [--run-url URL]
  drift_issue.py fix-envs --config .github/plinth/drift.json --envs dev,staging,prod

`sync` takes the exit code of `drift --format markdown` (0 no drift, 2 drift, else an error)
and its output.

Guarantees:
* The issue is found by the hidden marker `<!-- plinth-drift:<env> -->` in its body among the
  open issues: there is at most one per environment and it is never duplicated.
* Exit 2: the issue is created, or its body replaced by the new report (cut to GitHub's limit,
  pointing to the run). Exit 0: the open issue, if any, gets a comment and is closed. Any other
  exit code changes nothing (a check that could not read the cloud proves nothing) and `sync`
  exits 1 saying so.
* `fix-envs` prints the JSON list of environments that opt in to `drift --fix --yes`, from the
  data file; an environment the workflow does not know is refused. The fix job runs under the
  environment's GitHub environment, so prod's fix always waits for prod's required reviewers.
Assumptions:
* GITHUB_API_URL, GITHUB_REPOSITORY and GITHUB_TOKEN are set for `sync` (see ghapi.py).
"""

import argparse
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ghapi  # noqa: E402

LIMIT = 65536
EXIT_NO_DRIFT, EXIT_DRIFT = 0, 2


def marker(env):
    return f"<!-- plinth-drift:{env} -->"


def issue_body(env, report, run_url):
    top = f"{marker(env)}\nPlinth found drift in `{env}`: the cloud no longer matches the program.\n\n"
    foot = f"\n\nLast checked by {run_url or 'the drift workflow'}. This issue closes itself when drift is gone.\n"
    room = LIMIT - len((top + foot).encode()) - 200
    if len(report.encode()) > room:
        report = report.encode()[:room].decode(errors="ignore") + f"\n\n_… report cut to fit: see {run_url or 'the run'}._"
    return top + report + foot


def find_issue(gh, env):
    open_issues = gh.paginate("issues", {"state": "open"})
    mine = [i for i in open_issues if marker(env) in (i.get("body") or "") and "pull_request" not in i]
    return mine[0] if mine else None


def sync(gh, env, report, exit_code, run_url):
    """Brings the environment's issue in line with one drift result; returns what it did."""
    if exit_code not in (EXIT_NO_DRIFT, EXIT_DRIFT):
        raise ghapi.GitHubError(f"drift for `{env}` exited {exit_code} (an error, not a verdict); its issue is left as it is")
    issue = find_issue(gh, env)
    if exit_code == EXIT_DRIFT:
        body = issue_body(env, report, run_url)
        if issue is None:
            made = gh.request("POST", "issues", {"title": f"Drift in `{env}`", "body": body})
            return f"opened #{made['number']}"
        if issue.get("body") != body:
            gh.request("PATCH", f"issues/{issue['number']}", {"body": body})
            return f"updated #{issue['number']}"
        return f"#{issue['number']} already says this"
    if issue is None:
        return "no drift, no open issue"
    note = f"No drift in `{env}` any more ({run_url or 'drift workflow'}). Closing."
    gh.request("POST", f"issues/{issue['number']}/comments", {"body": note})
    gh.request("PATCH", f"issues/{issue['number']}", {"state": "closed", "state_reason": "completed"})
    return f"closed #{issue['number']}"


def fix_envs(config_path, known):
    with open(config_path, encoding="utf-8") as f:
        data = json.load(f)
    chosen = data.get("fix") if isinstance(data, dict) else None
    if not isinstance(chosen, list) or not all(isinstance(e, str) for e in chosen):
        raise ValueError(f'{config_path}: expected {{"fix": ["dev", ...]}}')
    unknown = [e for e in chosen if e not in known]
    if unknown:
        raise ValueError(f"{config_path}: unknown environment(s) {', '.join(unknown)} (known: {', '.join(known)})")
    return chosen


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    s = sub.add_parser("sync", help="open, update or close the environment's drift issue")
    s.add_argument("--env", required=True)
    s.add_argument("--report", required=True, help="output of `drift --format markdown`")
    s.add_argument("--exit-code", required=True, type=int, help="exit code of that `drift`")
    s.add_argument("--run-url", default="", help="link to the workflow run")
    f = sub.add_parser("fix-envs", help="print the environments that opt in to `drift --fix --yes`")
    f.add_argument("--config", required=True)
    f.add_argument("--envs", required=True, help="the environments the workflow knows, comma-separated")
    args = parser.parse_args(argv)
    try:
        if args.command == "fix-envs":
            print(json.dumps(fix_envs(args.config, args.envs.split(","))))
            return
        with open(args.report, encoding="utf-8", errors="replace") as r:
            report = r.read()
        print(f"drift issue for {args.env}: {sync(ghapi.GitHub(), args.env, report, args.exit_code, args.run_url)}")
    except (ghapi.GitHubError, ValueError, OSError) as e:
        ghapi.fail(str(e))


if __name__ == "__main__":
    main()
