"""The agent loop: each node alone, the routers as tables, the wiring as a golden file, and the
whole loop driven by a scripted fake language model (real dbt runs every check)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from langgraph.errors import GraphRecursionError

from datamigrate_cli import __version__
from datamigrate_cli.extract import extract_scripts
from datamigrate_cli.generate import generate, loop
from datamigrate_cli.generate.candidates import Author, Draft, candidates, convert_prompt
from datamigrate_cli.generate.graph import build_graph, compiled_graph, recursion_limit
from datamigrate_cli.generate.llm import LLMError, sql_from_reply
from datamigrate_cli.generate.stages import run_rules
from datamigrate_cli.generate.state import GenerateOptions
from datamigrate_cli.model.errors import DbtError
from datamigrate_cli.model.issues import CATALOGUE
from datamigrate_cli.model.results import Status
from datamigrate_cli.targets import get_target
from datamigrate_cli.validate import Level, validate_project

FIXTURES = Path(__file__).parent / "fixtures"
LEGACY = "models/marts/shop/shop__legacy.sql"
COUNTS = "models/marts/shop/shop__visit_counts.sql"
SPEND = "models/marts/shop/shop__customer_spend.sql"
GOOD_LEGACY = "```sql\nselect customer_id, name from {{ ref('stg_shop__customer') }}\n```"
BAD_LEGACY = "```sql\nselect customer_id, archived_name from {{ ref('stg_shop__customer') }}\n```"
GOOD_COUNTS = (
    "Here it is:\n```sql\nselect customer_id, count(*) as visits\nfrom {{ ref('stg_shop__visit') }}\n"
    "group by customer_id;\n```\n"
)


class ScriptedFakeLLM:
    """A fake language model: replays scripted replies per object, and records every prompt.

    A reply that is an LLMError is raised, as the real client raises it for a failed call.
    """

    name = "fake scripted-model"

    def __init__(self, script: dict[str, list[str | LLMError]]) -> None:
        self.script = {name: list(replies) for name, replies in script.items()}
        self.prompts: list[tuple[str, str]] = []

    def complete(self, system: str, prompt: str) -> str:
        self.prompts.append((system, prompt))
        first_line = prompt.splitlines()[0]
        name = next(name for name in self.script if name in first_line)
        reply = self.script[name].pop(0)
        if isinstance(reply, LLMError):
            raise reply
        return reply

    def asked(self, name: str) -> int:
        return sum(name in prompt.splitlines()[0] for _, prompt in self.prompts)


@pytest.fixture(scope="module")
def catalog():
    catalog, _ = extract_scripts([FIXTURES / "loop.sql"])
    return catalog


def _options(llm=None, check=False, max_repairs=2, output=None) -> GenerateOptions:
    return GenerateOptions(get_target("duckdb"), "loop", __version__, check, llm, max_repairs, output)


def _state(catalog, options) -> dict:
    """The state the loop starts from: what the rules made of the catalog."""
    return loop.initial_state(run_rules(catalog, options), options)


def _object(objects, name):
    return next(o for o in objects if o.name == name)


def _codes(obj) -> list[str]:
    return [issue.code for issue in obj.reasons]


# ------------------------------------------------------------------------- the wiring
def test_graph_topology_matches_the_golden_file() -> None:
    mermaid = compiled_graph().get_graph().draw_mermaid()
    assert mermaid == (FIXTURES / "graph.mmd").read_text(encoding="utf-8")


def test_the_recursion_limit_is_the_loops_longest_run(catalog, monkeypatch) -> None:
    """Models that never pass the check take the longest way through the loop: `recursion_limit`
    steps, not one fewer (so it is exact), whatever `max_repairs` is."""

    def check_that_always_fails(state):
        drafts = {path: replace(draft, error="boom") for path, draft in state["drafts"].items()}
        return {
            "drafts": drafts,
            "failures": dict.fromkeys(drafts, "boom"),
            "checks": state.get("checks", 0) + 1,
        }

    monkeypatch.setattr(loop, "check", check_that_always_fails)  # no dbt: the wiring is under test
    graph = build_graph().compile()
    for max_repairs in (0, 1, 3):
        fake = ScriptedFakeLLM(
            {"[shop].[Legacy]": [BAD_LEGACY] * 10, "[shop].[VisitCounts]": [GOOD_COUNTS] * 10}
        )
        state = _state(catalog, _options(llm=fake, max_repairs=max_repairs))
        final = graph.invoke(state, {"recursion_limit": recursion_limit(max_repairs)})
        assert fake.asked("[shop].[Legacy]") == 1 + max_repairs
        assert _codes(_object(final["objects"], "[shop].[Legacy]"))[0] == "DM603"
        with pytest.raises(GraphRecursionError):
            graph.invoke(state, {"recursion_limit": recursion_limit(max_repairs) - 1})


def test_dm6xx_codes_are_in_the_catalogue() -> None:
    assert {"DM601", "DM602", "DM603", "DM604"} <= CATALOGUE.keys()


# ------------------------------------------------------------------------- routers
FAILED = Draft(candidate=None, sql="select 1", author=Author.LLM, error="boom")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("check", "has_llm", "expected"),
    # with a language model, llm_convert comes first and the check always follows it (an edge)
    [
        (False, False, "write"),
        (True, False, "check"),
        (False, True, "llm_convert"),
        (True, True, "llm_convert"),
    ],
)
def test_first_step(check, has_llm, expected) -> None:
    options = _options(check=check, llm=ScriptedFakeLLM({}) if has_llm else None)
    assert loop.first_step({"options": options}) == expected


@pytest.mark.parametrize(
    ("has_llm", "failures", "draft", "max_repairs", "expected"),
    [
        # everything passed
        (True, {}, None, 2, "write"),
        (False, {}, None, 2, "write"),
        # a failing draft with repairs left goes to repair, only when there is a model to ask
        (True, {"m.sql": "boom"}, FAILED, 2, "repair"),
        (False, {"m.sql": "boom"}, FAILED, 2, "flag"),
        (True, {"m.sql": "boom"}, replace(FAILED, repairs=1), 2, "repair"),
        # out of repairs, or the model stopped answering: flag
        (True, {"m.sql": "boom"}, replace(FAILED, repairs=2), 2, "flag"),
        (True, {"m.sql": "boom"}, FAILED, 0, "flag"),
        (True, {"m.sql": "boom"}, replace(FAILED, llm_failure="HTTP 529"), 2, "flag"),
        # a failing model that is not a candidate (a staging model) cannot be repaired
        (True, {"stg.sql": "boom"}, None, 2, "flag"),
        (True, {loop.PROJECT_WIDE: "boom"}, None, 2, "flag"),
    ],
)
def test_after_check(has_llm, failures, draft, max_repairs, expected) -> None:
    options = _options(llm=ScriptedFakeLLM({}) if has_llm else None, max_repairs=max_repairs)
    drafts = {"m.sql": draft} if draft is not None else {}
    assert loop.after_check({"options": options, "failures": failures, "drafts": drafts}) == expected


@pytest.mark.parametrize(("checks", "expected"), [(1, "repair"), (2, "repair"), (3, "flag")])
def test_after_check_bounds_the_rounds(checks, expected) -> None:
    """A model failing for the first time in a late round (a view whose input was just repaired)
    still ends the loop after `max_repairs` rounds."""
    options = _options(llm=ScriptedFakeLLM({}), max_repairs=2)
    state = {"options": options, "failures": {"m.sql": "boom"}, "drafts": {"m.sql": FAILED}, "checks": checks}
    assert loop.after_check(state) == expected


# ------------------------------------------------------------------------- candidates and prompts
def test_candidates_are_views_and_table_functions_with_the_models_they_may_read(catalog) -> None:
    found = candidates(_state(catalog, _options())["rules"])
    assert sorted(found) == [SPEND, LEGACY, COUNTS]
    assert [found[p].converted for p in (SPEND, LEGACY, COUNTS)] == [True, False, False]
    assert found[COUNTS].kind == "table function" and found[COUNTS].model == "shop__visit_counts"
    assert [(i.code, i.message) for i in found[LEGACY].issues] == [
        (
            "DM210",
            "reads shop.CustomerArchive, which is neither a table nor a convertible view of the Catalog",
        )
    ]
    assert found[LEGACY].readable == ()  # it names only a table the Catalog lacks
    (visit,) = found[COUNTS].readable
    assert (visit.source, visit.model) == ("[shop].[Visit]", "stg_shop__visit")
    assert visit.columns == (
        ("CustomerID", "customer_id", "int"),
        ("VisitDate", "visit_date", "date"),
        ("Spend", "spend", "money"),
    )
    assert [r.model for r in found[SPEND].readable] == ["stg_shop__customer", "stg_shop__visit"]


def test_a_prompt_holds_sql_text_and_schema_metadata_never_data(catalog) -> None:
    """loop.sql inserts rows; no value of them may reach a prompt."""
    state = _state(catalog, _options())
    for path in (LEGACY, COUNTS):
        prompt = convert_prompt(candidates(state["rules"])[path], "duckdb")
        for value in ("Zebulon", "Quartermaine", "987654", "2024-02-29", "INSERT INTO shop."):
            assert value not in prompt
    assert "INSERT @counts SELECT CustomerID, COUNT(*) FROM shop.Visit GROUP BY CustomerID" in prompt
    assert "- stg_shop__visit (from [shop].[Visit]): CustomerID -> customer_id int, VisitDate" in prompt


@pytest.mark.parametrize(
    ("reply", "expected"),
    [
        ("```sql\nselect 1 as x;\n```", "select 1 as x"),
        (
            "Sure:\n```SQL\nwith a as (select 1) select * from a\n```\nDone.",
            "with a as (select 1) select * from a",
        ),
        (
            "```\n{{ config(materialized='table') }}\nselect 1\n```",
            "{{ config(materialized='table') }}\nselect 1",
        ),
        ("```sql\nselect 1\n```\n```sql\nselect 2\n```", "select 1"),
        ("```sql\n-- the archive, renamed\nselect 1\n```", "-- the archive, renamed\nselect 1"),
        ("```sql\n(select 1) union all (select 2)\n```", "(select 1) union all (select 2)"),
        (
            "```sql\nselect a from {{ source('s', 't') }} where b > {{ var('least', 1) }} and c < (select max(c) from {{ this }})\n```",
            "select a from {{ source('s', 't') }} where b > {{ var('least', 1) }} and c < (select max(c) from {{ this }})",
        ),
    ],
)
def test_sql_from_reply(reply, expected) -> None:
    assert sql_from_reply(reply) == expected


@pytest.mark.parametrize(
    ("reply", "why"),
    [
        ("select 1", "no ```sql block"),
        ("```sql\ndelete from customer\n```", "not a SELECT"),
        ("```sql\n\n```", "not a SELECT"),
        # the model runs in dbt, where Jinja could read the API key or run queries: only ref() & co. pass
        ("```sql\nselect '{{ env_var(\"ANTHROPIC_API_KEY\") }}' as k\n```", "Jinja other than"),
        ("```sql\nselect '{{ (env_var)(\"ANTHROPIC_API_KEY\") }}' as k\n```", "Jinja other than"),
        (
            "```sql\nwith a as (select 1) {% set e = env_var %} select '{{ e(\"K\") }}' as k\n```",
            "Jinja other than",
        ),
        ('```sql\nselect 1 as a {{ run_query("drop table x") }}\n```', "Jinja other than"),
        ("```sql\nselect 1 from {{ ref('x') ~ env_var('K') }}\n```", "Jinja other than"),
        ("```sql\n{{ config(materialized=env_var('K')) }}\nselect 1\n```", "Jinja other than"),
    ],
)
def test_sql_from_reply_rejects(reply, why) -> None:
    with pytest.raises(LLMError, match=why):
        sql_from_reply(reply)


# ------------------------------------------------------------------------- nodes one by one
def test_llm_convert_asks_only_for_what_the_rules_could_not_convert(catalog) -> None:
    fake = ScriptedFakeLLM({"[shop].[Legacy]": [GOOD_LEGACY], "[shop].[VisitCounts]": [LLMError("HTTP 529")]})
    update = loop.llm_convert(_state(catalog, _options(llm=fake)))
    drafts = update["drafts"]
    assert sorted(drafts) == [LEGACY, COUNTS]
    assert drafts[LEGACY].author == Author.LLM
    assert drafts[LEGACY].sql == "select customer_id, name from {{ ref('stg_shop__customer') }}"
    assert drafts[COUNTS].author == Author.RULES and drafts[COUNTS].llm_failure == "HTTP 529"
    assert fake.asked("[shop].[CustomerSpend]") == 0


def test_render_lays_the_drafts_over_the_rules_project(catalog) -> None:
    fake = ScriptedFakeLLM(
        {"[shop].[Legacy]": [GOOD_LEGACY], "[shop].[VisitCounts]": [LLMError("timed out")]}
    )
    state = _state(catalog, _options(llm=fake))
    update = loop.llm_convert(state)
    legacy = _object(update["objects"], "[shop].[Legacy]")
    assert legacy.status == Status.CONVERTED_WITH_WARNINGS and _codes(legacy) == ["DM601"]
    assert "written by a language model (fake scripted-model)" in update["files"][LEGACY].text
    assert "config(enabled=false)" not in update["files"][LEGACY].text and update["files"][LEGACY].enabled
    counts = _object(update["objects"], "[shop].[VisitCounts]")
    assert counts.status == Status.NEEDS_REVIEW and _codes(counts) == ["DM403", "DM602"]
    assert COUNTS not in update["files"]
    # applying again (after each repair) does not repeat a reason
    again = loop._apply({**state, **update}, update["drafts"])
    assert _object(again["objects"], "[shop].[VisitCounts]").reasons == counts.reasons


@pytest.mark.dbt
def test_check_runs_dbt_and_records_each_failing_model(catalog) -> None:
    fake = ScriptedFakeLLM({"[shop].[Legacy]": [BAD_LEGACY], "[shop].[VisitCounts]": [GOOD_COUNTS]})
    state = _state(catalog, _options(llm=fake, check=True))
    state |= loop.llm_convert(state)
    update = loop.check(state)
    assert list(update["failures"]) == [LEGACY]
    assert "archived_name" in update["failures"][LEGACY]
    assert update["drafts"][LEGACY].error == update["failures"][LEGACY]
    assert update["drafts"][COUNTS].error is None
    assert update["checks"] == 1


@pytest.mark.dbt
@pytest.mark.parametrize(
    ("sql", "error"),
    [
        ("select customer_id from {{ ref('stg_shop__customer' }}", "unexpected '}'"),
        (
            "select customer_id from {{ ref('stg_shop__archive') }}",
            "depends on a node named 'stg_shop__archive'",
        ),
        ("select customer_id from {{ no_such_macro() }}", "'no_such_macro' is undefined"),
        ("select customer_id frm {{ ref('stg_shop__customer') }}", "does not parse as duckdb"),
    ],
)
def test_check_blames_the_model_dbt_stops_at(catalog, sql, error) -> None:
    """Jinja errors, missing refs, undefined macros (which stop dbt's whole compile) and SQL
    syntax errors each come back as the failing model's error, not as a failed run. (A reply with
    such Jinja is refused before the check; the draft is set here as a model file could hold it.)"""
    fake = ScriptedFakeLLM({"[shop].[Legacy]": [GOOD_LEGACY], "[shop].[VisitCounts]": [GOOD_COUNTS]})
    state = _state(catalog, _options(llm=fake, check=True))
    state |= loop.llm_convert(state)
    drafts = {**state["drafts"], LEGACY: replace(state["drafts"][LEGACY], sql=sql)}
    state |= {"drafts": drafts, **loop._apply(state, drafts)}
    update = loop.check(state)
    assert list(update["failures"]) == [LEGACY]
    assert error in update["failures"][LEGACY] and "datamigrate-check-" not in update["failures"][LEGACY]


def test_repair_sends_the_error_and_counts_the_repair(catalog) -> None:
    fake = ScriptedFakeLLM({"[shop].[Legacy]": [GOOD_LEGACY]})
    state = _state(catalog, _options(llm=fake, check=True))
    draft = Draft(
        candidates(state["rules"])[LEGACY],
        "select archived_name from x",
        Author.LLM,
        error="no archived_name",
    )
    update = loop.repair(state | {"drafts": {LEGACY: draft}})
    repaired = update["drafts"][LEGACY]
    assert repaired.repairs == 1 and repaired.author == Author.LLM
    assert repaired.sql == "select customer_id, name from {{ ref('stg_shop__customer') }}"
    ((_, prompt),) = fake.prompts
    assert "no archived_name" in prompt and "select archived_name from x" in prompt
    assert "shop.CustomerArchive" in prompt  # the T-SQL goes along
    assert "-- Repaired 1 time(s) after failing the check." in update["files"][LEGACY].text


@pytest.mark.parametrize(
    ("draft_change", "asked"),
    [({"repairs": 2}, 0), ({"llm_failure": "HTTP 500"}, 0), ({"error": None}, 0), ({}, 1)],
)
def test_repair_leaves_alone_what_it_may_not_repair(catalog, draft_change, asked) -> None:
    fake = ScriptedFakeLLM({"[shop].[Legacy]": [GOOD_LEGACY]})
    state = _state(catalog, _options(llm=fake, check=True, max_repairs=2))
    draft = replace(
        Draft(candidates(state["rules"])[LEGACY], "select 1", Author.LLM, error="boom"), **draft_change
    )
    loop.repair(state | {"drafts": {LEGACY: draft}})
    assert len(fake.prompts) == asked


def test_repair_that_gets_no_answer_stops_asking(catalog) -> None:
    fake = ScriptedFakeLLM({"[shop].[Legacy]": [LLMError("rate limited")]})
    state = _state(catalog, _options(llm=fake, check=True))
    draft = Draft(candidates(state["rules"])[LEGACY], "select 1", Author.LLM, error="boom")
    update = loop.repair(state | {"drafts": {LEGACY: draft}})
    assert update["drafts"][LEGACY].llm_failure == "rate limited"
    assert loop.after_check({**state, **update, "failures": {LEGACY: "boom"}}) == "flag"


def test_flag_disables_a_failing_model_and_the_models_reading_it(catalog) -> None:
    state = _state(catalog, _options(check=True))
    found = candidates(state["rules"])
    reader = "select * from {{ ref('shop__legacy') }}"
    drafts = {
        LEGACY: Draft(found[LEGACY], "select nope", Author.LLM, repairs=2, error="column nope is missing"),
        COUNTS: Draft(found[COUNTS], reader, Author.LLM),
    }
    state |= {"drafts": drafts, **loop._apply(state, drafts)}
    staging = "models/staging/shop/stg_shop__visit.sql"
    update = loop.flag(state | {"failures": {LEGACY: "column nope is missing", staging: "type boom"}})
    legacy = _object(update["objects"], "[shop].[Legacy]")
    assert legacy.status == Status.NEEDS_REVIEW and _codes(legacy)[0] == "DM603"
    assert "failed the check (after 2 repair(s)): column nope is missing" in legacy.reasons[0].message
    assert update["files"][LEGACY].text.startswith("{{ config(enabled=false) }}")
    assert not update["files"][LEGACY].enabled
    counts = _object(update["objects"], "[shop].[VisitCounts]")
    assert _codes(counts)[0] == "DM604" and "reads shop__legacy" in counts.reasons[0].message
    assert update["files"][COUNTS].text.startswith("{{ config(enabled=false) }}")
    assert not update["files"][COUNTS].enabled
    # a staging model cannot be disabled without breaking the others: it stays, reported
    visit = _object(update["objects"], "[shop].[Visit]")
    assert visit.status == Status.NEEDS_REVIEW and _codes(visit) == ["DM603"]
    assert "config(enabled=false)" not in update["files"][staging].text and update["files"][staging].enabled


def test_write_writes_nothing_on_a_dry_run(catalog, tmp_path: Path) -> None:
    state = _state(catalog, _options())
    update = loop.write(state)
    assert update["write"] is None and "migration_report.md" in update["files"]
    assert list(tmp_path.iterdir()) == []
    update = loop.write(state | {"options": _options(output=tmp_path / "p")})
    assert (tmp_path / "p" / "migration_report.json").is_file()
    assert (tmp_path / "p" / ".datamigrate" / "schema.json").is_file()
    assert "migration_report.md" in update["write"].written


# ------------------------------------------------------------------------- the whole loop
@pytest.mark.dbt
def test_the_loop_converts_what_the_rules_could_not(catalog, tmp_path: Path) -> None:
    fake = ScriptedFakeLLM({"[shop].[Legacy]": [GOOD_LEGACY], "[shop].[VisitCounts]": [GOOD_COUNTS]})
    result = generate(catalog, tmp_path / "p", project_name="loop", llm=fake)
    assert fake.asked("[shop].[Legacy]") == 1 and fake.asked("[shop].[VisitCounts]") == 1
    for name in ("[shop].[Legacy]", "[shop].[VisitCounts]"):
        obj = _object(result.objects, name)
        assert obj.status == Status.CONVERTED_WITH_WARNINGS and _codes(obj) == ["DM601"]
    assert result.summary["needs review"] == 0
    report = (tmp_path / "p" / "migration_report.md").read_text()
    assert (
        "| [DM601](#dm601) | warning | written by a language model | written by fake scripted-model; review it |"
        in report
    )
    validation = validate_project(tmp_path / "p", Level.SEMANTIC)
    assert validation.ok and {n.name for n in validation.nodes} >= {"shop__legacy", "shop__visit_counts"}


@pytest.mark.dbt
def test_a_failing_model_is_repaired_on_the_second_try(catalog, tmp_path: Path) -> None:
    fake = ScriptedFakeLLM(
        {"[shop].[Legacy]": [BAD_LEGACY, GOOD_LEGACY], "[shop].[VisitCounts]": [GOOD_COUNTS]}
    )
    result = generate(catalog, tmp_path / "p", project_name="loop", llm=fake)
    assert fake.asked("[shop].[Legacy]") == 2
    legacy = _object(result.objects, "[shop].[Legacy]")
    assert legacy.status == Status.CONVERTED_WITH_WARNINGS
    assert "repaired 1 time(s) after failing the check" in legacy.reasons[0].message
    assert "archived_name" in fake.prompts[-1][1]  # the repair request carried the check's error
    assert validate_project(tmp_path / "p", Level.SEMANTIC).ok


@pytest.mark.dbt
def test_a_repair_that_keeps_failing_stops_after_max_repairs_and_is_flagged(catalog, tmp_path: Path) -> None:
    fake = ScriptedFakeLLM({"[shop].[Legacy]": [BAD_LEGACY] * 5, "[shop].[VisitCounts]": [GOOD_COUNTS]})
    result = generate(catalog, tmp_path / "p", project_name="loop", llm=fake, max_repairs=1)
    assert fake.asked("[shop].[Legacy]") == 2  # one conversion, one repair
    legacy = _object(result.objects, "[shop].[Legacy]")
    assert legacy.status == Status.NEEDS_REVIEW and _codes(legacy)[0] == "DM603"
    assert "after 1 repair(s)" in legacy.reasons[0].message and "archived_name" in legacy.reasons[0].message
    model = (tmp_path / "p" / LEGACY).read_text()
    assert model.startswith("{{ config(enabled=false) }}") and "DM603" in model
    validation = validate_project(tmp_path / "p", Level.SEMANTIC)
    assert validation.ok  # the disabled model keeps the project building
    assert any(n.name == "shop__legacy" and n.verdict.value == "disabled" for n in validation.nodes)


@pytest.mark.dbt
def test_check_without_llm_flags_nothing_on_a_clean_project_and_changes_no_byte(
    catalog, tmp_path: Path
) -> None:
    generate(catalog, tmp_path / "plain", project_name="loop")
    result = generate(catalog, tmp_path / "checked", project_name="loop", check=True)
    assert not [o for o in result.objects if "DM603" in _codes(o)]
    for path in (tmp_path / "plain").rglob("*"):
        if path.is_file():
            assert (
                path.read_bytes()
                == (tmp_path / "checked" / path.relative_to(tmp_path / "plain")).read_bytes()
            )


def test_generation_without_llm_is_byte_identical_run_to_run(catalog, tmp_path: Path) -> None:
    generate(catalog, tmp_path / "a", project_name="loop")
    generate(catalog, tmp_path / "b", project_name="loop")
    files = sorted(p.relative_to(tmp_path / "a") for p in (tmp_path / "a").rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(tmp_path / "b") for p in (tmp_path / "b").rglob("*") if p.is_file())
    for relative in files:
        assert (tmp_path / "a" / relative).read_bytes() == (tmp_path / "b" / relative).read_bytes()


@pytest.mark.dbt
def test_dry_run_with_the_loop_writes_nothing(catalog, tmp_path: Path) -> None:
    fake = ScriptedFakeLLM({"[shop].[Legacy]": [GOOD_LEGACY], "[shop].[VisitCounts]": [GOOD_COUNTS]})
    result = generate(catalog, tmp_path / "p", project_name="loop", llm=fake, dry_run=True)
    assert result.write is None and not (tmp_path / "p").exists()
    assert result.summary["converted with warnings"] == 2


def test_a_dbt_error_that_names_no_model_still_stops_the_run() -> None:
    error = DbtError("dbt could not run the project in x: Runtime Error Could not find profile named 'loop'")
    with pytest.raises(DbtError, match="profile"):
        loop._stopped_at_one_model(error, "x")


@pytest.mark.dbt
def test_a_procedure_the_rules_flagged_goes_to_the_language_model(tmp_path: Path) -> None:
    script = tmp_path / "walk.sql"
    script.write_text(
        "CREATE TABLE dbo.Visit (ID int NOT NULL PRIMARY KEY, Hits int NOT NULL)\nGO\n"
        "CREATE PROCEDURE dbo.usp_Walk AS\nDECLARE walk CURSOR FOR SELECT ID, Hits FROM dbo.Visit\nGO\n",
        encoding="utf-8",
    )
    catalog, _ = extract_scripts([script])
    found = candidates(_state(catalog, _options())["rules"])
    (path,) = [path for path, candidate in found.items() if candidate.kind == "procedure"]
    walk = found[path]
    assert walk.name == "[dbo].[usp_Walk]" and not walk.converted
    assert [(i.code, i.line) for i in walk.issues] == [("DM301", 4)]
    assert [model.model for model in walk.readable] == ["stg_dbo__visit"]

    fake = ScriptedFakeLLM(
        {"[dbo].[usp_Walk]": ["```sql\nselect id, hits from {{ ref('stg_dbo__visit') }}\n```"]}
    )
    result = generate(catalog, tmp_path / "p", project_name="loop", llm=fake)
    walked = _object(result.objects, "[dbo].[usp_Walk]")
    assert walked.status == Status.CONVERTED_WITH_WARNINGS and _codes(walked) == ["DM601"]
    written = (tmp_path / "p" / path).read_text(encoding="utf-8")
    assert "enabled=false" not in written and "ref('stg_dbo__visit')" in written


def test_flag_disables_procedure_models_that_fail_or_read_a_disabled_model(tmp_path: Path) -> None:
    script = tmp_path / "load.sql"
    script.write_text(
        "CREATE TABLE dbo.t (a int NOT NULL, b int NULL)\nGO\nCREATE TABLE dbo.r (a int NOT NULL)\nGO\n"
        "CREATE TABLE dbo.r2 (b int NULL)\nGO\nCREATE VIEW dbo.v1 AS SELECT a, b FROM dbo.t\nGO\n"
        "CREATE PROCEDURE dbo.load_r AS\nTRUNCATE TABLE dbo.r;\nINSERT INTO dbo.r (a) SELECT a FROM dbo.v1;\n"
        "TRUNCATE TABLE dbo.r2;\nINSERT INTO dbo.r2 (b) SELECT b FROM dbo.t;\nGO\n",
        encoding="utf-8",
    )
    catalog, _ = extract_scripts([script])
    state = _state(catalog, _options(check=True))
    view, load = _object(state["objects"], "[dbo].[v1]"), _object(state["objects"], "[dbo].[load_r]")
    r, r2 = load.paths
    assert "ref('v1')" in state["files"][r].text and load.status == Status.CONVERTED

    update = loop.flag(state | {"failures": {view.path: "boom", r2: "type clash"}})
    disabled = {path for path, file in update["files"].items() if "config(enabled=false)" in file.text}
    assert {view.path, r, r2} <= disabled
    assert not any(update["files"][path].enabled for path in (view.path, r, r2))
    loaded = _object(update["objects"], "[dbo].[load_r]")
    assert loaded.status == Status.NEEDS_REVIEW
    assert [(i.code, i.message) for i in loaded.reasons] == [
        ("DM603", "failed the check: type clash"),
        ("DM604", "reads v1, which failed the check and is disabled"),
    ]
    assert _codes(_object(update["objects"], "[dbo].[v1]")) == ["DM603"]
