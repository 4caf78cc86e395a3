"""Core test configuration: fixtures come from commons_core.testing (the pytest11 plugin)."""
