"""The SQL of an import's merge (:mod:`.sync`): the baseline insert, the staging table, and
the change conditions written once for two shapes (a stored row joined with an incoming one,
and the diff table that holds both)."""

from __future__ import annotations

# Bound to a whole Row (?1 = line, unused); NOW is our own UTC text, put in as a literal
# so that executemany can take the Row tuples as they come.
INSERT_BASELINE = """
INSERT INTO appointments (practice, ext_id, start, patient, phone, doctor, status, language,
    booked_at, first_seen, changed_at, told_status, told_start)
VALUES (?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, coalesce(?10, 'NOW'), 'NOW', 'NOW', ?8, ?4)
"""

STAGE = """
CREATE TEMP TABLE incoming (
    line INTEGER, practice TEXT, ext_id TEXT, start TEXT, patient TEXT, phone TEXT,
    doctor TEXT, status TEXT, language TEXT, booked_at TEXT
)"""
# Change conditions, written once for two shapes: stored row a joined with incoming i
# ({o}="a.", {n}="i."), and the diff table that holds both (o_ columns = stored values).
MOVED = "{o}start <> {n}start"
CANCELLED = "{o}status = 'scheduled' AND {n}status = 'cancelled'"
RESTORED = "{o}status = 'cancelled' AND {n}status = 'scheduled'"
# Optional columns a source may lack; a lacking column keeps the stored value.
KEEPABLE = ("patient", "doctor", "language")
AI = {"o": "a.", "n": "i."}
DIFF = {"o": "d.o_", "n": "d."}


def edited(present: frozenset[str], names: dict[str, str]) -> str:
    cols = ["phone", *(c for c in KEEPABLE if c in present)]
    return "(" + " OR ".join(f"{{o}}{c} IS NOT {{n}}{c}".format(**names) for c in cols) + ")"


def changed(present: frozenset[str], names: dict[str, str]) -> str:
    moved_or_status = f"{MOVED} OR {{o}}status <> {{n}}status".format(**names)
    return f"({moved_or_status} OR {edited(present, names)})"


DIFF_TABLE = """
CREATE TEMP TABLE diff AS
SELECT i.*, a.id AS aid, a.start AS o_start, a.status AS o_status, a.phone AS o_phone,
    a.patient AS o_patient, a.doctor AS o_doctor, a.language AS o_language
FROM incoming i LEFT JOIN appointments a ON a.practice = i.practice AND a.ext_id = i.ext_id
WHERE a.id IS NULL OR {changed}
"""


def apply(present: frozenset[str]) -> str:
    keep = "".join(f", {c} = d.{c}" for c in KEEPABLE if c in present)
    moved, restored, cancelled = (x.format(**DIFF) for x in (MOVED, RESTORED, CANCELLED))
    return f"""
UPDATE appointments SET
    start = d.start, status = d.status, phone = d.phone{keep},
    booked_at = CASE WHEN {moved} OR ({restored}) THEN :now ELSE appointments.booked_at END,
    moved_at = CASE WHEN {moved} THEN :now ELSE appointments.moved_at END,
    cancelled_at = CASE WHEN {cancelled} THEN :now ELSE appointments.cancelled_at END,
    changed_at = CASE WHEN {moved} OR d.o_status <> d.status THEN :now ELSE appointments.changed_at END,
    told_status = CASE WHEN :quiet THEN d.status ELSE appointments.told_status END,
    told_start = CASE WHEN :quiet THEN d.start ELSE appointments.told_start END
FROM diff d WHERE appointments.id = d.aid"""
