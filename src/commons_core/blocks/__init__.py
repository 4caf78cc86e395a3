"""The shared building blocks: parts many working systems are made of, built once.

Each block is a package here declaring a :class:`~commons_core.plugin.Plugin`
manifest (its entities, tables, migrations branch, rules, reports, command
line and demo data) and registered with the core's built-in plugins
(:data:`commons_core.builtin.BUILTIN_PLUGINS`), so it loads like any plugin
and a plugin composes it (``requires=``, its services and hooks) instead of
writing its own. Their pages live in the reference deployment
(``commons_reference.blocks``): the core knows no web app.
"""
