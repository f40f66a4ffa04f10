"""Desk search's words on SQLite: one FTS5 row per enquiry (issue 15).

The row's ``rowid`` is the enquiry's id and its text the same words as PostgreSQL's search
document (``casework.models.search``): the enquiry's subject, asset and message, its
contact's and organisation's names, its updates' and internal notes' bodies. The porter
stemmer matches whole words as PostgreSQL's English configuration does ("breweries"
finds "brewery"; part of a word does not).

Triggers keep each row in the transaction of the change that moves it, whichever service
or bulk update made it, as PostgreSQL's do. Migration ``casework 0035`` makes the table;
the triggers are not kept in the migrations: Django alters an SQLite table by making a
new one and renaming it, which drops the triggers on the old table and fails on any other
trigger that names it ("error in trigger …: no such table"). So ``pre_migrate`` drops
them before a migrate that has anything to apply, and ``post_migrate`` puts back any that
are missing and then rewrites every row (a migration may have changed the words with the
triggers gone).
"""

# ruff: noqa: S608  (the statements are this module's own; values go as parameters)

import re

from django.db import connection, connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models.expressions import RawSQL

from knowledgebase.search.selectors import STOP_WORDS, WORD

TABLE = "casework_enquiry_fts"
TRIGGER_PREFIX = f"{TABLE}_"

_WORDS = """
SELECT e.id,
       coalesce(e.subject, '') || ' ' || coalesce(e.asset_name, '') || ' '
       || coalesce(c.name, '') || ' ' || coalesce(o.name, '') || ' '
       || coalesce(e.message, '') || ' '
       || coalesce((SELECT group_concat(m.body, ' ') FROM enquiries_message m
                     WHERE m.enquiry_id = e.id), '') || ' '
       || coalesce((SELECT group_concat(n.body, ' ') FROM casework_note n
                     WHERE n.enquiry_id = e.id), '')
  FROM enquiries_enquiry e
  LEFT JOIN enquiries_contact c ON c.id = e.contact_id
  LEFT JOIN enquiries_organisation o ON o.id = e.organisation_id
"""


def _refresh(ids: str) -> str:
    """Statements that rewrite the rows of the enquiries ``ids`` (SQL giving their ids):
    an enquiry deleted meanwhile loses its row and gets none."""
    return (
        f"DELETE FROM {TABLE} WHERE rowid IN ({ids}); "
        f"INSERT INTO {TABLE} (rowid, words) {_WORDS} WHERE e.id IN ({ids});"
    )


def _changed(*columns: str) -> str:
    return " OR ".join(f"OLD.{column} IS NOT NEW.{column}" for column in columns)


_ENQUIRY_WORDS = ("subject", "message", "asset_name", "contact_id", "organisation_id")
TRIGGERS: dict[str, str] = {
    "enquiry_insert": f"AFTER INSERT ON enquiries_enquiry BEGIN {_refresh('NEW.id')} END",
    "enquiry_update": (
        f"AFTER UPDATE OF {', '.join(_ENQUIRY_WORDS)} ON enquiries_enquiry "
        f"WHEN {_changed(*_ENQUIRY_WORDS)} BEGIN {_refresh('NEW.id')} END"
    ),
    "enquiry_delete": (
        f"AFTER DELETE ON enquiries_enquiry BEGIN DELETE FROM {TABLE} WHERE rowid = OLD.id; END"
    ),
    "contact_renamed": (
        "AFTER UPDATE OF name ON enquiries_contact WHEN OLD.name IS NOT NEW.name BEGIN "
        f"{_refresh('SELECT id FROM enquiries_enquiry WHERE contact_id = NEW.id')} END"
    ),
    "organisation_renamed": (
        "AFTER UPDATE OF name ON enquiries_organisation WHEN OLD.name IS NOT NEW.name BEGIN "
        f"{_refresh('SELECT id FROM enquiries_enquiry WHERE organisation_id = NEW.id')} END"
    ),
}
for _part, _table in (("message", "enquiries_message"), ("note", "casework_note")):
    TRIGGERS |= {
        f"{_part}_insert": f"AFTER INSERT ON {_table} BEGIN {_refresh('NEW.enquiry_id')} END",
        f"{_part}_delete": f"AFTER DELETE ON {_table} BEGIN {_refresh('OLD.enquiry_id')} END",
        f"{_part}_update": (
            f"AFTER UPDATE OF body, enquiry_id ON {_table} "
            f"WHEN {_changed('body', 'enquiry_id')} "
            f"BEGIN {_refresh('OLD.enquiry_id, NEW.enquiry_id')} END"
        ),
    }


