#!/usr/bin/env python3
"""The pull request's sticky preview comment: render it from each environment's preview, then
create it once and update it in place.

  pr_comment.py render --results DIR --envs dev,staging,prod --sha SHA [--artifact-url URL] > body.md
  pr_comment.py upsert --pr N --body-file body.md

`render` reads, per environment, DIR/<env>/preview.md (stdout of `preview --refresh --format
markdown`), DIR/<env>/exit_code and DIR/<env>/stderr.log.

Guarantees:
* The comment starts with the hidden marker, then a summary table (one line per environment:
  no changes / changes / REFUSED / error, and the plan's count line), then every refusal,
  data-loss warning and `warning:`/`error:`/`note:` line, then each plan collapsed in <details>.
* It never exceeds the limit (GitHub's 65,536 characters): when the plans do not fit, their diff
  text is dropped first, then their tables are cut, each time saying so and pointing to the full
  plan in the artifact. The summary and the refusals are never cut.
* `upsert` edits the one comment carrying the marker, or creates it when there is none; a body
  over the limit is refused before any call.
Assumptions:
* GITHUB_API_URL, GITHUB_REPOSITORY and GITHUB_TOKEN are set (see ghapi.py).
"""

import argparse
import html
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ghapi  # noqa: E402

MARKER = "<!-- plinth-preview -->"
LIMIT = 65536
MAX_NOTES_PER_ENV = 20
DIFF_START = "\n<details><summary>Details</summary>"
NOTE_PREFIXES = ("warning:", "error:", "note:")


def size(text):
    """Length as GitHub's limit is checked, counted in UTF-8 bytes (never less than characters)."""
    return len(text.encode("utf-8"))


def read(path, default=""):
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            return f.read()
    except FileNotFoundError:
        return default


def escape(line):
    """A log line made inert in Markdown: no HTML, no code fences, no marker."""
    return html.escape(line.strip()).replace("`", "'")


class EnvResult:
    """One environment's preview: its Markdown, exit code and notable stderr lines."""

    def __init__(self, name, directory):
        self.name = name
        self.markdown = read(os.path.join(directory, "preview.md"))
        code = read(os.path.join(directory, "exit_code"), "missing").strip()
        self.exit_code = int(code) if code.lstrip("-").isdigit() else None
        log = read(os.path.join(directory, "stderr.log")).splitlines()
        self.notes = [escape(l) for l in log if l.strip().lower().startswith(NOTE_PREFIXES)]

    def status(self):
        if self.exit_code == 0:
            return "no changes" if "No changes." in self.markdown else "ok"
        if self.exit_code == 2:
            return "changes"
        if "**Refused:**" in self.markdown:
            return ":no_entry: REFUSED"
        return ":x: error" if self.exit_code is not None else ":x: did not run"

    def summary(self):
        found = re.search(r"^\*\*(Plan: [^*]*)\*\*$", self.markdown, re.MULTILINE)
        if found:
            return found.group(1)
        errors = [n for n in self.notes if n.lower().startswith("error:")]
        return errors[-1] if errors else "no plan"

    def alerts(self):
        """Refusal and data-loss lines of the plan, then the stderr notes (capped)."""
        lines = [l for l in self.markdown.splitlines() if l.startswith("> :")]
        notes = self.notes[:MAX_NOTES_PER_ENV]
        if len(self.notes) > MAX_NOTES_PER_ENV:
            notes.append(f"… {len(self.notes) - MAX_NOTES_PER_ENV} more lines in the job log")
        return lines + [f"> {n}" for n in notes]


def head(results, sha, artifact_url):
    out = [MARKER, f"## Plinth preview of `{sha[:12]}`", "", "| environment | result | plan |", "|---|---|---|"]
    out += [f"| `{r.name}` | {r.status()} | {r.summary()} |" for r in results]
    out.append("")
    if artifact_url:
        out.append(f"Full plans and saved plans: [artifact]({artifact_url}).")
        out.append("")
    for r in results:
        alerts = r.alerts()
        if alerts:
            out += [f"**`{r.name}`**", ""] + [a + "\n" for a in alerts]
    return "\n".join(out) + "\n"


