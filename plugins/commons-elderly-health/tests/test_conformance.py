"""The kit's conformance suite (commons_core.conformance) for this plugin."""

from commons_elderly_health import plugin

from commons_core.conformance import PluginConformance


class TestConformance(PluginConformance):
    plugin = plugin
