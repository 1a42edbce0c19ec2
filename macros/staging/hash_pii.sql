{#
    PII hashing for staging: sha256 (hex) of SALESMART_PII_SALT || lower(trim(value)), so the same
    person hashes alike across systems and the marts never see clear text. Null or blank stays null
    (a blank is not an identity; hashing it would join unrelated people).
    The salt comes from the environment at compile time, so it is part of the compiled view SQL in the
    build database (not the published one, which holds marts only).
#}
{% macro hash_pii(column) %}
    {{- return(adapter.dispatch('hash_pii', 'salesmart')(column)) -}}
{% endmacro %}

{% macro _pii_salt_literal() %}
    {#- Standard SQL string literal: double any single quote. -#}
    {{- return("'" ~ env_var('SALESMART_PII_SALT', '') | replace("'", "''") ~ "'") -}}
{% endmacro %}

{% macro default__hash_pii(column) -%}
    case
            when nullif(trim({{ column }}), '') is not null
                then sha256({{ salesmart._pii_salt_literal() }} || lower(trim({{ column }})))
        end
{%- endmacro %}

{% macro postgres__hash_pii(column) -%}
    case
            when nullif(trim({{ column }}), '') is not null
                then encode(sha256(convert_to({{ salesmart._pii_salt_literal() }} || lower(trim({{ column }})), 'UTF8')), 'hex')
        end
{%- endmacro %}

{% macro spark__hash_pii(column) -%}
    {#- Spark string literals escape with backslashes, not doubled quotes. -#}
    {%- set salt = env_var('SALESMART_PII_SALT', '') | replace('\\', '\\\\') | replace("'", "\\'") -%}
    case
            when nullif(trim({{ column }}), '') is not null
                then sha2(concat('{{ salt }}', lower(trim({{ column }}))), 256)
        end
{%- endmacro %}
