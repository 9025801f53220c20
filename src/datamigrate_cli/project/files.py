"""What each generated file is, and the one renderer that turns it into its text.

Generation decides the project as typed values, one per file: `ModelFile` for a model (staging or
mart), `PropertiesFile` for dbt's YAML, `ConfigFile` for `dbt_project.yml` and `profiles.yml`,
`TextFile` for what is written as it is (macros, the migration report). Nothing edits a file's
text: a model is switched off with `dataclasses.replace(model, enabled=False, reasons=...)`, and
whoever needs to know reads `model.enabled`.

`render` writes any of them with the templates under `templates/project/`; each file's `text` is
that rendering, made once (a second process may render files for this one: the text travels with
them). `is_disabled_model` is the one place that knows how the text of a disabled model looks, for
those who read a project on disk (`validate`), which a person may have edited.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from functools import cached_property
from pathlib import PurePosixPath
from typing import TYPE_CHECKING, NamedTuple

from . import templates, yaml_text
from .escape import Sql, inert_document, jinja_string, one_line

if TYPE_CHECKING:
    from ..model.catalog import SourceRef
    from ..model.issues import Issue


class FileKind(StrEnum):
    PROJECT_CONFIG = "project config"
    """dbt_project.yml."""
    PROFILES = "profiles"
    """profiles.yml."""
    MACRO = "macro"
    SOURCES = "sources YAML"
    PROPERTIES = "properties YAML"
    """The tests and docs of a folder's models."""
    STAGING_MODEL = "staging model"
    MART_MODEL = "mart model"
    REPORT = "report"


class _Rendered:
    """Gives a file dataclass its `text`, rendered on first use and kept (a frozen dataclass's fields
    cannot change, so the text cannot go stale; `replace` makes a new file with no text yet)."""

    @cached_property
    def text(self) -> str:
        """The file's text, as `render` writes it."""
        return render(self)  # type: ignore[arg-type]


# ------------------------------------------------------------------------- files that are not models
@dataclass(frozen=True)
class ConfigFile(_Rendered):
    """`dbt_project.yml` or `profiles.yml`, from the project's settings."""

    path: str
    kind: FileKind
    project_name: str
    version: str
    """datamigrate's version, named in the header."""
    origin: str
    """Where the schema came from, as the header says it ("T-SQL scripts of database X")."""
    default_output: str = ""
    """The profile's default output (the target's name); profiles.yml only."""


@dataclass(frozen=True)
class PropertiesFile(_Rendered):
    """A dbt property file: a folder's sources, or its models' tests and docs. Made by `properties_file`."""

    path: str
    kind: FileKind
    origin: str
    yaml: str
    """The YAML document (`version: 2` and its `sources:` or `models:`), written when the file is made:
    a document is many small objects, its text one string, and the staging folders' files come back
    from a second process."""


def properties_file(path: str, kind: FileKind, origin: str, document: dict) -> PropertiesFile:
    """The property file of `document`, a dict in the order it is written. dbt renders every string of
    a property file (names, descriptions, test arguments): each one is written Jinja-inert."""
    return PropertiesFile(path, kind, origin, yaml_text.dump(inert_document(document)))


@dataclass(frozen=True)
class TextFile(_Rendered):
    """A file written as it is: a macro, the migration report."""

    path: str
    kind: FileKind
    content: str


# ------------------------------------------------------------------------- models
@dataclass(frozen=True)
class Origin:
    """The SQL Server object a model comes from, as its header names it."""

    kind: str
    """As the migration report names it: table, view, inline table function, procedure..."""
    name: str
    """[schema].[name]."""
    source: SourceRef | None
    """The script file and line of its statement; None for a live server."""


class StagingColumn(NamedTuple):
    """A staging model's select item (a tuple: the template reads its fields faster than a dict's keys)."""

    expression: str
    name: str


def staging_sql(source_name: str, source_table: str, columns: tuple[StagingColumn, ...]) -> str:
    """A staging model's SQL: the source table's columns renamed and cast."""
    return templates.render(
        "project/staging_select.sql.j2",
        source_name=Sql(jinja_string(source_name)),
        source_table=Sql(jinja_string(source_table)),
        columns=columns,
    )


@dataclass(frozen=True)
class StagingHeader:
    """A staging model's header: a source table, renamed and cast to the target's types."""

    target: str
    """The target's name."""


@dataclass(frozen=True)
class ConvertedHeader:
    """The header of a model the rules converted from a view (or an inline table function read as one)."""


class DbtVar(NamedTuple):
    """A dbt var a procedure's model reads: one of the procedure's parameters."""

    name: str
    default: str
    """As a Jinja expression: none, a quoted string or a number."""


@dataclass(frozen=True)
class ProcedureHeader:
    """The header of one model of a procedure: what it loads, from which statements, its config and vars."""

    what: str
    """'table X, as procedure Y loads it', 'temp table #t of procedure Y', 'the rows procedure Y returns'."""
    lines: tuple[int, ...]
    """The lines of the statements it comes from."""
    config: str
    """The model's `config(...)` call."""
    variables: tuple[DbtVar, ...]


@dataclass(frozen=True)
class LanguageModelHeader:
    """The header of a model a language model wrote (and perhaps repaired) for an object the rules
    could not convert."""

    author: str
    """Who wrote it: 'anthropic claude-...'."""
    repairs: int


@dataclass(frozen=True)
class NotConvertedHeader:
    """The header of a model that stands in for an object nothing could convert, so that the project
    still builds: it has no SQL, and is always disabled, with its `original` T-SQL."""


ModelHeader = StagingHeader | ConvertedHeader | ProcedureHeader | LanguageModelHeader | NotConvertedHeader


