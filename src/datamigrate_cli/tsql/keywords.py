"""The keyword table that decides where one T-SQL statement ends and the next begins.

T-SQL needs no semicolon between statements, so a reader finds the next statement by its first
word. One table says it for every reader (the script splitter, the procedure-body reader and the
complexity count of `assess`); tsql/statements.py applies it, and tests/cases/statements.yml holds
the cases, each decided by the statement syntax in Microsoft's T-SQL reference.

Each row is about a word, or about what a statement is so far (its *mode*: the word it began with,
or what a SWITCHES entry made of it):
- `starts`: at the top level (outside parentheses and CASE ... END) the word begins a statement;
- `absorbs`: start words a statement in this mode keeps as its own clauses (UPDATE t SET ...);
  once absorbed, the statement's mode is the absorbed word (so INSERT ... SELECT takes one SELECT),
  unless `keeps_absorbing` (MERGE's branches, GRANT's list of permissions);
- `continues_after`: the start word right after one of these words (or, written with a space, these
  two words) continues the statement (UNION SELECT, ON DELETE SET NULL);
- `needs_next` / `not_before`: the start word begins a statement only when the next word is one
  of these (ENABLE TRIGGER) / is none of these (ALTER COLUMN is a clause of ALTER TABLE).
WITH begins a statement only before a common table expression (statements.begins_cte).
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Keyword:
    reason: str
    starts: bool = True
    absorbs: frozenset[str] = field(default=frozenset())
    keeps_absorbing: bool = False
    continues_after: frozenset[str] = field(default=frozenset())
    needs_next: frozenset[str] | None = None
    not_before: frozenset[str] = field(default=frozenset())


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Words before a start word in DROP <kind> IF EXISTS name (and ALTER TABLE ... DROP COLUMN IF EXISTS).
_DROP_KINDS = _words(
    "TABLE VIEW PROC PROCEDURE FUNCTION TRIGGER INDEX SCHEMA TYPE SEQUENCE SYNONYM DEFAULT RULE "
    "DATABASE USER ROLE ASSEMBLY COLUMN CONSTRAINT STATISTICS"
)
# Permissions that are also statement words: GRANT SELECT, INSERT ON t; GRANT CREATE TABLE TO u.
_PERMISSIONS = _words("SELECT INSERT UPDATE DELETE EXEC EXECUTE ALTER CREATE BACKUP CHECKPOINT")
_DML = _words("SELECT INSERT UPDATE DELETE MERGE")
_TRIGGER_EVENT = _words("FOR AFTER OF")  # CREATE TRIGGER ... FOR | AFTER | INSTEAD OF INSERT, UPDATE

KEYWORDS: dict[str, Keyword] = {
    # ---- queries and data changes
    "SELECT": Keyword(
        "SELECT; after a set operator it is the next query of the same statement (UNION [ALL], "
        "EXCEPT, INTERSECT); after FOR it is a cursor's query (DECLARE c CURSOR FOR SELECT, and REVOKE "
        "GRANT OPTION FOR SELECT); after AS a view's or CREATE TABLE AS SELECT's query",
        continues_after=_words("UNION ALL EXCEPT INTERSECT FOR AS"),
    ),
    "INSERT": Keyword(
        "INSERT takes one source: a query (INSERT ... SELECT) or a procedure's result set (INSERT ... "
        "EXEC); BULK INSERT is one statement; a trigger's event (FOR/AFTER/INSTEAD OF INSERT) and "
        "MERGE's WHEN NOT MATCHED THEN INSERT are clauses",
        absorbs=_words("SELECT EXEC EXECUTE"),
        continues_after=_words("BULK THEN") | _TRIGGER_EVENT,
    ),
    "VALUES": Keyword(
        "INSERT ... VALUES (...) ends with its row list: a SELECT after it is the next statement",
        starts=False,
    ),
    "UPDATE": Keyword(
        "UPDATE has one SET clause; its FROM and WHERE take subqueries in parentheses only, so a "
        "SELECT at the top level after it is the next statement. ON UPDATE before a foreign key's "
        "action (FOREIGN_KEY_ACTIONS), "
        "FOR/AFTER/INSTEAD OF UPDATE (a trigger's event), a cursor's FOR UPDATE [OF] and MERGE's THEN "
        "UPDATE are clauses",
        absorbs=_words("SET"),
        continues_after=_words("ON THEN") | _TRIGGER_EVENT,
    ),
    "DELETE": Keyword(
        "DELETE takes no query at its top level (subqueries are in parentheses); ON DELETE before a "
        "foreign key's action (FOREIGN_KEY_ACTIONS), a "
        "trigger's event and MERGE's THEN DELETE are clauses",
        continues_after=_words("ON THEN") | _TRIGGER_EVENT,
    ),
    "MERGE": Keyword(
        "MERGE's WHEN branches hold UPDATE SET, INSERT ... VALUES and DELETE; MERGE must end with a "
        "semicolon, which is what ends it",
        absorbs=_words("INSERT UPDATE DELETE SET SELECT"),
        keeps_absorbing=True,
    ),
    "WITH": Keyword(
        "WITH begins a statement only as a common table expression (WITH name AS (...), WITH name "
        "(columns) AS (...), WITH XMLNAMESPACES): elsewhere it is a table hint, WITH CHECK, "
        "WITH ROLLUP or an option list. The CTE belongs to the one statement that follows it",
        absorbs=_DML,
    ),
    "TRUNCATE": Keyword("TRUNCATE TABLE"),
    "BULK": Keyword("BULK INSERT"),
    # ---- variables and cursors
    "DECLARE": Keyword("DECLARE @v ...; DECLARE c CURSOR ... FOR SELECT (see CURSOR FOR)"),
    "SET": Keyword(
        "SET @v = ..., SET option ON; ON DELETE SET NULL / ON UPDATE SET DEFAULT are a foreign key's actions",
        continues_after=frozenset({"ON DELETE", "ON UPDATE"}),
    ),
    "CURSOR": Keyword("a cursor declaration, before its FOR", starts=False),
    "CURSOR FOR": Keyword(
        "DECLARE c CURSOR ... FOR SELECT and SET @c = CURSOR FOR SELECT: the query is the cursor's",
        starts=False,
        absorbs=_words("SELECT"),
    ),
    "OPEN": Keyword("OPEN cursor, OPEN SYMMETRIC KEY"),
    "FETCH": Keyword(
        "FETCH NEXT FROM cursor; OFFSET n ROWS FETCH NEXT m ROWS ONLY is a clause of a query",
        continues_after=_words("ROWS ROW"),
    ),
    "CLOSE": Keyword("CLOSE cursor, CLOSE SYMMETRIC KEY"),
    "DEALLOCATE": Keyword("DEALLOCATE cursor"),
    # ---- control of flow (blocks.py reads the blocks these make inside a body)
    "IF": Keyword(
        "IF condition statement; DROP <kind> IF EXISTS name is one DROP (the splitter also checks "
        "that EXISTS and a name follow: never a parenthesis, as in IF EXISTS (SELECT ...))",
        continues_after=_DROP_KINDS,
    ),
    "WHILE": Keyword("WHILE condition statement"),
    "BEGIN": Keyword("BEGIN ... END, BEGIN TRY, BEGIN TRANSACTION, BEGIN DIALOG"),
    "END": Keyword("END of a BEGIN block (the END of CASE ... END never reaches the table)"),
    "ELSE": Keyword("ELSE of an IF (CASE's ELSE never reaches the table)"),
    "RETURN": Keyword("RETURN [value]"),
    "BREAK": Keyword("BREAK"),
    "CONTINUE": Keyword("CONTINUE"),
    "GOTO": Keyword("GOTO label"),
    "WAITFOR": Keyword("WAITFOR DELAY | TIME"),
    "THROW": Keyword("THROW [number, message, state]"),
    "RAISERROR": Keyword("RAISERROR (...) [WITH ...]"),
    "PRINT": Keyword("PRINT expression"),
    # ---- transactions
    "COMMIT": Keyword("COMMIT [TRAN]"),
    "ROLLBACK": Keyword(
        "ROLLBACK [TRAN]; ALTER DATABASE ... WITH ROLLBACK IMMEDIATE is a clause",
        continues_after=_words("WITH"),
    ),
    "SAVE": Keyword("SAVE TRAN name"),
    # ---- procedures and sessions
    "EXEC": Keyword("EXEC procedure, EXEC (string)"),
    "EXECUTE": Keyword("EXECUTE procedure, EXECUTE AS"),
    "USE": Keyword("USE database"),
    # ---- objects
    "CREATE": Keyword("CREATE <object>; a module (MODULE_KINDS) runs to the end of its batch"),
    "ALTER": Keyword(
        "ALTER <object>; CREATE OR ALTER is one statement, ALTER TABLE ... ALTER COLUMN a clause. "
        "ALTER TABLE ... SET (...), DROP, ENABLE/DISABLE TRIGGER and ALTER DATABASE ... SET are its "
        "clauses",
        absorbs=_words("SET DROP DISABLE ENABLE"),
        continues_after=_words("OR"),
        not_before=_words("COLUMN"),
    ),
    "DROP": Keyword("DROP <object> [IF EXISTS]"),
    "DISABLE": Keyword(
        "DISABLE TRIGGER (DISABLE is not a reserved word: only before TRIGGER is it a statement)",
        needs_next=_words("TRIGGER"),
    ),
    "ENABLE": Keyword(
        "ENABLE TRIGGER (ENABLE is not a reserved word: only before TRIGGER is it a statement)",
        needs_next=_words("TRIGGER"),
    ),
    # ---- permissions
    "GRANT": Keyword(
        "GRANT permission [, ...] ON ... TO ...: the permissions are statement words, up to ON or TO; "
        "WITH GRANT OPTION is a clause",
        absorbs=_PERMISSIONS,
        keeps_absorbing=True,
        continues_after=_words("WITH"),
    ),
    "DENY": Keyword(
        "DENY permission [, ...] ON ... TO ...",
        absorbs=_PERMISSIONS,
        keeps_absorbing=True,
    ),
    "REVOKE": Keyword(
        "REVOKE [GRANT OPTION FOR] permission [, ...] ON ... FROM ...",
        absorbs=_PERMISSIONS | _words("GRANT"),
        keeps_absorbing=True,
    ),
    "PERMISSION TARGET": Keyword(
        "GRANT/DENY/REVOKE after ON, TO or FROM: the list of permissions is over", starts=False
    ),
    # ---- server maintenance
    "CHECKPOINT": Keyword("CHECKPOINT"),
    "DBCC": Keyword("DBCC command"),
    "BACKUP": Keyword("BACKUP DATABASE | LOG"),
    "RESTORE": Keyword("RESTORE DATABASE | LOG"),
    "RECONFIGURE": Keyword("RECONFIGURE [WITH OVERRIDE]"),
}

SWITCHES: dict[tuple[str, str], str] = {
    ("DECLARE", "CURSOR"): "CURSOR",  # DECLARE c [options] CURSOR [options] FOR SELECT ...
    ("SET", "CURSOR"): "CURSOR",  # SET @c = CURSOR [options] FOR SELECT ...
    ("CURSOR", "FOR"): "CURSOR FOR",
    ("INSERT", "VALUES"): "VALUES",  # INSERT ... [DEFAULT] VALUES: no query follows
    **{(verb, word): "PERMISSION TARGET" for verb in ("GRANT", "DENY", "REVOKE") for word in ("ON", "TO")},
    ("REVOKE", "FROM"): "PERMISSION TARGET",
}
"""(what a statement is so far, a word reached at its top level) -> what it is from there on."""

FOREIGN_KEY_ACTIONS = frozenset({"CASCADE", "NO", "SET"})
"""ON DELETE / ON UPDATE continue a statement only before a foreign key's action (CASCADE, NO ACTION,
SET NULL, SET DEFAULT): `SET NOCOUNT ON` then `UPDATE t ...` on the next line are two statements."""

MODULE_KINDS = frozenset({"VIEW", "PROC", "PROCEDURE", "FUNCTION", "TRIGGER"})
"""CREATE / ALTER / CREATE OR ALTER of these takes the rest of its batch: SQL Server reads every
statement after it in the batch as part of the module's body."""

NAME_MARKS = frozenset({".", ","})
"""A word right after these is a name part (t.enable) or a list item (FOR INSERT, UPDATE), never
the first word of a statement."""

STARTS = frozenset(word for word, keyword in KEYWORDS.items() if keyword.starts)
"""Every word that can begin a statement."""
ABSORBS = {word: keyword.absorbs for word, keyword in KEYWORDS.items() if keyword.absorbs}
KEEPS_ABSORBING = frozenset(word for word, keyword in KEYWORDS.items() if keyword.keeps_absorbing)
CONTINUES_AFTER = {word: kw.continues_after for word, kw in KEYWORDS.items() if kw.continues_after}
NEEDS_NEXT = {word: kw.needs_next for word, kw in KEYWORDS.items() if kw.needs_next is not None}
NOT_BEFORE = {word: kw.not_before for word, kw in KEYWORDS.items() if kw.not_before}
