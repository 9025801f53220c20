"""Stored procedures -> dbt models, by rules: the set-based ETL shapes a procedure is made of.

A procedure body is split into statements (tsql/blocks.py, with the splitter extract uses:
sqlglot's tokenizer swallows the rest of a line after END, FETCH or EXEC), each statement is parsed by sqlglot, and the sequence is
matched against a table of shapes:

  TRUNCATE/DELETE t + INSERT INTO t SELECT      -> a table model for t
  INSERT INTO t SELECT ... (reading t to filter) -> an incremental model, the filter under
                                                    is_incremental() with t as {{ this }}
  MERGE t USING (...) ON key / UPDATE + INSERT   -> an incremental model with unique_key
  SELECT ... INTO #t / INSERT INTO #t            -> an ephemeral model per temp table
  a bare SELECT                                  -> a view named for the procedure

Procedural code is flagged with a DM3xx code and its absolute source line; a procedure with
an error-severity issue gets its models written disabled.

The modules, in the order a procedure goes through them:

  shapes.py       recognise: each statement through its handler, then the models it yields
  control.py      the handlers of IF, WHILE, DECLARE, SET, EXEC, ...; variables followed as expressions
  loads.py        the handlers of TRUNCATE, DELETE, UPDATE, SELECT, INSERT, MERGE
  incremental.py  filters that read the loaded table, anti-joins, upserts
  recognition.py  what recognising collects (BodyState, LoadTarget, Load) and helpers on its tables
  plan.py         the dataclasses: ProcedurePlan, ProcedureModel, ModelName, ConvertedModel, ...
  model_names.py  name_models: a unique model name per model
  conversion.py   order_plans, convert_procedure (to the target dialect, with Jinja), with_defaults
"""

from .conversion import convert_procedure, order_plans, with_defaults
from .model_names import name_models
from .plan import (
    ConvertedModel,
    Materialization,
    ModelName,
    ProcedureConversion,
    ProcedureModel,
    ProcedurePlan,
    ProcedureVar,
)
from .shapes import recognise

__all__ = [
    "ConvertedModel",
    "Materialization",
    "ModelName",
    "ProcedureConversion",
    "ProcedureModel",
    "ProcedurePlan",
    "ProcedureVar",
    "convert_procedure",
    "name_models",
    "order_plans",
    "recognise",
    "with_defaults",
]
