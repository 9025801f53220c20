"""The Jinja2 templates of every generated file, packaged into the wheel under `templates/`."""

from __future__ import annotations

from functools import cache
from importlib import resources
from importlib.abc import Traversable
from pathlib import Path
from typing import TYPE_CHECKING

import jinja2

from .escape import Sql, one_line

if TYPE_CHECKING:
    from collections.abc import Callable

    from ..model.catalog import SourceRef


def templates_root() -> Traversable:
    """The templates folder of the installed package (of the checkout, for an editable install)."""
    packaged = resources.files("datamigrate_cli") / "templates"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parents[3] / "templates"


class _Loader(jinja2.BaseLoader):
    def get_source(
        self, environment: jinja2.Environment, template: str
    ) -> tuple[str, str, Callable[[], bool]]:
        path = templates_root()
        for part in template.split("/"):
            path = path / part
        if not path.is_file():
            raise jinja2.TemplateNotFound(template)
        return path.read_text(encoding="utf-8"), template, lambda: True


@cache
def environment() -> jinja2.Environment:
    """The templates' environment. Every value a template writes goes through `_finalize`: source text
    comes out as `escape.one_line` (so dbt's Jinja sees no delimiter in it, and a comment ends where the
    template ends it); only `escape.Sql`, text datamigrate made, is written as it is."""
    environment = jinja2.Environment(
        loader=_Loader(),
        keep_trailing_newline=True,
        undefined=jinja2.StrictUndefined,
        autoescape=False,
        finalize=_finalize,
    )
    environment.globals.update(
        JINJA_OPEN=Sql("{{"), JINJA_CLOSE=Sql("}}"), BLOCK_OPEN=Sql("{%"), BLOCK_CLOSE=Sql("%}")
    )
    return environment


def _finalize(value: object) -> str:
    if isinstance(value, Sql):
        return value
    return one_line(str(value))


def render(name: str, **context: object) -> str:
    """The text of template `name` with `context`."""
    return _template(name).render(context)  # the dict as it is: Jinja copies it once, not twice


@cache
def _template(name: str) -> jinja2.Template:
    """A template, loaded once: the files do not change while datamigrate runs (a staging model of each
    table renders two, so the environment's own lookup showed in the profile)."""
    return environment().get_template(name)


def static(name: str) -> str:
    """A template file copied as it is (a file dbt itself renders, like macros)."""
    path = templates_root()
    for part in name.split("/"):
        path = path / part
    return path.read_text(encoding="utf-8")


def where(source: SourceRef | None) -> str:
    """Where an object came from, as a model's header says it: file:line, or the source database."""
    return str(source) if source is not None else "the source database"
