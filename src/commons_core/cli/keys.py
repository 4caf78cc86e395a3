"""``commons keys``: the deployment's key file (audit chain, checkpoints, row scope)."""

from __future__ import annotations

from pathlib import Path

import click

from commons_core.keys import KEY_FILE_ENV, KeyRing, default_key_path

_file_option = click.option(
    "--file",
    "path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help=f"密钥文件 / the key file (default: env {KEY_FILE_ENV}, else"
    " ~/.config/commons/keys.json).",
)


@click.group()
def keys() -> None:
    """部署密钥 / the deployment's secret keys, kept outside the database."""


@keys.command()
@_file_option
def init(path: Path | None) -> None:
    """创建密钥文件 / create the key file (refused if one exists)."""
    where = path or default_key_path()
    if where.exists():
        raise click.ClickException(f"密钥文件已存在 / a key file exists already: {where}")
    ring = KeyRing.generate(where)
    ring.save()
    click.echo(f"已创建 / created {where} (key {ring.current}, {ring.fingerprint(ring.current)})")


@keys.command()
@_file_option
def show(path: Path | None) -> None:
    """列出密钥(只显示编号与指纹)/ list the keys: ids and fingerprints, never the keys."""
    ring = KeyRing.load(path, create=False)
    click.echo(f"{ring.path}")
    for key_id in sorted(ring.masters):
        mark = "*" if key_id == ring.current else " "
        click.echo(f" {mark} {key_id}  {ring.fingerprint(key_id)}")


@keys.command()
@_file_option
def rotate(path: Path | None) -> None:
    """轮换密钥 / add a new current key; old keys stay to verify what they signed.

    Then, in this order: `commons db upgrade` as the tables' owner (the database
    learns the new row-scope key), restart every process of the deployment (they
    read the file when they start), and `commons audit checkpoint`.
    """
    ring = KeyRing.load(path, create=False)
    rotated = ring.rotated()
    rotated.save()
    kept = ", ".join(sorted(ring.masters))
    click.echo(
        f"新的当前密钥 / new current key {rotated.current}"
        f" ({rotated.fingerprint(rotated.current)}); 旧密钥保留 / kept: {kept}"
    )
    click.echo(
        "下一步 / next: commons db upgrade (as the owner); restart the deployment;"
        " commons audit checkpoint"
    )
