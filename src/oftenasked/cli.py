"""The ``oftenasked`` command: thin commands over :class:`KnowledgeBase`.

Library errors become ``click.ClickException`` here, at the edge, and nowhere else.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from functools import wraps
from typing import Any

import click

from . import _blas  # noqa: F401 (first: one BLAS thread before numpy loads)
from . import settings as settings_mod
from .errors import IngestError, OftenaskedError
from .ingest import READERS
from .ingest import crawl as crawl_mod
from .ingest.fetch import is_url
from .ingest.sources import read_stream
from .kb import KnowledgeBase
from .models import SourceReport

KB_OPTION = click.option(
    "--kb", "kb_path", envvar="OFTENASKED_KB", default=None, metavar="FILE",
    help="Knowledge base file [env OFTENASKED_KB; default: per-user file, else the bundled starter].",
)
def _range(name: str) -> tuple[int, int]:
    """A setting's range, the same as the Python API's and HTTP's (settings.LIMITS)."""
    low, high = settings_mod.LIMITS[name]
    return int(low), int(high)


JSON_OPTION = click.option("--json", "as_json", is_flag=True, help="Print JSON instead of text.")


def _errors_to_clicks(func: Callable[..., Any]) -> Callable[..., Any]:
    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except OftenaskedError as exc:
            raise click.ClickException(exc.message) from None

    return wrapper


@contextmanager
def _open(kb_path: str | None, *, for_writing: bool = False) -> Iterator[KnowledgeBase]:
    settings = settings_mod.load(kb=kb_path)
    with KnowledgeBase.open(settings=settings, for_writing=for_writing) as kb:
        yield kb


def _echo_json(data: Any) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, indent=2))


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="oftenasked")
def cli() -> None:
    """oftenasked: answers to frequently asked questions, from your own FAQ content."""


@cli.command()
@click.argument("paths", nargs=-1, required=True)
@KB_OPTION
@click.option("--all-or-nothing", is_flag=True, help="Ingest nothing if any source fails.")
@click.option("--strict", is_flag=True,
              help="A record that cannot be used (an empty answer, no question and no title) fails its source"
                   " instead of being skipped and reported.")
@click.option("--report", is_flag=True, help="List every pair kept and every block dropped, with the reason.")
@click.option("--include", multiple=True, metavar="GLOB", help="In folders, read only files matching GLOB (repeatable).")
@click.option("--exclude", multiple=True, metavar="GLOB", help="In folders, skip files matching GLOB (repeatable).")
@click.option("--format", "fmt", type=click.Choice(sorted(READERS)), default=None,
              help="Read every source in this format instead of detecting it (useful with '-').")
@click.option("--name", "stdin_name", default="<stdin>", show_default=True, metavar="NAME",
              help="The source name of standard input; ingesting the same name again replaces its pairs.")
@click.option("--crawl", is_flag=True,
              help="For each URL, ingest its site: the pages its sitemap.xml lists (else the same-host links,"
                   " followed), as robots.txt allows, on that host only.")
@click.option("--max-pages", default=crawl_mod.MAX_PAGES, show_default=True, type=click.IntRange(1, 10_000),
              help="With --crawl: at most this many pages per site.")
@click.option("--max-depth", default=crawl_mod.MAX_DEPTH, show_default=True, type=click.IntRange(0, 20),
              help="With --crawl: follow links at most this many steps from the URL.")
@click.option("--delay", default=crawl_mod.DELAY_S, show_default=True, type=click.FloatRange(0, 60),
              help="With --crawl: seconds to wait between requests (robots.txt's Crawl-delay if longer).")
@click.option("--cluster", metavar="ADDRESS", default=None,
              help="Read, clean and embed on this Dask cluster (tcp://host:8786); the distributed extra.")
@click.option("--workers", type=click.IntRange(1, 256), default=None,
              help="Read, clean and embed on a local Dask cluster of N worker processes; the distributed extra.")
