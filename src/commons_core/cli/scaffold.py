"""``commons plugin new NAME``: start a plugin package."""

from __future__ import annotations

from pathlib import Path

import click


@click.group()
def plugin() -> None:
    """插件开发工具 / tools for plugin authors."""


@plugin.command()
@click.argument("name")
@click.option(
    "--directory",
    "-d",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path(),
    show_default=True,
    help="在此目录下创建 / create the package in this folder.",
)
@click.option("--title-zh", help="中文名称 / the plugin's name in Chinese (爱心超市).")
@click.option("--title-en", help="英文名称 / the plugin's name in English (love supermarket).")
def new(name: str, directory: Path, title_zh: str | None, title_en: str | None) -> None:
    """创建插件包 / scaffold a plugin package in ./commons-NAME/.

    The package has the shape of the bundled plugins (model, table, rules,
    report, command, demo data, Alembic branch, tests) and passes its own
    tests as soon as it is installed.
    """
    from commons_core.scaffold import create_plugin, plugin_names

    names = plugin_names(name, title_zh=title_zh, title_en=title_en)
    target = create_plugin(names, directory)
    click.echo(f"已创建 / created {target} (plugin {names.name}, package {names.package})")
    click.echo("下一步 / next:")
    click.echo(f"  cd {target}")
    click.echo('  pip install -e ".[test]"')
    click.echo("  pytest")
    click.echo("  commons db upgrade")
