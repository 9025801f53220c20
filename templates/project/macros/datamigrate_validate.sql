{#- Hooks for `datamigrate validate`. Both do nothing unless validate sets their var. -#}

{#- Compiling without a warehouse connection: is_incremental() would query the warehouse. -#}
{% macro is_incremental() %}
  {%- if var('datamigrate_offline', false) -%}
    {{ return(false) }}
  {%- endif -%}
  {{ return(dbt.is_incremental()) }}
{% endmacro %}

{#- A build on a shared server runs in one throwaway schema: source tables are created there,
    named <schema>__<table> (or t_<md5> of that, where it could pass PostgreSQL's 63 bytes: the same
    rule as validate/names.py's validation_table), and dropped afterwards. -#}
{% macro source(source_name, table_name) %}
  {%- set relation = builtins.source(source_name, table_name) -%}
  {%- set schema = var('datamigrate_validate_schema', none) -%}
  {%- if schema is none -%}
    {{ return(relation) }}
  {%- endif -%}
  {%- set name = relation.schema ~ "__" ~ relation.identifier -%}
  {%- if name | length > 60 or not name.isascii() -%}
    {%- set name = "t_" ~ local_md5(name) -%}
  {%- endif -%}
  {{ return(relation.incorporate(path={"schema": schema, "identifier": name})) }}
{% endmacro %}
