"""``iam-prune publish`` against a fake GitHub over HTTP: the CLI's own ``main(argv)``.

Every request the client sends is checked against GitHub's OpenAPI description at the end of
each test (skipped, with the reason, when ``@octokit/openapi`` is not installed).
"""

from __future__ import annotations

import json
from pathlib import Path

import github_scenario as scenario
import pytest
from fake_github import FakeGitHub, Fault
from openapi_check import DESCRIPTION, description

from iam_prune.cli import main
from iam_prune.model import Finding, Status
from iam_prune.publish import github_api
from iam_prune.publish.github_comment import ISSUE_MARKER, PULL_REQUEST_MARKER

TOKEN = scenario.TOKEN
PR = scenario.PULL_REQUEST


def publish(tmp_path: Path, report: object, *extra: str) -> int:
    path = scenario.write(tmp_path / "report.json", report)  # type: ignore[arg-type]
    return main(["publish", "--report", str(path), *extra])


def sticky(fake: FakeGitHub) -> list[dict[str, object]]:
    return [
        c
        for c in fake.state.comments_on(PR)
        if PULL_REQUEST_MARKER in str(c["body"]) and c["user"]["login"] == fake.state.bot  # type: ignore[index]
    ]


@pytest.fixture
def actions_outputs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Running in Actions: the step outputs' file (annotations go to standard output)."""
    outputs = tmp_path / "outputs"
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    monkeypatch.setenv("GITHUB_OUTPUT", str(outputs))
    return outputs


def test_openapi_description_is_installed() -> None:
    if description() is None:
        pytest.skip(
            f"@octokit/openapi is not installed ({DESCRIPTION}): `make test` installs it with npm"
        )
    assert description() is not None


def test_rerun_fixed_and_back(github: FakeGitHub, tmp_path: Path, waits: list[float]) -> None:
    findings = scenario.report(scenario.alice(), scenario.carol(), scenario.unmanaged("dave"))

    assert publish(tmp_path, findings) == 0
    [first] = sticky(github)
    assert "alice" in str(first["body"]) and "Since the last run" not in str(first["body"])
    assert "- lines outside this pull request's diff: `carol`\n" in str(first["body"])
    assert "https://github.test/octo/infra/actions/runs/42" in str(first["body"])
    assert len(github.state.reviews) == 1
    assert github.state.reviews[0]["commit_id"] == "h" * 40
    comments = github.state.review_comments
    assert {c["path"] for c in comments} == {"infra/users.tf"}
    assert scenario.apply_suggestions(scenario.HEAD, comments) == scenario.WITHOUT_ALICE

    # The same findings again: the comment is edited in place, nothing is suggested twice.
    assert publish(tmp_path, findings) == 0
    assert [c["id"] for c in sticky(github)] == [first["id"]]
    assert "**Since the last run:** no change." in str(sticky(github)[0]["body"])
    assert len(github.state.reviews) == 1
    assert len(github.state.review_comments) == len(comments)

    # Fixed: the same comment becomes an all-clear naming what was resolved.
    assert publish(tmp_path, scenario.report()) == 0
    [cleared] = sticky(github)
    assert cleared["id"] == first["id"]
    assert "✅ **iam-prune: no unused IAM users**" in str(cleared["body"])
    assert "3 resolved (`alice`, `carol`, `dave`)" in str(cleared["body"])

    # Back again: new findings are named, and alice's removal is suggested only once ever.
    assert publish(tmp_path, findings) == 0
    assert "3 new (`alice`, `carol`, `dave`)" in str(sticky(github)[0]["body"])
    assert len(github.state.review_comments) == len(comments)
    assert waits == []


def test_clean_with_no_comment_posts_nothing(github: FakeGitHub, tmp_path: Path) -> None:
    assert publish(tmp_path, scenario.report()) == 0
    assert github.state.comments == {}
    assert [r.method for r in github.state.log if r.method != "GET" and r.path != "/graphql"] == []


