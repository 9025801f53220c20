"""The generation graph: analyze -> plan -> convert -> render.

Writing is not a node: the graph decides what the project holds, and `dbt.project.write_project`
does it, so a dry run and a diff come from the same plan.
"""

from __future__ import annotations

from functools import cache

from langgraph.graph import END, START, StateGraph
from langgraph.graph.state import CompiledStateGraph

from ..catalog import Catalog
from . import nodes
from .state import GenerateOptions, GenerateState, ProjectPlan

NODES = (
    ("analyze", nodes.analyze),
    ("plan", nodes.plan),
    ("convert", nodes.convert),
    ("render", nodes.render),
)


def build_graph() -> StateGraph:
    graph = StateGraph(GenerateState)
    previous = START
    for name, node in NODES:
        graph.add_node(name, node)
        graph.add_edge(previous, name)
        previous = name
    graph.add_edge(previous, END)
    return graph


@cache
def compiled_graph() -> CompiledStateGraph:
    return build_graph().compile()


def run_pipeline(catalog: Catalog, options: GenerateOptions) -> ProjectPlan:
    """Plan the whole dbt project for a Catalog. Deterministic: same input, same files."""
    final = compiled_graph().invoke({"catalog": catalog, "options": options})
    return ProjectPlan(files=final["files"], objects=final["objects"])
