"""Learning from use, simulated on the quality benchmark: feedback from one half of the questions
improves the answers to the other half, and the confidence stays calibrated.

    python bench/feedback.py               # StackFAQ test threads T076-T125, both settings below
    python bench/feedback.py --clusters    # also: how well logged questions are grouped into needs

StackFAQ (``$OFTENASKED_DATA/stackfaq``) is the development set whose needs are asked many ways
(about ten paraphrases per thread), which is what learning from use feeds on; the sets with one
question per need (MEDIQA, COVID rewordings) have no second person asking the same thing. The
threads are the test half (T076-T125: ``bench/calibrate.py`` fits on T001-T075), and their
paraphrases alternate between the two halves:

1. *before*: the second half is asked (``KnowledgeBase.search``): MRR@10, P@1, and the ECE of the
   top answer's confidence;
2. *use*: each first-half question is asked by a person of its own (a session id per question).
   When the top answer is right they say "helpful"; when it is wrong, they give the right pair as
   a user would ("this other pair was right": the best-ranked right pair in the top ten, else the
   thread's first answer);
3. the editor accepts every suggestion that oftenasked makes from that use;
4. *after*: the second half is asked again.

Three settings: the default (a suggestion needs three sessions), two, and ``suggestion_sessions=1``
(an editor who acts on every single correction).

``--clusters`` scores the grouping of questions into needs against the true needs (the threads),
leader clustering as shipped beside scikit-learn's agglomerative clustering, and counts how many
groups the distinct questions of a knowledge base fall into (each is a need of its own: grouping
must keep them apart).
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "bench" / "out"
sys.path.insert(0, str(ROOT / "src"))

from oftenasked import KnowledgeBase, Settings  # noqa: E402
from oftenasked.evaluate import expected_calibration_error, ranking_metrics, read_qrels, read_queries  # noqa: E402
from oftenasked.retrieve.embed import default_embedder  # noqa: E402
from oftenasked.store import Store  # noqa: E402
from oftenasked.usage.needs import SAME_NEED, Asked, cluster, group  # noqa: E402

TEST_THREADS = {f"T{i:03d}" for i in range(76, 126)}


from sets import data_root  # noqa: E402  (the development sets' folder, found one way for every bench)


def stackfaq() -> tuple[Path, list[tuple[str, str]], dict[str, dict[str, int]]]:
    folder = data_root() / "stackfaq"
    qrels = read_qrels(str(folder / "qrels.tsv"))
    queries = [(q, t) for q, t in read_queries(str(folder / "queries.jsonl")) if q.split("_")[0] in TEST_THREADS]
    return folder / "corpus.jsonl", queries, qrels


def built_kb(corpus: Path) -> Path:
    """The knowledge base of all 719 pairs, built once and copied for each run."""
    OUT.mkdir(parents=True, exist_ok=True)
    base = OUT / "feedback-stackfaq.sqlite"
    if not base.exists():
        kb = KnowledgeBase(Store(base), embedder=default_embedder())
        kb.ingest([corpus], all_or_nothing=True)
        kb.close()
    return base


def halves(queries: list[tuple[str, str]]) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """Each thread's paraphrases, alternately to the first and the second half."""
    first, second, seen = [], [], {}
    for qid, text in sorted(queries):
        thread = qid.split("_")[0]
        at = seen.get(thread, 0)
        seen[thread] = at + 1
        (first if at % 2 == 0 else second).append((qid, text))
    return first, second


def score(kb: KnowledgeBase, queries: list[tuple[str, str]], qrels: dict[str, dict[str, int]]) -> dict[str, float]:
    runs, top = {}, []
    for qid, text in queries:
        hits = kb.search(text, k=10)
        runs[qid] = [h.pair.id for h in hits]
        if hits:
            top.append((hits[0].score, qrels[qid].get(hits[0].pair.id, 0) >= 1))
    metrics = ranking_metrics(qrels, runs)
    answered = [ok for s, ok in top if s >= kb.settings.threshold]
    return {"MRR@10": metrics["MRR@10"], "P@1": metrics["P@1"], "ECE": expected_calibration_error(top),
            "answered": len(answered) / len(queries), "precision": sum(answered) / max(1, len(answered))}


def simulate(base: Path, queries: list[tuple[str, str]], qrels: dict[str, dict[str, int]],
             sessions: int) -> dict[str, object]:
    path = OUT / f"feedback-run-{sessions}.sqlite"
    for suffix in ("", "-wal", "-shm"):
        Path(str(path) + suffix).unlink(missing_ok=True)
    shutil.copyfile(base, path)
    kb = KnowledgeBase(Store(path), embedder=default_embedder(), settings=Settings(suggestion_sessions=sessions))
    use, held = halves(queries)
    before = score(kb, held, qrels)
    started = time.perf_counter()
    wrong = 0
    for qid, text in use:
        answer = kb.ask(text, top=10, threshold=0.0, session=qid)
        shown = answer.hits[0].pair.id
        if qrels[qid].get(shown, 0) >= 1 and answer.hits[0].score >= kb.settings.threshold:
            kb.record_feedback(text, shown, helpful=True, session=qid)
            continue
        wrong += 1
        right = next((h.pair.id for h in answer.hits if qrels[qid].get(h.pair.id, 0) >= 1), None)
        right = right or min(p for p, g in qrels[qid].items() if g >= 1)
        if right == shown:  # right, but under the threshold: "yes, this one"
            kb.record_feedback(text, shown, helpful=True, session=qid)
        else:
            kb.record_feedback(text, shown, better_id=right, session=qid)
    made = kb.suggestions()
    for suggestion in made:
        kb.accept(suggestion.id)
    learning = time.perf_counter() - started
    after = score(kb, held, qrels)
    kinds = {k: sum(1 for s in made if s.kind == k) for k in ("alternate", "poor_answer")}
    kb.close()
    return {"sessions": sessions, "use": len(use), "held": len(held), "wrong": wrong, "accepted": kinds,
            "before": before, "after": after, "seconds": learning}