def test_finds_its_comment_on_a_later_page_and_leaves_others_alone(
    github: FakeGitHub, tmp_path: Path
) -> None:
    for n in range(5):
        github.state.add_comment(PR, f"review note {n}", "mona")
    quoting = github.state.add_comment(PR, f"I saw {PULL_REQUEST_MARKER} in a comment", "mallory")
    assert publish(tmp_path, scenario.report(scenario.alice())) == 0
    [mine] = sticky(github)
    assert publish(tmp_path, scenario.report(scenario.carol())) == 0
    assert [c["id"] for c in sticky(github)] == [mine["id"]]
    assert github.state.comments[quoting["id"]]["body"] == quoting["body"]
    pages = [
        r.query.get("page") for r in github.state.log if r.path.endswith(f"/issues/{PR}/comments")
    ]
    assert ["4"] in pages  # 7 comments, 2 a page: it read to the end


def test_hide_minimizes_the_old_comment_and_posts_anew(github: FakeGitHub, tmp_path: Path) -> None:
    findings = scenario.report(scenario.alice())
    assert publish(tmp_path, findings, "--comment-mode", "hide") == 0
    [old] = sticky(github)
    assert publish(tmp_path, findings, "--comment-mode", "hide") == 0
    assert github.state.minimized == {old["id"]}
    assert len(sticky(github)) == 2


def test_recreate_deletes_and_posts(github: FakeGitHub, tmp_path: Path) -> None:
    findings = scenario.report(scenario.alice())
    assert publish(tmp_path, findings, "--comment-mode", "recreate") == 0
    [old] = sticky(github)
    assert publish(tmp_path, findings, "--comment-mode", "recreate") == 0
    [new] = sticky(github)
    assert new["id"] != old["id"] and old["id"] not in github.state.comments


def test_off_and_no_suggestions_post_nothing(github: FakeGitHub, tmp_path: Path) -> None:
    code = publish(
        tmp_path, scenario.report(scenario.alice()), "--comment-mode", "off", "--no-suggestions"
    )
    assert code == 0
    assert github.state.comments == {} and github.state.reviews == []


def test_with_comments_off_the_review_points_to_the_report(
    github: FakeGitHub, tmp_path: Path
) -> None:
    assert publish(tmp_path, scenario.report(scenario.alice()), "--comment-mode", "off") == 0
    [review] = github.state.reviews
    assert "exactly the patch in the report" in str(review["body"])
    assert "conversation comment" not in str(review["body"])
    assert github.state.comments == {}


