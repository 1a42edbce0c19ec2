{#-
    Custom-field passthrough (docs/architecture.md, "Custom fields"). Unknown extra columns land in raw as
    VARCHAR; var salesmart_<entity>_passthrough_columns (entity: opportunity, account, lead) lists the ones
    to carry through staging into the entity's intermediate/mart model:
        [{name: deal_region, alias: region_custom (optional), transform_sql: "upper(deal_region)" (optional)}]
    A configured column that no landed file carried is null (the raw table lacks it), so builds still pass.
    var salesmart_kpi_extra_dimensions ([{entity: opportunity, column: <alias>}]) makes such a column a
    dimension of the pipeline metrics.
-#}

{% macro passthrough_columns(entity) -%}
    {#- unit tests give their own rows: custom fields of the deployment do not apply -#}
    {%- set entries = [] if salesmart_in_unit_test() else var('salesmart_' ~ entity ~ '_passthrough_columns', []) or [] -%}
    {%- set columns = [] -%}
    {%- for entry in entries -%}
        {%- set entry = {'name': entry} if entry is string else entry -%}
        {%- if entry is not mapping or not entry.get('name') -%}
            {{ exceptions.raise_compiler_error("var salesmart_" ~ entity ~ "_passthrough_columns: entry "
                ~ loop.index ~ " (" ~ entry ~ ") needs a 'name'") }}
        {%- endif -%}
        {%- do columns.append({
            'name': entry['name'] | lower,
            'alias': (entry.get('alias') or entry['name']) | lower,
            'transform_sql': entry.get('transform_sql'),
        }) -%}
    {%- endfor -%}
    {{ return(columns) }}
{%- endmacro %}


{#- Staging select items (each followed by a comma) for the entity's passthrough columns of `relation`. -#}
{% macro passthrough_select(entity, relation) -%}
    {%- set configured = passthrough_columns(entity) -%}
    {%- set present = [] -%}
    {%- if execute and configured | length > 0 -%}
        {%- for column in adapter.get_columns_in_relation(relation) -%}
            {%- do present.append(column.name | lower) -%}
        {%- endfor -%}
    {%- endif -%}
    {%- for column in configured %}
        {%- if column['name'] not in present %}
        cast(null as {{ dbt.type_string() }}) as {{ column['alias'] }},
        {%- elif column['transform_sql'] %}
        {{ column['transform_sql'] }} as {{ column['alias'] }},
        {%- else %}
        cast({{ column['name'] }} as {{ dbt.type_string() }}) as {{ column['alias'] }},
        {%- endif %}
    {%- endfor %}
{%- endmacro %}


{#- The aliases of the entity's passthrough columns, each prefixed and followed by a comma. -#}
{% macro passthrough_names(entity, prefix='') -%}
    {%- for column in passthrough_columns(entity) %}
        {{ prefix }}{{ column['alias'] }},
    {%- endfor %}
{%- endmacro %}


{#- Aliases of passthrough columns the var salesmart_kpi_extra_dimensions makes KPI dimensions of `entity`. -#}
{% macro kpi_extra_dimensions(entity='opportunity') -%}
    {%- set dims = [] -%}
    {%- set entries = [] if salesmart_in_unit_test() else var('salesmart_kpi_extra_dimensions', []) or [] -%}
    {%- for entry in entries -%}
        {%- if entry is not mapping or not entry.get('entity') or not entry.get('column') -%}
            {{ exceptions.raise_compiler_error("var salesmart_kpi_extra_dimensions: entry " ~ loop.index
                ~ " (" ~ entry ~ ") needs 'entity' and 'column'") }}
        {%- endif -%}
        {%- if entry['entity'] != 'opportunity' -%}
            {{ exceptions.raise_compiler_error("var salesmart_kpi_extra_dimensions: entry " ~ loop.index
                ~ ": entity '" ~ entry['entity'] ~ "' is not supported (only opportunity, for the pipeline metrics)") }}
        {%- endif -%}
        {%- set aliases = passthrough_columns('opportunity') | map(attribute='alias') | list -%}
        {%- if entry['column'] | lower not in aliases -%}
            {{ exceptions.raise_compiler_error("var salesmart_kpi_extra_dimensions: entry " ~ loop.index
                ~ ": column '" ~ entry['column'] ~ "' is not an alias of var salesmart_opportunity_passthrough_columns "
                ~ aliases | string) }}
        {%- endif -%}
        {%- if entry['entity'] == entity -%}
            {%- do dims.append(entry['column'] | lower) -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return(dims) }}
{%- endmacro %}


{#- Extra dimensions a metric reports on (registry fields of metrics_extra.yml): the custom fields of the
    entity named by its `custom_dims` (the pipeline metrics kpi_pipeline rolls up by opportunity), and
    source_relation (the CRM connection) when its `source_relation` is true and that dimension is on. -#}
{% macro kpi_extra_dimensions_for(metric_id) -%}
    {%- set entry = metric_catalog()[metric_id] -%}
    {%- set dims = [] -%}
    {%- if entry['custom_dims'] -%}
        {%- set dims = dims + kpi_extra_dimensions(entry['custom_dims']) -%}
    {%- endif -%}
    {%- if entry['source_relation'] -%}
        {%- set dims = dims + kpi_source_relation_dimension() -%}
    {%- endif -%}
    {{ return(dims) }}
{%- endmacro %}


{#- Select items (each followed by a comma) for the extra KPI dimensions of the opportunity entity. -#}
{% macro kpi_extra_dimension_columns(prefix='') -%}
    {%- for dim in kpi_extra_dimensions('opportunity') %}
        {{ prefix }}{{ dim }},
    {%- endfor %}
{%- endmacro %}