def section(result, body):
    return f"<details><summary><code>{result.name}</code>: {result.summary()}</summary>\n\n{body}\n</details>\n\n"


def fitted(result, budget, pointer):
    """The environment's plan section within `budget` characters, cut as little as possible."""
    full = section(result, result.markdown)
    if size(full) <= budget:
        return full
    short = result.markdown.split(DIFF_START, 1)[0].rstrip("\n")
    short += f"\n\n_Per-field details left out to fit the comment: {pointer}._\n"
    if size(section(result, short)) <= budget:
        return section(result, short)
    lines, kept = short.splitlines(), []
    total = len(lines)
    cut_note = lambda n: f"\n\n_… {n} of {total} lines cut to fit the comment: {pointer}._\n"
    room = budget - size(section(result, "")) - size(cut_note(total))
    for line in lines:
        if room < size(line) + 1:
            break
        kept.append(line)
        room -= size(line) + 1
    cut = section(result, "\n".join(kept) + cut_note(total - len(kept)))
    return cut if size(cut) <= budget else ""


def render(results, sha, artifact_url, limit=LIMIT):
    pointer = f"the full plan is in the [artifact]({artifact_url})" if artifact_url else "the full plan is in the job's artifact"
    top = head(results, sha, artifact_url)
    if size(top) > limit:
        raise ValueError(f"the summary alone is {size(top)} bytes (UTF-8), over the limit of {limit}")
    shown = [r for r in results if r.markdown.strip()]
    parts, left = {}, limit - size(top)
    # Smallest plans first, so what they leave unused goes to the large ones.
    for i, r in enumerate(sorted(shown, key=lambda r: size(r.markdown))):
        parts[r.name] = fitted(r, left // (len(shown) - i), pointer)
        left -= size(parts[r.name])
    return top + "".join(parts[r.name] for r in shown)


def cmd_render(args):
    envs = [e for e in args.envs.split(",") if e]
    results = [EnvResult(e, os.path.join(args.results, e)) for e in envs]
    sys.stdout.write(render(results, args.sha, args.artifact_url, args.limit))


def cmd_upsert(args):
    body = read(args.body_file)
    if MARKER not in body:
        ghapi.fail(f"{args.body_file} does not carry the marker {MARKER}")
    if size(body) > LIMIT:
        ghapi.fail(f"{args.body_file} is {size(body)} bytes (UTF-8), over GitHub's limit of {LIMIT}")
    gh = ghapi.GitHub()
    comments = gh.paginate(f"issues/{args.pr}/comments")
    mine = [c for c in comments if MARKER in (c.get("body") or "")]
    if mine:
        gh.request("PATCH", f"issues/comments/{mine[0]['id']}", {"body": body})
        print(f"updated comment {mine[0]['id']} on #{args.pr}")
    else:
        made = gh.request("POST", f"issues/{args.pr}/comments", {"body": body})
        print(f"created comment {made['id']} on #{args.pr}")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    r = sub.add_parser("render", help="print the comment body built from the previews")
    r.add_argument("--results", required=True, help="directory with one subdirectory per environment")
    r.add_argument("--envs", required=True, help="environments in order, comma-separated")
    r.add_argument("--sha", required=True, help="the commit previewed")
    r.add_argument("--artifact-url", default="", help="where the full plans are")
    r.add_argument("--limit", type=int, default=LIMIT, help=argparse.SUPPRESS)
    u = sub.add_parser("upsert", help="create the sticky comment or update it in place")
    u.add_argument("--pr", required=True, type=int, help="pull request number")
    u.add_argument("--body-file", required=True)
    args = parser.parse_args(argv)
    try:
        cmd_render(args) if args.command == "render" else cmd_upsert(args)
    except (ghapi.GitHubError, ValueError) as e:
        ghapi.fail(str(e))


if __name__ == "__main__":
    main()