@JSON_OPTION
@_errors_to_clicks
def ingest(
    paths: tuple[str, ...], kb_path: str | None, all_or_nothing: bool, strict: bool, report: bool,
    include: tuple[str, ...], exclude: tuple[str, ...], fmt: str | None, stdin_name: str, crawl: bool,
    max_pages: int, max_depth: int, delay: float, cluster: str | None, workers: int | None, as_json: bool,
) -> None:
    """Ingest FAQ files, folders, globs or http(s) URLs (PATH '-' reads standard input).

    Formats: text, HTML, Markdown, CSV/TSV, JSON, JSON Lines, MedQuAD XML, and (with the documents
    extra) PDF, Word (DOCX) and Excel (XLSX).
    """
    crawled: list[tuple[str, crawl_mod.CrawlResult]] = []
    if crawl:
        not_urls = [p for p in paths if not is_url(p)]
        if not_urls:
            raise click.UsageError(f"--crawl needs http(s) URLs, not {not_urls[0]!r}")
        crawled = [(url, crawl_mod.crawl(url, max_pages=max_pages, max_depth=max_depth, delay=delay)) for url in paths]
    if cluster and workers:
        raise click.UsageError("give --cluster ADDRESS or --workers N, not both")
    with ExitStack() as stack:
        kb = stack.enter_context(_open(kb_path, for_writing=True))
        runner = None
        if cluster or workers:
            from .ingest.distributed import DaskRunner

            runner = stack.enter_context(DaskRunner.connect(cluster) if cluster else DaskRunner.local(workers or 1))
        bar: dict[str, Any] = {}

        def progress(stage: str, done: int, total: int) -> None:
            if as_json or not sys.stderr.isatty():
                return
            if bar.get("stage") != stage:  # reading, then embedding: one bar each
                if "bar" in bar:
                    bar["bar"].render_finish()
                bar.update(bar=click.progressbar(length=total, label=stage, file=sys.stderr), done=0, stage=stage)
            bar["bar"].update(done - bar["done"])
            bar["done"] = done

        if crawl:
            pages: list[tuple[str, bytes | IngestError]] = [page for _, found in crawled for page in found.pages]
            result = kb.ingest_sources(pages, all_or_nothing=all_or_nothing, progress=progress, fmt=fmt, strict=strict,
                                       runner=runner)
        elif paths == ("-",):
            data = read_stream(sys.stdin.buffer, stdin_name)  # bounded: an endless stream is refused, not read
            result = kb.ingest_bytes(data, stdin_name, fmt=fmt, strict=strict)
        else:
            result = kb.ingest(list(paths), all_or_nothing=all_or_nothing, progress=progress, include=include,
                               exclude=exclude, fmt=fmt, strict=strict, runner=runner)
        if "bar" in bar:
            bar["bar"].render_finish()
        # A crawled page with no FAQ on it (a category index, a contact page) is skipped, not a failure.
        no_faq = {s.origin for s in result.sources if crawl and s.error and s.error.endswith(_NO_PAIRS)}
        if as_json:
            data_out = result.to_dict() | {"kb": kb.path}
            for src, out in zip(result.sources, data_out["sources"]) if report else ():
                status = {i: "added" for i in src.added} | {i: "changed" for i in src.changed}
                rowids = (kb.store.rowid_of(i) for i in kb.store.source_hashes(src.origin))
                out["pairs"] = [{"id": p.id, "position": p.position, "question": p.question,
                                 "status": status.get(p.id, "unchanged")}
                                for p in sorted(kb.store.pairs([r for r in rowids if r]), key=lambda p: p.position)]
            if crawl:
                data_out["crawl"] = [{"url": url, "sitemap": found.sitemap, "fetched": [o for o, _ in found.pages],
                                      "skipped": [{"url": u, "reason": r} for u, r in found.skipped]
                                      + [{"url": o, "reason": "no FAQ on the page"} for o in sorted(no_faq)]}
                                     for url, found in crawled]
            _echo_json(data_out)
        else:
            for url, found in crawled:
                via = f" (from {found.sitemap})" if found.sitemap else " (following links)"
                click.echo(f"crawled {url}{via}: {len(found.pages)} pages fetched, {len(found.skipped)} skipped")
                for skipped_url, reason in found.skipped if report else ():
                    click.echo(f"  skipped {skipped_url} ({reason})")
            for src in result.sources:
                if src.origin in no_faq:
                    if report:
                        click.echo(f"{src.origin}: skipped (no FAQ on the page)")
                    continue
                if src.error:
                    click.echo(f"error: {src.error}", err=True)
                    continue
                click.echo(f"{src.origin}: {src.kept} pairs ({len(src.added)} added, {len(src.changed)} changed,"
                           f" {len(src.removed)} removed, {src.unchanged} unchanged), {_dropped_summary(src)}")
                if report:
                    status = {i: "added" for i in src.added} | {i: "changed" for i in src.changed}
                    rowids = (kb.store.rowid_of(i) for i in kb.store.source_hashes(src.origin))
                    for pair in sorted(kb.store.pairs([r for r in rowids if r]), key=lambda p: p.position):
                        click.echo(f"  kept   #{pair.position} {pair.question} ({status.get(pair.id, 'unchanged')})")
                    for d in src.dropped:
                        line = f"line {d.line}: " if d.line else ""
                        click.echo(f"  dropped {line}{d.text!r} ({d.reason})")
            click.echo(f"{len(kb)} pairs in {kb.path}; {result.embedded} texts embedded")
        if any(s.error and s.origin not in no_faq for s in result.sources):
            sys.exit(1)


