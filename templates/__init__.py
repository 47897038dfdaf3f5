# Makes templates/ importable as reporttool.default_templates (the embedded default city), see pyproject.toml.
