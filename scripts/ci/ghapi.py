"""A small GitHub REST API client for the CI scripts (Python 3 standard library only).

Guarantees:
* Every request goes to the base URL in `GITHUB_API_URL` (GitHub Actions sets it; tests point
  it at a fake server on loopback), for the repository in `GITHUB_REPOSITORY` (`owner/name`),
  with the token in `GITHUB_TOKEN` as a bearer token.
* A non-2xx answer raises `GitHubError` naming the method, the path, the status and GitHub's
  message; nothing is retried silently.

Assumptions:
* Lists are paginated with `per_page`/`page`; a page shorter than `per_page` is the last one.
"""

import json
import os
import sys
import urllib.error
import urllib.parse
import urllib.request

PER_PAGE = 100
TIMEOUT_SECS = 30


class GitHubError(Exception):
    """A GitHub API call that failed, or a missing setting."""


class GitHub:
    """The REST API of one repository."""

    def __init__(self, api_url=None, token=None, repo=None):
        self.api_url = (api_url or os.environ.get("GITHUB_API_URL") or "https://api.github.com").rstrip("/")
        self.token = token if token is not None else os.environ.get("GITHUB_TOKEN", "")
        self.repo = repo or os.environ.get("GITHUB_REPOSITORY", "")
        if not self.token:
            raise GitHubError("GITHUB_TOKEN is not set")
        if "/" not in self.repo:
            raise GitHubError(f"GITHUB_REPOSITORY must be owner/name, not {self.repo!r}")

    def request(self, method, path, body=None, query=None):
        """Calls `method path` (relative to the repository unless it starts with /); returns JSON."""
        url = self._url(path, query)
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(url, data=data, method=method)
        req.add_header("Authorization", f"Bearer {self.token}")
        req.add_header("Accept", "application/vnd.github+json")
        req.add_header("X-GitHub-Api-Version", "2022-11-28")
        if data is not None:
            req.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(req, timeout=TIMEOUT_SECS) as resp:
                text = resp.read().decode()
        except urllib.error.HTTPError as e:
            message = e.read().decode(errors="replace")[:500]
            raise GitHubError(f"{method} {path}: HTTP {e.code}: {message}") from e
        except urllib.error.URLError as e:
            raise GitHubError(f"{method} {path}: {e.reason}") from e
        return json.loads(text) if text.strip() else None

    def paginate(self, path, query=None):
        """Every item of a list endpoint, page after page."""
        items, page = [], 1
        while True:
            batch = self.request("GET", path, query={**(query or {}), "per_page": PER_PAGE, "page": page})
            if not isinstance(batch, list):
                raise GitHubError(f"GET {path}: expected a list, got {type(batch).__name__}")
            items.extend(batch)
            if len(batch) < PER_PAGE:
                return items
            page += 1

    def _url(self, path, query):
        full = path if path.startswith("/") else f"/repos/{self.repo}/{path}"
        url = self.api_url + full
        if query:
            url += "?" + urllib.parse.urlencode(query)
        return url


def set_output(name, value):
    """Writes `name=value` to the step outputs (`GITHUB_OUTPUT`) when running in Actions."""
    path = os.environ.get("GITHUB_OUTPUT")
    if path:
        with open(path, "a", encoding="utf-8") as f:
            f.write(f"{name}={value}\n")


def fail(message):
    """Prints `error: message` on stderr and exits 1."""
    print(f"error: {message}", file=sys.stderr)
    sys.exit(1)
