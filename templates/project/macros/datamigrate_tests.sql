{#- Generic tests for constraints dbt has no built-in test for. Shipped with the project:
    `dbt deps` needs the network, and a migrated project must work offline. -#}

{% test datamigrate_unique_combination(model, combination_of_columns) %}
select {{ combination_of_columns | join(', ') }}
from {{ model }}
where {% for column in combination_of_columns %}{{ column }} is not null{{ ' and ' if not loop.last }}{% endfor %}
group by {{ combination_of_columns | join(', ') }}
having count(*) > 1
{% endtest %}

{% test datamigrate_relationships(model, columns, to, fields) %}
select {% for column in columns %}child.{{ column }}{{ ', ' if not loop.last }}{% endfor %}
from {{ model }} as child
left join {{ to }} as parent
  on {% for column in columns %}child.{{ column }} = parent.{{ fields[loop.index0] }}{{ ' and ' if not loop.last }}{% endfor %}
where {% for column in columns %}child.{{ column }} is not null and {% endfor %}parent.{{ fields[0] }} is null
{% endtest %}
