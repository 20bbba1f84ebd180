"""The logic of the copier-dagster template: derived context, quoting filters, validators.

Copier loads it through ``extensions/template.py``; the tests import it directly.
"""