_NO_PAIRS = ": no question-and-answer pairs found"


def _dropped_summary(src: SourceReport) -> str:
    """"5 blocks dropped (3 navigation, 2 cookie notice)": the count of each reason, most first."""
    counts = src.dropped_by_reason
    if not counts:
        return "0 blocks dropped"
    return f"{len(src.dropped)} blocks dropped (" + ", ".join(f"{n} {reason}" for reason, n in counts.items()) + ")"


@cli.command()
@click.argument("question")
@KB_OPTION
@click.option("--top", default=None, type=click.IntRange(*_range("top")), help="How many answers [default: 5].")
@click.option("--threshold", default=None, type=click.FloatRange(0, 1), help="Confidence under which no answer is given.")
@click.option("--session", default=None, metavar="S", help="An opaque session id, logged with the question.")
@JSON_OPTION
@_errors_to_clicks
def ask(
    question: str, kb_path: str | None, top: int | None, threshold: float | None, session: str | None, as_json: bool
) -> None:
    """Answer a QUESTION from the knowledge base (logged unless OFTENASKED_QUERY_LOG=0)."""
    with _open(kb_path) as kb:
        answer = kb.ask(question, top=top, threshold=threshold, session=session)
    if as_json:
        _echo_json(answer.to_dict())
        return
    if not answer.answered:
        click.echo("No good answer in the knowledge base.")
        if answer.did_you_mean:
            click.echo("Did you mean:")
            for hit in answer.did_you_mean:
                click.echo(f"  - {hit.pair.question}  ({hit.score:.2f})")
        return
    for rank, hit in enumerate(answer.hits, start=1):
        if rank > 1:
            click.echo("")
        click.echo(click.style(f"{hit.pair.question}", bold=True) + f"  [confidence {hit.score:.2f}]")
        click.echo(hit.pair.answer)
        click.echo(f"Source: {hit.pair.source}  (id {hit.pair.id})")


@cli.command()
@click.argument("question")
@KB_OPTION
@click.option("--top", default=None, type=click.IntRange(*_range("related_top")), help="How many related questions [default: 5].")
@JSON_OPTION
@_errors_to_clicks
def related(question: str, kb_path: str | None, top: int | None, as_json: bool) -> None:
    """Questions people also ask, with their answers."""
    with _open(kb_path) as kb:
        items = kb.related(question, top=top)
    if as_json:
        _echo_json([r.to_dict() for r in items])
        return
    for item in items:
        click.echo(click.style(item.pair.question, bold=True))
        click.echo(item.pair.answer)
        click.echo(f"Source: {item.pair.source}\n")


@cli.command()
@click.argument("question")
@KB_OPTION
@click.option("--format", "fmt", type=click.Choice(["md", "html", "json"]), default="md", show_default=True)
@click.option("--top", default=None, type=click.IntRange(*_range("related_top")), help="How many related questions [default: 5].")
@_errors_to_clicks
def page(question: str, kb_path: str | None, fmt: str, top: int | None) -> None:
    """Write the "Often asked" page for a QUESTION."""
    with _open(kb_path) as kb:
        result = kb.page(question, related=top)
    click.echo({"md": result.to_markdown, "html": result.to_html, "json": result.to_json}[fmt]())


