"""Synthetic district registers: CSV and XLSX files of residents, one row per resident.

Households follow the demo's size distribution (2.83 residents per household
on average), families its age and relation structure, names come from Faker
``zh_CN``, ID numbers carry a real division code, the birth date and sex,
and a valid check digit (``commons_core.demo.generate`` draws all of these).
Rows are written as they are made, so a file of 10^6 residents needs little
memory. Usage::

    python benchmarks/generate.py 100000 residents-100k.csv [--xlsx] [--seed 7]
"""

from __future__ import annotations

import argparse
import csv
import random
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import attrs
from faker import Faker

from commons_core.demo.figures import WENHUALU
from commons_core.demo.generate import SIZE_WEIGHTS, _Draw, _employment, _family
from commons_core.io.layout import sheet
from commons_core.model import Ethnicity, HouseholdType, RegistrationStatus

__all__ = ["district_rows", "write_csv", "write_xlsx"]

AREA_CODES = ("110105", "110108", "320106", "330282", "420106", "650102")
SPEC = attrs.evolve(
    WENHUALU,
    ethnicities=(Ethnicity.HAN, Ethnicity.HUI, Ethnicity.MAN, Ethnicity.UYGUR, Ethnicity.KAZAK),
)


def district_rows(
    residents: int, *, seed: int = 7, today: date | None = None
) -> Iterator[list[str]]:
    """``residents`` rows in the residents sheet's column order (household by household)."""
    today = today or date(2026, 6, 1)
    rng = random.Random(seed)
    faker = Faker("zh_CN")
    faker.seed_instance(seed)
    draw = _Draw(rng, faker)
    streets = [str(faker.street_name()) for _ in range(40)]
    sizes, weights = list(SIZE_WEIGHTS), list(SIZE_WEIGHTS.values())
    made = 0
    household = 0
    while made < residents:
        household += 1
        size = min(rng.choices(sizes, weights=weights)[0], residents - made)
        minority = rng.random() < 0.08
        ethnicity = rng.choice(SPEC.ethnicities[1:]) if minority else Ethnicity.HAN
        floating = rng.random() < 0.15
        area = rng.choice(AREA_CODES)
        street = streets[household % len(streets)]
        address = (
            f"{street}{rng.randint(1, 60)}号楼{rng.randint(1, 6)}单元"
            f"{rng.randint(1, 18)}0{rng.randint(1, 4)}室"
        )
        group = str(1 + household % 40)
        kind = HouseholdType.FLOATING if floating else HouseholdType.REGISTERED
        for number, person in enumerate(_family(draw, size, ethnicity, SPEC, minority, floating)):
            born = draw.birth_date(today, person.age)
            phone = draw.mobile() if person.age >= 18 and rng.random() < 0.7 else ""
            status = RegistrationStatus.FLOATING if floating else RegistrationStatus.PERMANENT
            first = number == 0
            yield [
                f"H{household:07d}",
                person.relation.zh,
                draw.name(person.gender),
                person.gender.zh,
                person.ethnicity.zh if rng.random() < 0.9 else person.ethnicity.code,
                born.isoformat(),
                draw.id_number(area, born, person.gender),
                phone,
                address if first else "",
                group if first else "",
                status.zh,
                kind.zh if first else "",
                _employment(draw, person.age).zh,
                f"{faker.province()}{faker.city()}" if floating else "",
                max(born, today - timedelta(days=rng.randint(30, 9000))).isoformat(),
            ]
        made += size


def headers() -> list[str]:
    """The residents sheet's headers."""
    return [c.header for c in sheet("residents").columns]


def write_csv(path: Path, residents: int, *, seed: int = 7, encoding: str = "utf-8") -> Path:
    """A CSV register of ``residents`` rows."""
    with path.open("w", encoding=encoding, newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(headers())
        writer.writerows(district_rows(residents, seed=seed))
    return path


def write_xlsx(path: Path, residents: int, *, seed: int = 7) -> Path:
    """An XLSX register of ``residents`` rows (openpyxl's streaming writer)."""
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    data = book.create_sheet("居民 residents")
    data.append(headers())
    for row in district_rows(residents, seed=seed):
        data.append(row)
    book.save(path)
    return path


def main() -> None:
    """Command line: ``generate.py ROWS PATH [--xlsx] [--seed N]``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("rows", type=int)
    parser.add_argument("path", type=Path)
    parser.add_argument("--xlsx", action="store_true")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    writer = write_xlsx if args.xlsx else write_csv
    writer(args.path, args.rows, seed=args.seed)


if __name__ == "__main__":
    main()
