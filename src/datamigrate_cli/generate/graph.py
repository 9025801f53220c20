"""Generation: the rules, as plain calls, then the agent loop, a LangGraph graph, which writes.

    run_rules (analyze -> plan -> convert -> render)
      -> [llm_convert] -> [check -> (repair -> check)* -> [flag]] -> write

The brackets are the loop's conditional edges (`generate.loop`'s routers): llm_convert only with an
LLM client, check only with `check` (which `--llm` implies), repair at most `max_repairs` times per
model, flag for what still fails. The write node writes nothing on a dry run, so a dry run and a
real run plan the same files. `tests/fixtures/graph.mmd` holds the loop's wiring as Mermaid text.
"""

from __future__ import annotations

from functools import cache

from langgraph.graph import END, START, StateGraph
from langgraph.graph.state import CompiledStateGraph

from ..model.catalog import Catalog
from . import loop
from .stages import run_rules
from .state import GenerateOptions, LoopState, ProjectPlan


def build_graph() -> StateGraph:
    """The agent loop's graph, not compiled."""
    graph = StateGraph(LoopState)
    for name, node in (
        ("llm_convert", loop.llm_convert),
        ("check", loop.check),
        ("repair", loop.repair),
        ("flag", loop.flag),
        ("write", loop.write),
    ):
        graph.add_node(name, node)
    graph.add_conditional_edges(START, loop.first_step, ["llm_convert", "check", "write"])
    graph.add_edge("llm_convert", "check")
    graph.add_conditional_edges("check", loop.after_check, ["repair", "flag", "write"])
    graph.add_edge("repair", "check")
    graph.add_edge("flag", "write")
    graph.add_edge("write", END)
    return graph


@cache
def compiled_graph() -> CompiledStateGraph:
    return build_graph().compile()


def recursion_limit(max_repairs: int) -> int:
    """The most steps the loop can take, as LangGraph's recursion limit: its start (LangGraph counts
    the step that routes from START), llm_convert, the first check, a repair and a check per round
    (`loop.after_check` ends the rounds after `max_repairs`), flag and write. The loop never needs
    more; reaching the limit would mean that the routers lost their bound."""
    return 5 + 2 * max_repairs


def run_pipeline(catalog: Catalog, options: GenerateOptions) -> ProjectPlan:
    """Plan the whole dbt project for a Catalog, and write it when `options.output` is set.

    Deterministic without an LLM: same input, same files. Raises OutputError (cannot write) and
    DbtError (the check could not run dbt).
    """
    rules = run_rules(catalog, options)
    final = compiled_graph().invoke(
        loop.initial_state(rules, options), {"recursion_limit": recursion_limit(options.max_repairs)}
    )
    return ProjectPlan(files=final["files"], objects=final["objects"], write=final.get("write"))
