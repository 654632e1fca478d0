"""The commands that learn from use: log, often, gaps, feedback, suggestions, accept, reject, revert.

Thin commands over :class:`KnowledgeBase` like the rest of the CLI (cli.py registers them).
"""

from __future__ import annotations

import click

from .cli import JSON_OPTION, KB_OPTION, _echo_json, _errors_to_clicks, _open, cli
from .usage import Need, Suggestion

SINCE = "a span of time back from now: 30m, 12h, 7d, 4w"


@cli.command()
@KB_OPTION
@click.option("--since", default=None, metavar="SPAN", help=f"Only questions asked since then ({SINCE}).")
@click.option("--unanswered", is_flag=True, help="Only the questions that got no good answer.")
@click.option("--limit", default=1000, show_default=True, type=click.IntRange(1, 1_000_000))
@click.option("--forget", is_flag=True, help="Empty the query log (questions, feedback, open suggestions).")
@JSON_OPTION
@_errors_to_clicks
def log(kb_path: str | None, since: str | None, unanswered: bool, limit: int, forget: bool, as_json: bool) -> None:
    """Show the query log: each question asked, the pair answered, its confidence, and feedback."""
    if forget:
        with _open(kb_path) as kb:  # the file the questions were logged in
            count = kb.forget_query_log()
        if as_json:
            _echo_json({"forgotten": count})
        else:
            click.echo(f"query log emptied: {count} questions forgotten")
        return
    with _open(kb_path) as kb:
        entries = kb.query_log(since=since, unanswered=unanswered, limit=limit)
    if as_json:
        _echo_json([e.to_dict() for e in entries])
        return
    for e in entries:
        answer = f"{e.pair_id} ({e.confidence:.2f})" if e.answered and e.confidence is not None else "no good answer"
        said = "".join(
            " [helpful]" if f["helpful"] else " [not helpful]" if f["helpful"] is False else f" [right: {f['better_id']}]"
            for f in e.feedback
        )
        click.echo(f"{e.asked_at}  {e.question}  -> {answer}{said}")


def _echo_needs(needs: list[Need], empty: str) -> None:
    if not needs:
        click.echo(empty)
    for rank, need in enumerate(needs, start=1):
        conf = "" if need.confidence is None else f", confidence {need.confidence:.2f}"
        click.echo(f"{rank}. asked {need.count} times by {need.people} people -> {need.pair_id or 'no pair'}{conf}")
        for question in need.questions:
            click.echo(f"     {question}")
        for near in need.nearest:
            click.echo(f"     nearest: {near['id']} {near['question']} ({near['confidence']:.2f})")


@cli.command()
@KB_OPTION
@click.option("--since", default="30d", show_default=True, metavar="SPAN", help=f"Count since then ({SINCE}).")
@click.option("--top", default=20, show_default=True, type=click.IntRange(1, 1000), help="How many needs.")
@JSON_OPTION
@_errors_to_clicks
def often(kb_path: str | None, since: str, top: int, as_json: bool) -> None:
    """The most asked needs: logged questions grouped by meaning, with the pair that answers them."""
    with _open(kb_path) as kb:
        needs = kb.often(since=since, top=top)
    if as_json:
        _echo_json([n.to_dict() for n in needs])
        return
    _echo_needs(needs, "no questions logged in that time")


@cli.command()
@KB_OPTION
@click.option("--since", default=None, metavar="SPAN", help=f"Only since then ({SINCE}; default: the whole log).")
@click.option("--top", default=20, show_default=True, type=click.IntRange(1, 1000), help="How many gaps.")
@JSON_OPTION
@_errors_to_clicks
def gaps(kb_path: str | None, since: str | None, top: int, as_json: bool) -> None:
    """Needs asked repeatedly without a good answer (what to write next), most people affected first."""
    with _open(kb_path) as kb:
        needs = kb.gaps(since=since, top=top)
    if as_json:
        _echo_json([n.to_dict() for n in needs])
        return
    _echo_needs(needs, "no gaps: nothing was asked repeatedly without a good answer")


@cli.command()
@click.argument("question")
@KB_OPTION
@click.option("--helpful", "verdict", flag_value="helpful", help="The answer given was helpful.")
@click.option("--unhelpful", "verdict", flag_value="unhelpful", help="The answer given was not helpful.")
@click.option("--pair", "pair_id", default=None, metavar="PAIR_ID", help="This other pair was the right answer.")
@click.option("--session", default=None, metavar="S",
              help="An opaque session id (feedback without one is the editor's: enough for a suggestion).")
@JSON_OPTION
@_errors_to_clicks
def feedback(question: str, kb_path: str | None, verdict: str | None, pair_id: str | None, session: str | None,
             as_json: bool) -> None:
    """Say whether the answer to QUESTION helped, or which other pair was right."""
    if (verdict is None) == (pair_id is None):
        raise click.UsageError("give one of --helpful, --unhelpful or --pair PAIR_ID")
    with _open(kb_path) as kb:  # the file the questions were logged in
        shown = kb.search(question, k=1)
        answered = shown[0].pair.id if shown else pair_id
        if answered is None:
            raise click.ClickException("the knowledge base is empty: there is no answer to give feedback on")
        recorded = kb.record_feedback(
            question, answered, helpful=None if verdict is None else verdict == "helpful", better_id=pair_id,
            session=session, editor=session is None,
        )
    if as_json:
        _echo_json(recorded.to_dict())
        return
    what = f"{pair_id} was the right answer" if pair_id else verdict.replace("unhelpful", "not helpful") if verdict else ""
    click.echo(f"feedback recorded: {what} (answer shown: {answered})")


def _echo_suggestion(s: Suggestion) -> None:
    kind = f"add {s.question!r} as an alternate question of" if s.kind == "alternate" else "flag as a poor answer:"
    click.echo(f"#{s.id} [{s.status}] {kind} {s.pair_id}")
    evidence = s.evidence
    click.echo(f"     why: {evidence.get('reason')} ({evidence.get('sessions')} sessions"
               + (", the editor" if evidence.get("editor") else "") + ")")
    for question in evidence.get("questions", [])[:3]:
        click.echo(f"     asked: {question}")


@cli.command()
@KB_OPTION
@click.option("--all", "show_all", is_flag=True, help="Accepted, rejected and reverted ones too.")
@JSON_OPTION
@_errors_to_clicks
def suggestions(kb_path: str | None, show_all: bool, as_json: bool) -> None:
    """Suggestions learnt from use (alternate questions, poor answers), with their evidence."""
    with _open(kb_path) as kb:  # the file the questions were logged in
        items = kb.suggestions(status=None if show_all else "open")
    if as_json:
        _echo_json([s.to_dict() for s in items])
        return
    if not items:
        click.echo("no suggestions")
    for item in items:
        _echo_suggestion(item)


def _decision(name: str, verb: str) -> None:
    @cli.command(name=name, help=f"{verb} suggestion ID (see 'oftenasked suggestions').")
    @click.argument("suggestion_id", metavar="ID", type=int)
    @KB_OPTION
    @JSON_OPTION
    @_errors_to_clicks
    def decide(suggestion_id: int, kb_path: str | None, as_json: bool) -> None:
        with _open(kb_path) as kb:  # the file the questions were logged in
            done = getattr(kb, name)(suggestion_id)
        if as_json:
            _echo_json(done.to_dict())
        else:
            _echo_suggestion(done)


_decision("accept", "Apply")
_decision("reject", "Discard")
_decision("revert", "Undo the accepted")
