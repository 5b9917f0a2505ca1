"""Precision and recall of the ad-claim matcher on the labelled corpus.

    python -m bench.claims_precision

A case counts as flagged when the matcher returns at least one hit. Exemption accuracy is
measured on the flagged cases that carry an expected lawful-use hint.
"""

from products.claims import scan
from tests.products.claims_corpus import CORPUS


def evaluate(corpus=CORPUS, matcher=None):
    tp = fp = fn = tn = 0
    hints_right = hints_total = 0
    misses = []
    for case in corpus:
        hits = scan(case.text, matcher)
        flagged = bool(hits)
        if flagged and case.flag:
            tp += 1
        elif flagged:
            fp += 1
            misses.append(("false positive", case.text, [h.matched for h in hits]))
        elif case.flag:
            fn += 1
            misses.append(("missed", case.text, []))
        else:
            tn += 1
        if case.flag and flagged:
            hints_total += 1
            got = {h.exemption for h in hits}
            expected = case.exemption
            if (expected and expected in got) or (not expected and got == {""}):
                hints_right += 1
            else:
                misses.append(("hint", case.text, sorted(got)))
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    return {
        "cases": len(corpus),
        "tp": tp,
        "fp": fp,
        "fn": fn,
        "tn": tn,
        "precision": precision,
        "recall": recall,
        "hint_accuracy": hints_right / hints_total if hints_total else 1.0,
        "misses": misses,
    }


def main():
    result = evaluate()
    print(
        f"cases: {result['cases']}  (tp {result['tp']}, fp {result['fp']}, "
        f"fn {result['fn']}, tn {result['tn']})"
    )
    print(f"precision: {result['precision']:.3f}")
    print(f"recall:    {result['recall']:.3f}")
    print(f"lawful-use hint accuracy on flagged cases: {result['hint_accuracy']:.3f}")
    for kind, text, detail in result["misses"]:
        print(f"  {kind}: {text!r} {detail}")


if __name__ == "__main__":
    main()