def test_read_only_token_is_a_warning_naming_the_permission(
    github: FakeGitHub, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    github.state.tokens[TOKEN] = "read"
    assert publish(tmp_path, scenario.report(scenario.alice())) == 0
    err = capsys.readouterr().err
    assert "pull-requests: write" in err and "Resource not accessible by integration" in err
    assert github.state.comments == {} and github.state.reviews == []
    assert TOKEN not in err


def test_rate_limits_and_502_are_waited_out(
    github: FakeGitHub, tmp_path: Path, waits: list[float]
) -> None:
    github.state.faults += [
        Fault("502", "GET", "/files"),
        Fault("primary", "GET", "/issues/"),
        Fault("secondary", "POST", "/issues/"),
    ]
    assert publish(tmp_path, scenario.report(scenario.alice())) == 0
    assert len(sticky(github)) == 1
    assert github.state.faults == []
    assert 3.0 in waits  # the secondary limit's retry-after
    assert len(waits) == 3


def test_a_502_on_a_post_is_reported_not_sent_twice(
    github: FakeGitHub, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """GitHub may have made the comment before answering 502; sending it again could post it
    twice. The run says so, and the next run finds the comment by its marker."""
    github.state.faults.append(Fault("502", "POST", "/issues/"))
    assert publish(tmp_path, scenario.report(scenario.alice())) == 2
    posts = [e for e in github.state.log if e.method == "POST" and "/comments" in e.path]
    assert len(posts) == 1
    assert "502" in capsys.readouterr().err
    assert publish(tmp_path, scenario.report(scenario.alice())) == 0
    assert len(sticky(github)) == 1


def test_a_rate_limit_past_the_bound_fails_without_hanging(
    github: FakeGitHub, tmp_path: Path, waits: list[float], capsys: pytest.CaptureFixture[str]
) -> None:
    github.state.faults += [Fault("secondary") for _ in range(100)]
    assert publish(tmp_path, scenario.report(scenario.alice())) == 2
    assert sum(waits) <= github_api.GitHubClient("x", "t").max_wait
    assert "rate limited" in capsys.readouterr().err


def test_hundreds_of_findings_fit_in_one_comment(github: FakeGitHub, tmp_path: Path) -> None:
    many = [
        scenario.removal(
            f"user-{n:03}",
            "infra/many.tf",
            n * 4 + 1,
            scenario.unified("infra/many.tf", "x\n" * 3, ""),
        )
        for n in range(400)
    ]
    assert publish(tmp_path, scenario.report(*many)) == 0
    [comment] = sticky(github)
    assert len(str(comment["body"])) <= 65_536
    assert "user-000" in str(comment["body"])


def test_suggestions_at_most_30_and_whole_findings_only(github: FakeGitHub, tmp_path: Path) -> None:
    lines = [f'resource "aws_iam_user" "u{n}" {{\n  name = "u{n}"\n}}\n' for n in range(40)]
    head = "".join(lines)
    github.state.files[PR] = [
        {
            "filename": "infra/team.tf",
            "status": "added",
            "patch": scenario.unified("infra/team.tf", "", head).split("\n", 2)[2].rstrip("\n"),
        }
    ]
    findings = [
        scenario.removal(
            f"u{n}",
            "infra/team.tf",
            n * 3 + 1,
            scenario.unified("infra/team.tf", head, head.replace(lines[n], "")),
        )
        for n in range(40)
    ]
    assert publish(tmp_path, scenario.report(*findings)) == 0
    assert len(github.state.review_comments) == 30
    body = str(sticky(github)[0]["body"])
    # u1's diff (difflib's) starts at u0's closing brace, which u0's suggestion covers.
    assert "- lines another user's suggestion covers: `u1`\n" in body
    assert "- past the 30 suggestions one run makes: `u31`, `u32`," in body
    assert "outside this pull request's diff" not in body


def test_tracking_issue_lifecycle(
    github: FakeGitHub, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GITHUB_EVENT_NAME", "schedule")
    github.state.add_issue(title="unrelated", body=ISSUE_MARKER, login="mona", labels=["iam-prune"])
    findings = scenario.report(scenario.alice(), scenario.unmanaged("dave"))

    assert publish(tmp_path, findings) == 0
    mine = [i for i in github.state.issues.values() if i["user"]["login"] == github.state.bot]
    assert len(mine) == 1 and mine[0]["state"] == "open"
    assert mine[0]["title"] == "iam-prune: 2 unused IAM users to retire"
    assert mine[0]["labels"] == [{"name": "iam-prune"}]

    assert publish(tmp_path, scenario.report(scenario.alice())) == 0
    assert "1 resolved (`dave`)" in mine[0]["body"]

    assert publish(tmp_path, scenario.report()) == 0
    assert mine[0]["state"] == "closed"
    assert mine[0]["comments_log"] and "All clear" in mine[0]["comments_log"][-1]

    assert publish(tmp_path, findings) == 0
    assert mine[0]["state"] == "open"
    assert (
        len([i for i in github.state.issues.values() if i["user"]["login"] == github.state.bot])
        == 1
    )
    assert github.state.issues[1]["body"] == ISSUE_MARKER  # never touched another's issue


def test_a_user_to_review_keeps_the_issue_open_and_a_closed_one_is_left_alone(
    github: FakeGitHub,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("GITHUB_EVENT_NAME", "schedule")
    review = Finding("erin", Status.NEEDS_REVIEW, "holds an SSH public key")
    assert publish(tmp_path, scenario.report(scenario.alice())) == 0
    [mine] = [i for i in github.state.issues.values() if i["user"]["login"] == github.state.bot]

    assert publish(tmp_path, scenario.report(review)) == 0
    assert mine["state"] == "open" and mine["title"] == "iam-prune: 1 IAM user to review"
    assert "`erin`" in mine["body"] and not mine["comments_log"]

    assert publish(tmp_path, scenario.report()) == 0
    assert mine["state"] == "closed"
    capsys.readouterr()

    def writes() -> int:  # GraphQL is only asked who the token is
        return len([e for e in github.state.log if e.method != "GET" and e.path != "/graphql"])

    before = writes()
    assert publish(tmp_path, scenario.report()) == 0
    assert writes() == before
    assert "tracking issue:" not in capsys.readouterr().err


def test_a_user_to_review_gets_the_pull_request_comment(github: FakeGitHub, tmp_path: Path) -> None:
    review = Finding("erin", Status.NEEDS_REVIEW, "holds an SSH public key")
    assert publish(tmp_path, scenario.report(review)) == 0
    [comment] = sticky(github)
    assert "`erin`" in str(comment["body"])


def test_an_incomplete_run_resolves_nobody_and_keeps_the_last_whole_state(
    github: FakeGitHub, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A run that could not list the users sees no findings: that is not "3 resolved", and
    the complete run after it must not call them "new"."""
    from dataclasses import replace

    from iam_prune.model import ErrorSource, ReportError

    monkeypatch.setenv("GITHUB_EVENT_NAME", "schedule")
    whole = scenario.report(scenario.alice(), scenario.unmanaged("dave"))
    denied = ReportError(ErrorSource.AWS, "access denied to iam:ListUsers", account_id="1")
    blind = replace(scenario.report(), errors=(denied,))
    assert publish(tmp_path, whole) == 0
    [mine] = [i for i in github.state.issues.values() if i["user"]["login"] == github.state.bot]
    state = mine["body"].split("\n")[1]

    assert publish(tmp_path, blind) == 0
    assert "resolved" not in mine["body"] and "Since the last run" not in mine["body"]
    assert mine["body"].split("\n")[1] == state  # the last whole run's findings, kept
    assert mine["state"] == "open" and "incomplete" in mine["title"]

    assert publish(tmp_path, whole) == 0
    assert "**Since the last run:** no change." in mine["body"]


def test_graphql_viewer_refused_falls_back_to_the_actions_bot(
    github: FakeGitHub, tmp_path: Path
) -> None:
    github.state.viewer = None
    assert publish(tmp_path, scenario.report(scenario.alice())) == 0
    [first] = sticky(github)
    assert publish(tmp_path, scenario.report(scenario.alice())) == 0
    assert [c["id"] for c in sticky(github)] == [first["id"]]


def test_an_identity_github_cannot_tell_now_posts_nothing_rather_than_twice(
    github: FakeGitHub, tmp_path: Path, waits: list[float], capsys: pytest.CaptureFixture[str]
) -> None:
    """A machine user's token, and GraphQL failing past the retries: taken for Actions' bot,
    the token's own comment would look like somebody else's and be posted again."""
    github.state.bot = github.state.viewer = "infra-bot"
    assert publish(tmp_path, scenario.report(scenario.alice())) == 0
    [first] = sticky(github)
    reviews = len(github.state.reviews)
    github.state.faults += [Fault("502", "POST", "/graphql") for _ in range(4)]

    assert publish(tmp_path, scenario.report(scenario.alice())) == 2

    assert [c["id"] for c in sticky(github)] == [first["id"]]
    assert len(github.state.reviews) == reviews
    assert "graphql" in capsys.readouterr().err


def test_dry_run_sends_no_write_and_never_prints_the_token(
    github: FakeGitHub, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert publish(tmp_path, scenario.report(scenario.alice()), "--dry-run") == 0
    out, err = capsys.readouterr()
    assert "[dry run] POST" in out and PULL_REQUEST_MARKER in out
    assert github.state.comments == {} and github.state.reviews == []
    assert TOKEN not in out + err


@pytest.mark.parametrize(
    ("setup", "message"),
    [
        ("no-report", "cannot read"),
        ("not-json", "not JSON"),
        ("other-schema", "this iam-prune reads 'iam-prune/report/v1'"),
        ("no-token", "GITHUB_TOKEN is not set"),
        ("no-repository", "GITHUB_REPOSITORY"),
        ("not-a-pr", "no pull_request"),
    ],
)
def test_bad_input_exits_2_and_sends_nothing(
    github: FakeGitHub,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    setup: str,
    message: str,
) -> None:
    path = scenario.write(tmp_path / "report.json", scenario.report(scenario.alice()))
    if setup == "no-report":
        path = tmp_path / "missing.json"
    elif setup == "not-json":
        path.write_text("{nope")
    elif setup == "other-schema":
        path.write_text(json.dumps({"schema": "iam-prune/report/v2"}))
    elif setup == "no-token":
        monkeypatch.delenv("GITHUB_TOKEN")
    elif setup == "no-repository":
        monkeypatch.delenv("GITHUB_REPOSITORY")
    elif setup == "not-a-pr":
        (tmp_path / "event.json").write_text(json.dumps({"ref": "refs/heads/main"}))
    assert main(["publish", "--report", str(path)]) == 2
    assert message in capsys.readouterr().err
    assert github.state.log == []


def test_outputs_and_annotations_in_actions(
    github: FakeGitHub,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    actions_outputs: Path,
) -> None:
    assert publish(tmp_path, scenario.report(scenario.carol(), scenario.alice())) == 0
    written = actions_outputs.read_text()
    assert f"comment-url={sticky(github)[0]['html_url']}" in written
    assert "issue-url=\n" in written
    errors = [line for line in capsys.readouterr().out.splitlines() if line.startswith("::error")]
    # alice is declared in a file this pull request changes: her annotation comes first.
    assert errors[0].startswith("::error file=infra/users.tf,line=5,endLine=7,")
    assert errors[1].startswith("::error file=infra/legacy.tf,line=1,")


def test_publish_warnings_count_toward_githubs_ten_per_step(
    github: FakeGitHub,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """A read-only token's two refused writes and twelve findings to look at: GitHub shows
    ten warnings per step, so the ten printed are the refusals first and a count of the rest."""
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    github.state.tokens[TOKEN] = "read"
    looks = [Finding(f"u{n:02}", Status.NEEDS_REVIEW, "holds an SSH public key") for n in range(12)]
    assert publish(tmp_path, scenario.report(scenario.alice(), *looks)) == 0
    out, err = capsys.readouterr()
    warnings = [line for line in out.splitlines() if line.startswith("::warning")]
    assert len(warnings) == 10
    assert all("pull-requests: write" in w for w in warnings[:2])
    assert "Unused IAM user u00" in warnings[2]
    assert "5 more not shown here" in warnings[-1]
    assert "iam-prune: warning" not in err  # in Actions they are annotations only


def test_the_openapi_check_catches_a_wrong_request() -> None:
    checker = description()
    if checker is None:
        pytest.skip(f"@octokit/openapi is not installed ({DESCRIPTION})")
    from fake_github import Logged

    bad = Logged(
        "POST",
        "/repos/o/r/pulls/7/reviews",
        {},
        {},
        {"event": "COMMENT", "comments": [{"path": "a", "line": "5", "body": "b"}]},
    )
    assert checker.problems(bad) == [
        "POST /repos/{owner}/{repo}/pulls/{pull_number}/reviews body comments/0/line:"
        " '5' is not of type 'integer'"
    ]
    assert checker.problems(Logged("GET", "/repos/o/r/issues", {"bogus": ["1"]}, {}, None))
    assert checker.problems(Logged("PUT", "/repos/o/r/issues/comments/1", {}, {}, {}))


def test_the_graphql_check_catches_a_wrong_query() -> None:
    from openapi_check import GRAPHQL_SCHEMA, graphql_problems, graphql_schema

    if graphql_schema() is None:
        pytest.skip(f"@octokit/graphql-schema is not installed ({GRAPHQL_SCHEMA})")
    from iam_prune.publish.github_pr import MINIMIZE

    assert graphql_problems({"query": MINIMIZE, "variables": {"id": "IC_1"}}) == []
    assert graphql_problems({"query": MINIMIZE, "variables": {}}) == [
        "GraphQL variable $id not given"
    ]
    wrong = MINIMIZE.replace("OUTDATED", "STALE")
    assert "STALE" in graphql_problems({"query": wrong, "variables": {"id": "x"}})[0]


def test_a_refused_review_leaves_the_removal_in_the_comment(
    github: FakeGitHub, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    github.state.faults.append(Fault("outside-diff", "POST", "/reviews"))
    assert publish(tmp_path, scenario.report(scenario.alice())) == 0
    body = str(sticky(github)[0]["body"])
    assert "- GitHub refused the review: `alice`" in body
    assert "outside this pull request's diff" not in body
    assert "Suggested in the diff" not in body
    assert "must be part of the diff" in capsys.readouterr().err


def test_when_github_fails_annotations_and_outputs_still_go_out(
    github: FakeGitHub,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    waits: list[float],
    actions_outputs: Path,
) -> None:
    github.state.faults += [Fault("502", "POST", "/issues/")]
    assert publish(tmp_path, scenario.report(scenario.alice())) == 2
    out, err = capsys.readouterr()
    assert "HTTP 502" in err and waits == []  # a POST is not sent twice
    # Commands stopped for what publish prints, resumed for its annotations only.
    stop, resume, failed, first, *_ = out.splitlines()
    token = stop.removeprefix("::stop-commands::")
    assert len(token) == 32 and resume == f"::{token}::"
    assert failed.startswith("::error title=iam-prune publish::GitHub: POST /repos/octo/infra/")
    assert "HTTP 502" in failed
    assert first.startswith("::error file=infra/users.tf,line=5,")
    assert "comment-url=\n" in actions_outputs.read_text()


def test_a_review_github_does_not_answer_fails_the_step_but_not_the_comment(
    github: FakeGitHub, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The suggestions are optional; the comment with the diffs is not."""
    github.state.faults.append(Fault("502", "POST", "/reviews"))
    assert publish(tmp_path, scenario.report(scenario.alice())) == 2
    [comment] = sticky(github)
    assert "- GitHub did not answer the review" in str(comment["body"])
    assert "`alice`" in str(comment["body"])
    assert "the review with suggestions got no answer" in capsys.readouterr().err


def _branch_event(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, event: str, ref: str) -> None:
    payload = tmp_path / f"{event}.json"
    payload.write_text(json.dumps({"ref": ref, "repository": {"default_branch": "main"}}))
    monkeypatch.setenv("GITHUB_EVENT_NAME", event)
    monkeypatch.setenv("GITHUB_EVENT_PATH", str(payload))
    monkeypatch.setenv("GITHUB_REF", ref)


@pytest.mark.parametrize("event", ["push", "workflow_dispatch"])
def test_the_tracking_issue_follows_the_default_branch_only(
    github: FakeGitHub,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    event: str,
) -> None:
    """A feature branch whose scan is clean (its removal not merged yet) leaves the issue
    that the default branch's findings keep open."""
    _branch_event(tmp_path, monkeypatch, event, "refs/heads/main")
    assert publish(tmp_path, scenario.report(scenario.alice())) == 0
    [issue] = github.state.issues.values()

    _branch_event(tmp_path, monkeypatch, event, "refs/heads/drop-alice")
    assert publish(tmp_path, scenario.report()) == 0
    assert issue["state"] == "open" and "alice" in issue["body"]
    assert "refs/heads/drop-alice is not the default branch (main)" in capsys.readouterr().err

    _branch_event(tmp_path, monkeypatch, event, "refs/heads/main")
    assert publish(tmp_path, scenario.report()) == 0
    assert issue["state"] == "closed"


def test_an_event_publish_does_not_serve_is_a_warning_in_actions(
    github: FakeGitHub,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    actions_outputs: Path,
) -> None:
    monkeypatch.setenv("GITHUB_EVENT_NAME", "pull_request_target")
    assert publish(tmp_path, scenario.report(scenario.alice())) == 0
    out = capsys.readouterr().out
    assert "::warning title=iam-prune publish::nothing was published" in out
    assert "not on pull_request_target" in out
    assert github.state.comments == {} and github.state.issues == {}


def test_without_a_token_the_annotations_still_go_out(
    github: FakeGitHub,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    actions_outputs: Path,
) -> None:
    monkeypatch.setenv("GITHUB_TOKEN", "")
    assert publish(tmp_path, scenario.report(scenario.alice())) == 2
    out, err = capsys.readouterr()
    assert "GITHUB_TOKEN is not set" in err
    assert any(line.startswith("::error file=infra/users.tf,line=5,") for line in out.splitlines())


def test_jobs_with_their_own_comment_key_keep_a_comment_each(
    github: FakeGitHub, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A matrix over accounts on one pull request: each job's comment says what changed for
    its own account, not the other job's findings coming and going."""
    first = scenario.report(scenario.alice())
    second = scenario.report(scenario.carol())
    assert publish(tmp_path, first, "--comment-key", "account-a") == 0
    assert publish(tmp_path, second, "--comment-key", "account-b") == 0
    assert publish(tmp_path, first, "--comment-key", "account-a") == 0

    comments = [
        c
        for c in github.state.comments_on(PR)
        if c["user"]["login"] == github.state.bot  # type: ignore[index]
    ]
    assert len(comments) == 2
    by_key = {
        key: str(c["body"])
        for c in comments
        for key in ("a", "b")
        if f"key=account-{key} -->" in str(c["body"])
    }
    assert "alice" in by_key["a"] and "carol" not in by_key["a"]
    assert "**Since the last run:** no change." in by_key["a"]
    assert "carol" in by_key["b"] and "alice" not in by_key["b"]
    assert sticky(github) == []  # the keyless comment is another one still

    assert publish(tmp_path, first, "--comment-key", "a -->") == 2
    assert "a comment key is 1 to 64" in capsys.readouterr().err


def test_a_tracking_issue_made_without_its_label_is_a_warning(
    github: FakeGitHub,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """GitHub drops the labels of a token without push access, silently: the next run would
    not find the issue and open another, every night."""
    monkeypatch.setenv("GITHUB_EVENT_NAME", "schedule")
    github.state.drops_labels = True
    assert publish(tmp_path, scenario.report(scenario.alice())) == 0
    [issue] = github.state.issues.values()
    assert issue["labels"] == []
    err = capsys.readouterr().err
    assert "without its label `iam-prune`" in err and "add it by hand" in err


def test_two_issues_opened_at_once_become_one(
    github: FakeGitHub, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GITHUB_EVENT_NAME", "schedule")
    bot = github.state.bot
    for _ in range(2):
        github.state.add_issue(title="t", body=ISSUE_MARKER, login=bot, labels=["iam-prune"])
    assert publish(tmp_path, scenario.report(scenario.alice())) == 0
    older, newer = github.state.issues[1], github.state.issues[2]
    assert newer["state"] == "open" and "alice" in newer["body"]
    assert older["state"] == "closed" and older["state_reason"] == "duplicate"
    assert "#2 is the one kept up to date" in older["comments_log"][-1]


def test_a_rerun_of_an_older_commit_leaves_the_newer_comment(
    github: FakeGitHub, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert publish(tmp_path, scenario.report(scenario.alice())) == 0
    [comment] = sticky(github)
    body, reviews = comment["body"], len(github.state.reviews)
    github.state.heads[PR] = "n" * 40  # pushed since: this run's payload names "h" * 40

    assert publish(tmp_path, scenario.report()) == 0

    assert sticky(github)[0]["body"] == body and len(github.state.reviews) == reviews
    err = capsys.readouterr().err
    assert "this run scanned hhhhhhhhhhhh, and the pull request's head is nnnnnnnnnnnn" in err


def test_recreate_survives_a_delete_whose_answer_was_lost(
    github: FakeGitHub, tmp_path: Path, waits: list[float], capsys: pytest.CaptureFixture[str]
) -> None:
    """The DELETE went through and its answer was a 502; sent again, it is a 404: the
    comment is gone, which is what was asked, not a missing permission."""
    assert publish(tmp_path, scenario.report(scenario.alice())) == 0
    [first] = sticky(github)
    github.state.faults.append(Fault("done-then-502", "DELETE", "/issues/comments/"))

    assert publish(tmp_path, scenario.report(scenario.alice()), "--comment-mode", "recreate") == 0

    [second] = sticky(github)
    assert second["id"] != first["id"]
    assert "pull-requests: write" not in capsys.readouterr().err


def test_an_issue_closed_as_not_planned_stays_closed(
    github: FakeGitHub,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("GITHUB_EVENT_NAME", "schedule")
    assert publish(tmp_path, scenario.report(scenario.alice())) == 0
    [issue] = github.state.issues.values()
    issue.update(state="closed", state_reason="not_planned")  # a person's decision

    assert publish(tmp_path, scenario.report(scenario.alice())) == 0

    assert list(github.state.issues.values()) == [issue] and issue["state"] == "closed"
    assert "was closed as not planned, so it stays closed" in capsys.readouterr().err
    issue.update(state="closed", state_reason="completed")  # closed by hand as done
    assert publish(tmp_path, scenario.report(scenario.alice())) == 0
    assert issue["state"] == "open"
