"""The generation graph: the rules first, then the optional agent loop, then one write.

    analyze -> plan -> convert -> [llm_convert] -> render -> [check -> (repair -> check)* -> [flag]] -> write

The brackets are conditional edges (`generate.loop`'s routers): llm_convert only with an LLM
client, check only with `check` (which `--llm` implies), repair at most `max_repairs` times per
model, flag for what still fails. The write node writes nothing on a dry run, so a dry run and a
real run plan the same files. `tests/fixtures/graph.mmd` holds the wiring as Mermaid text.
"""

from __future__ import annotations

from functools import cache

from langgraph.graph import END, START, StateGraph
from langgraph.graph.state import CompiledStateGraph

from ..model.catalog import Catalog
from . import loop, stages
from .state import GenerateOptions, GenerateState, ProjectPlan

RULES = (
    ("analyze", stages.analyze),
    ("plan", stages.plan),
    ("convert", stages.convert),
)
"""The deterministic stages, in a straight line."""


def build_graph() -> StateGraph:
    graph = StateGraph(GenerateState)
    previous = START
    for name, node in RULES:
        graph.add_node(name, node)
        graph.add_edge(previous, name)
        previous = name
    for name, node in (
        ("llm_convert", loop.llm_convert),
        ("render", loop.render),
        ("check", loop.check),
        ("repair", loop.repair),
        ("flag", loop.flag),
        ("write", loop.write),
    ):
        graph.add_node(name, node)
    graph.add_conditional_edges(previous, loop.after_convert, ["llm_convert", "render"])
    graph.add_edge("llm_convert", "render")
    graph.add_conditional_edges("render", loop.after_render, ["check", "write"])
    graph.add_conditional_edges("check", loop.after_check, ["repair", "flag", "write"])
    graph.add_edge("repair", "check")
    graph.add_edge("flag", "write")
    graph.add_edge("write", END)
    return graph


@cache
def compiled_graph() -> CompiledStateGraph:
    return build_graph().compile()


def run_pipeline(catalog: Catalog, options: GenerateOptions) -> ProjectPlan:
    """Plan the whole dbt project for a Catalog, and write it when `options.output` is set.

    Deterministic without an LLM: same input, same files. Raises OutputError (cannot write) and
    DbtError (the check could not run dbt).
    """
    steps = 10 + 2 * (options.max_repairs + 1)  # each repair round is two steps: repair, check
    final = compiled_graph().invoke({"catalog": catalog, "options": options}, {"recursion_limit": steps})
    return ProjectPlan(files=final["files"], objects=final["objects"], write=final.get("write"))
