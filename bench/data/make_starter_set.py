"""Writes starter-questions.jsonl and starter-qrels.tsv: questions in users' words about the starter KB.

Relevant (grade 2): the seed page's answers named below, or MedQuAD pairs of the condition whose question
type answers the question; grade 1: other overview (information) pairs of the same condition. N* questions
are ones the starter KB cannot answer (no judgements): the "no good answer" check.
"""
import gzip
import json
import re
from pathlib import Path

HERE = Path(__file__).resolve().parent
with gzip.open(HERE.parents[1] / "src/oftenasked/data/starter/medquad.jsonl.gz", "rt", encoding="utf-8") as _f:
    PAIRS = [json.loads(line) for line in _f]
SEED = {
 "prevent":"q-1fd4c2aca21c","should_run":"q-38ba48ae6f99","stop_exercise":"q-6e066f93f428","strengthen":"q-2622a78d5a04",
 "fix":"q-60173883bf5f","shoes":"q-8751f615d8ee","squats_good":"q-c71369953bed","squats_bad":"q-1710a4c70987",
 "rest":"q-4f9bed9a8ecf","remedy":"q-70d07bf791fc","run_sore":"q-028e057828e0","why_sore":"q-1203d811520a"}
# (text, topic regex on MedQuAD 'topic', qtypes that answer it exactly, seed keys)
Q = [
 ("my lower back always aches after a long run, why?", None, (), ["why_sore"]),
 ("is it ok to keep running when my back hurts", None, (), ["should_run","run_sore"]),
 ("what can i do so my back doesnt hurt when i go jogging", None, (), ["prevent","run_sore"]),
 ("exercises to make my lower back stronger for running", None, (), ["strengthen","stop_exercise"]),
 ("could my old trainers be causing my back pain", None, (), ["shoes"]),
 ("do squats help a bad back", None, (), ["squats_good","squats_bad"]),
 ("can squatting hurt your back", None, (), ["squats_bad","squats_good"]),
 ("how long should i rest my back before running again", None, (), ["rest"]),
 ("quick natural ways to ease back pain at home", None, (), ["remedy","fix"]),
 ("best way to get rid of lower back pain", None, (), ["fix","remedy"]),
 ("what exercises help lower back pain", None, (), ["stop_exercise","strengthen"]),
 ("tips for running with a sore back", None, (), ["run_sore","should_run"]),
 ("what does shingles feel like at first", r"^shingles$", ("symptoms",), []),
 ("how do you treat shingles", r"^shingles$", ("treatment",), []),
 ("is there a vaccine to stop getting shingles", r"^shingles$", ("prevention",), []),
 ("does eating red meat cause gout", r"^gout$", ("causes","susceptibility"), []),
 ("my big toe is swollen and hurts like crazy at night", r"^gout$", ("symptoms","information"), []),
 ("how do i stop getting kidney stones", r"^kidney stones", ("prevention",), []),
 ("signs you have a kidney stone", r"kidney stones", ("symptoms",), []),
 ("how can I lower my blood pressure without pills", r"^high blood pressure$", ("prevention","treatment"), []),
 ("what blood pressure reading is too high", r"^high blood pressure$", ("information",), []),
 ("i snore and stop breathing at night, how do they test for that", r"^sleep apnea$", ("exams and tests","symptoms"), []),
 ("can't fall asleep at night, what helps", r"^insomnia$", ("treatment",), []),
 ("what do you eat if you have celiac", r"^celiac disease$", ("treatment","considerations"), []),
 ("does celiac run in families", r"^celiac disease$", ("inheritance","genetic changes"), []),
 ("burning feeling in my chest after eating", r"^(heartburn|gerd)$", ("information",), []),
 ("early warning signs of diabetes", r"^diabetes$|^diabetes type 2$", ("symptoms",), []),
 ("how do they treat migraines", r"^migraine$", ("treatment",), []),
 ("can you get osteoporosis without any symptoms", r"^osteoporosis$", ("symptoms",), []),
 ("shooting pain down the back of my leg from my butt", r"^sciatica$", ("information",), []),
 ("who should get a flu shot", r"^flu shot$", ("information",), []),
 ("how do you know if a cough is pneumonia", r"^pneumonia$", ("symptoms","exams and tests"), []),
 ("what sets off an asthma attack", r"^asthma$", ("causes","prevention"), []),
 ("always tired and pale, could i be anemic", r"^(anemia|iron-deficiency anemia)$", ("symptoms",), []),
 ("can glaucoma make you go blind", r"^glaucoma$", ("information","symptoms"), []),
 ("how do you get lyme disease", r"^lyme disease$", ("information",), []),
 ("what are the signs someone is having a stroke", r"^stroke$", ("symptoms",), []),
 ("what helps arthritis pain in my knees", r"^osteoarthritis$", ("treatment",), []),
 ("is psoriasis contagious", r"^psoriasis$", ("causes","information"), []),
 ("how many people get asthma", r"asthma$", ("susceptibility","frequency"), []),
]
NO = [
 "how do I reset my router password",
 "what time does the pharmacy on main street close",
 "how much does a knee replacement cost with my insurance",
 "can I bring my dog to the clinic",
 "what's the best marathon training plan for a beginner",
 "how do I change the battery in my garmin watch",
 "which running shoes are on sale this week",
 "how do I cancel my gym membership",
 "what is the capital of australia",
 "recipe for gluten free banana bread",
 "how do I book an appointment with dr armstrong",
 "is it going to rain tomorrow",
 "how do i make strikethrough text in markdown",
 "how many calories are in a slice of pizza",
 "where can I park near the hospital",
]

def main() -> None:
    queries: list[dict[str, str]] = []
    rels: list[tuple[str, str, int]] = []
    for n, (text, topic, qtypes, seeds) in enumerate(Q, 1):
        qid = f"S{n:02d}"
        queries.append({"id": qid, "text": text})
        rels.extend((qid, SEED[s], 2) for s in seeds)
        if topic:
            pattern = re.compile(topic, re.I)
            exact = 0
            for p in PAIRS:
                if not pattern.search(p["topic"]):
                    continue
                if p["qtype"] in qtypes:
                    rels.append((qid, p["id"], 2))
                    exact += 1
                elif p["qtype"] == "information":
                    rels.append((qid, p["id"], 1))
            if not exact:
                raise SystemExit(f"no exact answer for {text!r}")
    queries += [{"id": f"N{n:02d}", "text": text} for n, text in enumerate(NO, 1)]
    with open(HERE / "starter-questions.jsonl", "w", encoding="utf-8") as handle:
        handle.writelines(json.dumps(q) + "\n" for q in queries)
    with open(HERE / "starter-qrels.tsv", "w", encoding="utf-8") as handle:
        handle.write("query_id\tdoc_id\tgrade\n")
        handle.writelines("\t".join(map(str, r)) + "\n" for r in rels)
    print(len(queries), "questions,", len(rels), "judgements")


if __name__ == "__main__":
    main()