def _installed(using: BaseDatabaseWrapper) -> set[str]:
    with using.cursor() as cursor:
        cursor.execute(
            "SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE %s",
            [TRIGGER_PREFIX + "%"],
        )
        return {row[0] for row in cursor.fetchall()}


def _ready(using: BaseDatabaseWrapper) -> bool:
    """SQLite, with the table and what its words come from (not before ``casework 0035``,
    nor after migrating back past it)."""
    if using.vendor != "sqlite":
        return False
    tables = set(using.introspection.table_names())
    return {TABLE, "enquiries_enquiry", "enquiries_message", "casework_note"} <= tables


def triggers_drop(using: BaseDatabaseWrapper = connection) -> None:
    if using.vendor != "sqlite":
        return
    with using.cursor() as cursor:
        for name in _installed(using):
            cursor.execute(f'DROP TRIGGER IF EXISTS "{name}"')


def triggers_ensure(using: BaseDatabaseWrapper = connection) -> bool:
    """Put back any trigger that is missing and, if one was, rewrite every row. Returns
    whether it had anything to do."""
    if not _ready(using):
        return False
    missing = {TRIGGER_PREFIX + name for name in TRIGGERS} - _installed(using)
    if not missing:
        return False
    with using.cursor() as cursor:
        for name, body in TRIGGERS.items():
            cursor.execute(f"CREATE TRIGGER IF NOT EXISTS {TRIGGER_PREFIX}{name} {body}")
    rows_rewrite(using=using)
    return True


def rows_rewrite(*, ids: list[int] | None = None, using: BaseDatabaseWrapper = connection) -> None:
    """Rewrite the rows of ``ids`` (every enquiry's when None)."""
    with using.cursor() as cursor:
        if ids is None:
            cursor.execute(f"DELETE FROM {TABLE}")
            cursor.execute(f"INSERT INTO {TABLE} (rowid, words) {_WORDS}")
            return
        placeholders = ", ".join(["%s"] * len(ids))
        cursor.execute(f"DELETE FROM {TABLE} WHERE rowid IN ({placeholders})", ids)
        cursor.execute(
            f"INSERT INTO {TABLE} (rowid, words) {_WORDS} WHERE e.id IN ({placeholders})", ids
        )


def written_ids() -> RawSQL:
    """The ids of the enquiries that have a row."""
    return RawSQL(f"SELECT rowid FROM {TABLE}", [])  # noqa: S611


def matching_ids(expression: str) -> RawSQL:
    """The ids of the enquiries whose words match ``expression`` (``match_expression``)."""
    return RawSQL(f"SELECT rowid FROM {TABLE} WHERE {TABLE} MATCH %s", [expression])  # noqa: S611


# A term: a quoted phrase or a run of other characters, either perhaps negated with "-".
_TERM = re.compile(r'(-?)(?:"([^"]*)"?|(\S+))')


def match_expression(query: str) -> str | None:
    """The query as an FTS5 expression, read as PostgreSQL's ``websearch_to_tsquery``
    reads it: words must all be there, a quoted phrase in order, ``or`` between two terms
    either, ``-term`` not. Only words reach FTS5, each quoted, so its own syntax (column
    filters, ``NEAR``, ``*``, ``^``) never does. Common words are dropped as PostgreSQL's
    English configuration drops them. None when nothing is left to look for."""
    groups: list[list[str]] = []  # AND of groups; each group an OR of phrases
    excluded: list[str] = []
    join_next = False
    for negated, phrase, bare in _TERM.findall(query):
        text = phrase if phrase else bare
        if not phrase and not negated and text.lower() == "or":
            join_next = bool(groups)
            continue
        words = [word.lower() for word in WORD.findall(text)]
        # A phrase keeps its common words: FTS5 matches a phrase's words side by side.
        kept = words if phrase else [word for word in words if word not in STOP_WORDS]
        if not kept:
            join_next = False
            continue
        quoted = '"' + " ".join(kept) + '"'
        if negated:
            excluded.append(quoted)
        elif join_next:
            groups[-1].append(quoted)
        else:
            groups.append([quoted])
        join_next = False
    if not groups:
        return None
    expression = " AND ".join(
        group[0] if len(group) == 1 else "(" + " OR ".join(group) + ")" for group in groups
    )
    for term in excluded:
        expression = f"({expression}) NOT {term}"
    return expression


def before_migrate(*, plan: list | None = None, using: str = "default", **kwargs: object) -> None:
    """``pre_migrate``: a migrate with something to apply runs without the triggers."""
    if plan:
        triggers_drop(connections[using])


def after_migrate(*, using: str = "default", **kwargs: object) -> None:
    """``post_migrate``: the triggers back, and the rows rewritten if they were away."""
    triggers_ensure(connections[using])