@cli.command()
@click.argument("outdir", type=click.Path(file_okay=False))
@KB_OPTION
@click.option("--base-url", default=None, metavar="URL",
              help="Where the site will be published (for canonical links and sitemap.xml).")
@click.option("--title", default="Often asked", show_default=True, help="The site's name, on every page.")
@click.option("--related", "top", default=None, type=click.IntRange(0, 50), help="Related questions per page.")
@click.option("--no-search", is_flag=True, help="Leave out the search box (no Pagefind index).")
@JSON_OPTION
@_errors_to_clicks
def site(
    outdir: str, kb_path: str | None, base_url: str | None, title: str, top: int | None, no_search: bool, as_json: bool
) -> None:
    """Write a static "Often asked" site to OUTDIR; run again to update it (needs: pip install 'oftenasked[site]')."""
    from .publish import build_site

    bars: dict[str, Any] = {}

    def progress(stage: str, done: int, total: int) -> None:
        if as_json or not sys.stderr.isatty():
            return
        if bars.get("stage") != stage:
            if "bar" in bars:
                bars["bar"].render_finish()
            bars.update(stage=stage, done=0, bar=click.progressbar(length=total, label=f"{stage:<27}", file=sys.stderr))
        bars["bar"].update(done - bars["done"])
        bars["done"] = done

    with _open(kb_path) as kb:
        result = build_site(kb, outdir, base_url=base_url, title=title, related=top, search=not no_search,
                            progress=progress)
    if "bar" in bars:
        bars["bar"].render_finish()
    if as_json:
        _echo_json(result.to_dict())
        return
    click.echo(
        f"{result.folder}: {result.pages} pages for {result.pairs} pairs; {len(result.added)} files added,"
        f" {len(result.changed)} changed, {len(result.removed)} removed, {result.unchanged} unchanged"
        f" ({result.seconds:.1f} s)"
    )
    for label, paths in (("added", result.added), ("changed", result.changed), ("removed", result.removed)):
        for path in paths[:20]:
            click.echo(f"  {label:<8}{path}")
        if len(paths) > 20:
            click.echo(f"  ... and {len(paths) - 20} more {label}")
    if not base_url:
        click.echo("note: no --base-url, so no sitemap.xml and relative canonical links; give the address the"
                   " site will have before publishing it", err=True)


@cli.command()
@click.argument("queries", type=click.Path(exists=True, dir_okay=False))
@KB_OPTION
@click.option("--top", default=10, show_default=True, type=click.IntRange(1, 1000))
@_errors_to_clicks
def run(queries: str, kb_path: str | None, top: int) -> None:
    """Print a TREC run for QUERIES.jsonl ({"id","text"} lines): QID Q0 PAIR_ID RANK SCORE oftenasked."""
    from .evaluate import read_queries

    with _open(kb_path) as kb:
        for qid, text in read_queries(queries):
            previous = float("inf")
            for rank, hit in enumerate(kb.search(text, k=top), start=1):
                # Strictly decreasing scores, so tools that re-sort by score keep our order.
                score = min(round(hit.signals["fused"], 6), previous - 1e-6)
                previous = score
                click.echo(f"{qid} Q0 {hit.pair.id} {rank} {score:.6f} oftenasked")


