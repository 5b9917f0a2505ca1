"""Fill translations into a catalogue: `python scripts/po_fill.py PO_FILE < pairs.tsv`.

Each input line is `msgid<TAB>msgstr` (write a literal \\n for a newline). Entries not in
the catalogue are reported; fuzzy flags on filled entries are removed. Then recompile with
`python scripts/messages.py --compile`.
"""

import sys

import polib


def main(path: str) -> int:
    po = polib.pofile(path)
    by_id = {e.msgid: e for e in po}
    unknown = 0
    for line in sys.stdin:
        line = line.rstrip("\n")
        if not line.strip() or "\t" not in line:
            continue
        msgid, msgstr = (part.replace("\\n", "\n") for part in line.split("\t", 1))
        entry = by_id.get(msgid)
        if entry is None:
            print(f"not in catalogue: {msgid!r}", file=sys.stderr)
            unknown += 1
            continue
        if entry.msgid_plural:
            entry.msgstr_plural = {0: msgstr}
        else:
            entry.msgstr = msgstr
        if "fuzzy" in entry.flags:
            entry.flags.remove("fuzzy")
    po.save()
    po.save_as_mofile(path[:-3] + ".mo")
    left = [e.msgid for e in po if not e.translated()]
    print(f"{path}: {len(left)} untranslated left")
    return 1 if unknown else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