@dataclass(frozen=True)
class ModelFile(_Rendered):
    """One dbt model: a header above its SQL. The header names the model's origin, its warnings and,
    when it is disabled, why; the rest of it (`header`) depends on how the SQL was made."""

    path: str
    kind: FileKind
    origin: Origin
    header: ModelHeader
    sql: str
    """The model's SELECT in the target's dialect, with its Jinja; empty when there is none."""
    warnings: tuple[Issue, ...] = ()
    """Shown in the header of an enabled model, one `-- warning:` line each."""
    enabled: bool = True
    reasons: tuple[Issue, ...] = ()
    """Why the model is disabled; empty while it is enabled."""
    original: str | None = None
    """The T-SQL the model replaces. A disabled model that has one shows it, commented out, instead of
    its SQL; one without it (a procedure's model, one of several from one body) keeps its SQL under a
    note that says why it is disabled."""

    @property
    def name(self) -> str:
        """The model's name: its file's name without `.sql`."""
        return PurePosixPath(self.path).stem

    def reads(self, model: str) -> bool:
        """Whether the model's SQL ref()s `model`."""
        return re.search(rf"ref\(\s*['\"]{re.escape(model)}['\"]\s*\)", self.sql) is not None


def not_converted(path: str, origin: Origin, reasons: tuple[Issue, ...], original: str) -> ModelFile:
    """The disabled model of an object that could not be converted, with why and its T-SQL."""
    return ModelFile(path, FileKind.MART_MODEL, origin, NotConvertedHeader(), "", enabled=False,
                     reasons=reasons, original=original)  # fmt: skip


ProjectFile = ConfigFile | PropertiesFile | TextFile | ModelFile


# ------------------------------------------------------------------------- the renderer
DISABLED_CONFIG = "{{ config(enabled=false) }}"
"""The first line of every disabled model this renderer writes."""

_CONFIG_TEMPLATES = {
    FileKind.PROJECT_CONFIG: "project/dbt_project.yml.j2",
    FileKind.PROFILES: "project/profiles.yml.j2",
}


def render(file: ProjectFile) -> str:
    """The text of `file`: the bytes written to disk (UTF-8). Use `file.text`, which renders once."""
    if isinstance(file, ModelFile):
        return _model(file)
    if isinstance(file, PropertiesFile):
        return templates.render("project/properties.yml.j2", origin=file.origin, body=Sql(file.yaml.rstrip()))
    if isinstance(file, ConfigFile):
        return templates.render(
            _CONFIG_TEMPLATES[file.kind],
            project_name=file.project_name,
            version=file.version,
            origin=file.origin,
            default_output=file.default_output,
        )
    return file.content


def _model(model: ModelFile) -> str:
    if not model.enabled and model.original is not None:
        return templates.render(
            "project/disabled_model.sql.j2",
            disabled_config=Sql(DISABLED_CONFIG),
            kind=model.origin.kind,
            object=model.origin.name,
            source_ref=templates.where(model.origin.source),
            reasons=model.reasons,
            # inside a comment and a raw block that nothing in the T-SQL can close: no `*/`, and no `{%`
            # (whatever its spacing, an endraw tag starts with it)
            original=Sql(model.original.replace("*/", "* /").replace("{%", "{ %")),
        )
    if isinstance(model.header, NotConvertedHeader):
        raise ValueError(f"{model.path}: a model with no SQL must be disabled, with its original T-SQL")
    text = _enabled_model(model, model.header)
    if model.enabled:
        return text
    notes = "".join(f"-- datamigrate: disabled, {one_line(str(reason))}\n" for reason in model.reasons)
    return f"{DISABLED_CONFIG}\n{notes}{text}"


def _enabled_model(
    model: ModelFile, header: StagingHeader | ConvertedHeader | ProcedureHeader | LanguageModelHeader
) -> str:
    origin, source_ref = model.origin, templates.where(model.origin.source)
    if isinstance(header, StagingHeader):
        return templates.render(
            "project/staging_model.sql.j2",
            table=origin.name,
            source_ref=source_ref,
            target=header.target,
            warnings=model.warnings,
            sql=Sql(model.sql),
        )
    if isinstance(header, ConvertedHeader):
        return templates.render(
            "project/view_model.sql.j2",
            kind=origin.kind,
            view=origin.name,
            source_ref=source_ref,
            warnings=model.warnings,
            sql=Sql(model.sql),
        )
    if isinstance(header, ProcedureHeader):
        return templates.render(
            "project/procedure_model.sql.j2",
            source_ref=source_ref,
            what=header.what,
            lines=", ".join(str(line) for line in header.lines),
            warnings=model.warnings,
            variables=header.variables,
            config=Sql(header.config),  # made of snake_case names and literals only
            sql=Sql(model.sql),
        )
    return templates.render(
        "project/llm_model.sql.j2",
        kind=origin.kind,
        object=origin.name,
        author=header.author,
        source_ref=source_ref,
        repairs=header.repairs,
        sql=Sql(model.sql),  # a language model's SQL carries no Jinja but refs and vars (generate/llm.py)
    )


def texts(files: Mapping[str, ProjectFile]) -> dict[str, str]:
    """Project-relative path -> text, as `project.writer.write_project` takes them."""
    return {path: file.text for path, file in files.items()}


# ------------------------------------------------------------------------- reading a project on disk
_HEAD = 200
"""How far into a model's text its config line is looked for."""


def is_disabled_model(text: str) -> bool:
    """Whether a model's text switches the model off: `enabled=false` (spaces anywhere) near its top,
    as `render` writes it (`DISABLED_CONFIG`, the first line) or a person did in their own config()."""
    return "enabled=false" in text[:_HEAD].replace(" ", "")