def clusters(queries: list[tuple[str, str]]) -> str:
    """Leader clustering (shipped) beside scikit-learn's agglomerative clustering on the same vectors."""
    from sklearn.cluster import AgglomerativeClustering
    from sklearn.metrics import adjusted_rand_score, v_measure_score

    texts = [t for _, t in queries]
    truth = [q.split("_")[0] for q, _ in queries]
    vectors = default_embedder().embed(texts).astype(np.float32)
    lines = [f"| method | threshold | groups (true: {len(set(truth))}) | ARI | V-measure | seconds |",
             "|---|---|---|---|---|---|"]
    for threshold in (0.6, 0.65, 0.7, SAME_NEED, 0.75, 0.8):
        started = time.perf_counter()
        found = cluster(vectors, threshold)
        took = time.perf_counter() - started
        lines.append(f"| leader (shipped for gaps) | {threshold:.2f} | {len(set(found))}"
                     f" | {adjusted_rand_score(truth, found):.3f} | {v_measure_score(truth, found):.3f} | {took:.3f} |")
    # As shipped for often asked needs: the knowledge base's answers first, then meaning.
    path = OUT / "feedback-clusters.sqlite"
    for suffix in ("", "-wal", "-shm"):
        Path(str(path) + suffix).unlink(missing_ok=True)
    shutil.copyfile(built_kb(data_root() / "stackfaq" / "corpus.jsonl"), path)
    kb = KnowledgeBase(Store(path), embedder=default_embedder())
    events = []
    for text in texts:
        best = kb.search(text, k=1)[0]
        events.append(Asked(text, best.pair.id, best.score, best.score >= kb.settings.threshold))
    for threshold in (0.6, SAME_NEED):
        started = time.perf_counter()
        groups = group(kb.store.db, kb.embedder, events, threshold, by_pair=True)  # (the first embeds them)
        took = time.perf_counter() - started
        label = {id(e): n for n, g in enumerate(groups) for e in g}
        found = [label[id(e)] for e in events]
        lines.append(f"| answering pair, then leader (shipped for `often`) | {threshold:.2f} | {len(groups)}"
                     f" | {adjusted_rand_score(truth, found):.3f} | {v_measure_score(truth, found):.3f} | {took:.3f} |")
    kb.close()
    for threshold in (0.6, 0.7, SAME_NEED):
        started = time.perf_counter()
        model = AgglomerativeClustering(n_clusters=None, metric="cosine", linkage="average",
                                        distance_threshold=1 - threshold)
        found = list(model.fit_predict(vectors))
        took = time.perf_counter() - started
        lines.append(f"| agglomerative, average linkage (scikit-learn) | {threshold:.2f} | {len(set(found))}"
                     f" | {adjusted_rand_score(truth, found):.3f} | {v_measure_score(truth, found):.3f} | {took:.3f} |")
    corpus = data_root() / "stackfaq" / "corpus.jsonl"
    distinct = sorted({str(json.loads(line)["question"]) for line in corpus.read_text().splitlines() if line.strip()})
    apart = default_embedder().embed(distinct).astype(np.float32)
    lines += ["", f"| threshold | groups of the {len(distinct)} distinct StackFAQ questions (each its own need) |",
              "|---|---|"]
    for threshold in (0.6, 0.65, 0.7, SAME_NEED, 0.75):
        lines.append(f"| {threshold:.2f} | {len(set(cluster(apart, threshold)))} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clusters", action="store_true", help="also measure the grouping of questions into needs")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    report(with_clusters=args.clusters, as_json=args.json)


def report(*, with_clusters: bool = False, as_json: bool = False) -> None:
    """Print the simulated-use table (also printed by ``bench/quality.py --feedback``)."""
    corpus, queries, qrels = stackfaq()
    base = built_kb(corpus)
    results = [simulate(base, queries, qrels, sessions) for sessions in (Settings().suggestion_sessions, 2, 1)]
    if as_json:
        print(json.dumps(results, indent=2))
    else:
        print(f"StackFAQ T076-T125: {len(queries)} paraphrases; use on one half, measured on the other\n")
        print("| suggestion_sessions | first half wrong | alternates accepted | | MRR@10 | P@1 | ECE"
              " | answered | precision |")
        print("|---|---|---|---|---|---|---|---|---|")
        for r in results:
            for when in ("before", "after"):
                m = r[when]  # type: ignore[index]
                print(f"| {r['sessions']} | {r['wrong']} of {r['use']} | {r['accepted']['alternate']} | {when} |"  # type: ignore[index]
                      f" {m['MRR@10']:.4f} | {m['P@1']:.4f} | {m['ECE']:.4f} | {m['answered']:.3f} | {m['precision']:.3f} |")
        print("\nlearning (asking the first half, feedback, suggestions, accepting):",
              ", ".join(f"{r['seconds']:.1f} s" for r in results))
    if with_clusters:
        print("\nGrouping logged questions into needs (StackFAQ test threads as the true needs):\n")
        print(clusters(queries))


if __name__ == "__main__":
    main()
