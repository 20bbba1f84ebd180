-- Models land in the schema they name (staging, marts), not in <target schema>_<name>: the
-- same tables the rest of the project, and its Python assets, read.
{% macro generate_schema_name(custom_schema_name, node) -%}
    {{ custom_schema_name if custom_schema_name is not none else target.schema }}
{%- endmacro %}