@cli.command(name="eval")
@click.argument("queries", type=click.Path(exists=True, dir_okay=False))
@click.argument("qrels", type=click.Path(exists=True, dir_okay=False))
@KB_OPTION
@click.option("--min-grade", default=1, show_default=True, help="Lowest grade that counts as relevant.")
@JSON_OPTION
@_errors_to_clicks
def evaluate(queries: str, qrels: str, kb_path: str | None, min_grade: int, as_json: bool) -> None:
    """Score the knowledge base on QUERIES.jsonl against QRELS (MRR@10, nDCG@10, P@1, Recall@10).

    QRELS: a TSV with a header query_id, doc_id (or pair_id), grade; or TREC qrels (query_id 0 doc_id grade).
    """
    from .evaluate import evaluate_kb, read_qrels, read_queries

    judgements = read_qrels(qrels)
    asked = read_queries(queries)
    with _open(kb_path) as kb:
        result = evaluate_kb(kb, asked, judgements, min_grade)
    if as_json:
        _echo_json(result.to_dict())
        return
    click.echo(f"{result.queries} queries: {result.answerable} with a relevant pair, {result.unanswerable} without")
    for name, value in result.metrics.items():
        click.echo(f"{name:>10}  {value:.4f}")
    if result.unanswerable:
        click.echo(f'"no good answer" to {result.refused:.1%} of the questions without a relevant pair '
                   f"(threshold {result.threshold})")
    click.echo("\nthreshold  precision  coverage")
    for row in result.calibration:
        click.echo(f"{row['threshold']:>9.1f}  {row['precision']:>9.3f}  {row['coverage']:>8.3f}")


@cli.command()
@KB_OPTION
@click.option("--format", "fmt", type=click.Choice(["jsonl", "tsv", "csv", "jsonld"]), default="jsonl", show_default=True,
              help="JSON Lines, QnA Maker TSV or CSV, or schema.org FAQPage JSON-LD; each can be ingested again.")
@_errors_to_clicks
def export(kb_path: str | None, fmt: str) -> None:
    """Print every pair: JSON Lines, QnA Maker TSV or FAQPage JSON-LD (ingest the output to import it)."""
    from .export import export_lines

    with _open(kb_path) as kb:
        for line in export_lines(kb.pairs(), fmt):
            click.echo(line)


@cli.command()
@KB_OPTION
@JSON_OPTION
@_errors_to_clicks
def sources(kb_path: str | None, as_json: bool) -> None:
    """List the sources in the knowledge base."""
    with _open(kb_path) as kb:
        items = kb.sources()
    if as_json:
        _echo_json(items)
        return
    for item in items:
        click.echo(f"{item['pairs']:>6}  {item['origin']}  ({item['format']}, {item['ingested_at']})")


@cli.command()
@click.argument("origin")
@KB_OPTION
@_errors_to_clicks
def remove(origin: str, kb_path: str | None) -> None:
    """Remove a source (as listed by 'oftenasked sources') and its pairs."""
    with _open(kb_path, for_writing=True) as kb:
        count = kb.remove_source(origin)
    click.echo(f"removed {origin}: {count} pairs")


@cli.command()
@KB_OPTION
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to bind (0.0.0.0 exposes it).")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535))
@click.option(
    "--token", envvar="OFTENASKED_TOKEN", default=None, metavar="TOKEN",
    help="Bearer token that ingest and pair edits require [env OFTENASKED_TOKEN; none: writes refused].",
)
@click.option("--cors-origin", "cors_origins", multiple=True, metavar="ORIGIN", help="Allow this browser origin (CORS).")
@click.option(
    "--allowed-host", "allowed_hosts", multiple=True, metavar="NAME",
    help="A host name clients use to reach the server (repeatable; '*': any). IP addresses and localhost "
    "always work; other names are refused, against DNS rebinding.",
)
@click.option(
    "--workers", default=None, type=click.IntRange(1, 64),
    help="Server processes [default: one per CPU core, at most 4]. Answering is CPU-bound: one process uses one core.",
)
@_errors_to_clicks
def serve(
    kb_path: str | None, host: str, port: int, token: str | None, cors_origins: tuple[str, ...],
    allowed_hosts: tuple[str, ...], workers: int | None,
) -> None:
    """Serve the HTTP API and the web page (needs: pip install 'oftenasked[server]')."""
    from .api import ServerConfig, default_workers, require_server_extra
    from .api import serve as run_server

    require_server_extra()
    with _open(kb_path) as kb:
        names = tuple(n.strip().lower().rstrip(".") for n in allowed_hosts if n.strip())
        config = ServerConfig.load(token=token or None, cors_origins=cors_origins or None, allowed_hosts=names or None)
        run_server(kb, config, host=host, port=port, workers=workers or default_workers())


from . import cli_usage  # noqa: E402, F401  (registers log, often, gaps, feedback, suggestions...)


def main() -> None:
    cli(prog_name="oftenasked")
