{#- A dbt var as an SQL literal: procedure parameters became vars (none -> null, text quoted). -#}
{% macro datamigrate_literal(value) -%}
  {%- if value is none -%}
    null
  {%- elif value is number and value is not sameas true and value is not sameas false -%}
    {{ value }}
  {%- else -%}
    '{{ value | string | replace("'", "''") }}'
  {%- endif -%}
{%- endmacro %}
