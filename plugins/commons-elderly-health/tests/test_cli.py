"""``commons health …`` as users run it: through main(), errors one clear bilingual line each."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest

from commons_core.testing import CliRun

from .conftest import World

COMMUNITY = "测试社区7"
Run = Callable[..., CliRun]
pytestmark = pytest.mark.usefixtures("world")


def test_open_a_file_record_readings_and_show_them(commons_main: Run) -> None:
    code, out, err = commons_main(
        "health", "file", "open", "--community", COMMUNITY, "--resident", "李爷爷",
        "--condition", "高血压", "--condition", "diabetes",
        "--contact-name", "李明", "--contact-relation", "子女", "--contact-phone", "13912345678",
    )  # fmt: skip
    assert code == 0, err
    assert "已建档 / file opened." in out and "李明" in out
    code, out, err = commons_main(
        "health", "record-bp", "--community", COMMUNITY, "--resident", "李爷爷",
        "--systolic", "152", "--diastolic", "91",
    )  # fmt: skip
    assert code == 0, err
    assert "已记录 / recorded." in out and "152" not in out
    code, out, err = commons_main(
        "health", "measure", "--community", COMMUNITY, "--resident", "李爷爷",
        "--glucose", "7.2", "--weight", "63.5",
    )  # fmt: skip
    assert code == 0, err
    code, out, _ = commons_main(
        "health", "file", "show", "--community", COMMUNITY, "--resident", "李爷爷"
    )
    assert code == 0 and "152" not in out and "***" in out
    code, out, _ = commons_main(
        "health", "file", "show", "--community", COMMUNITY, "--resident", "李爷爷", "--reveal"
    )
    assert code == 0 and "152" in out and "高血压" in out
    code, out, _ = commons_main(
        "health", "file", "show", "--community", COMMUNITY, "--resident", "李爷爷",
        "--reveal", "--json",
    )  # fmt: skip
    shown = json.loads(out)
    assert {m["systolic"] for m in shown["measurements"]} == {152, None}
    assert {m["glucose"] for m in shown["measurements"]} == {"7.2", None}
    assert sorted(shown["file"]["conditions"]) == ["diabetes", "hypertension"]


def test_systolic_not_above_diastolic_is_one_bilingual_line(commons_main: Run) -> None:
    commons_main("health", "file", "open", "--community", COMMUNITY, "--resident", "张奶奶")
    code, _, err = commons_main(
        "health", "record-bp", "--community", COMMUNITY, "--resident", "张奶奶",
        "--systolic", "80", "--diastolic", "90",
    )  # fmt: skip
    assert code != 0
    assert "收缩压 80 mmHg 应高于舒张压 90 mmHg" in err
    assert "systolic 80 mmHg must be above diastolic 90 mmHg" in err
    assert "Traceback" not in err
    code, _, err = commons_main(
        "health", "record-bp", "--community", COMMUNITY, "--resident", "张奶奶",
        "--systolic", "400", "--diastolic", "90",
    )  # fmt: skip
    assert code != 0 and "60–260 mmHg" in err and "Traceback" not in err


def test_check_up_and_the_coverage_report(commons_main: Run, world: World) -> None:
    commons_main("health", "file", "open", "--community", COMMUNITY, "--resident", "李爷爷")
    units = {u.id: u.name for u in world.context.data["small"].partner_units}
    code, out, err = commons_main(
        "health", "check-up", "--community", COMMUNITY, "--resident", "李爷爷",
        "--clinic", units[world.school_id],
    )  # fmt: skip
    assert code != 0 and "不是医疗机构" in err and "is not a clinic" in err
    code, out, err = commons_main(
        "health", "check-up", "--community", COMMUNITY, "--resident", "李爷爷",
        "--clinic", units[world.clinic_id], "--findings", "未见明显异常",
    )  # fmt: skip
    assert code == 0, err
    code, out, err = commons_main(
        "report", "elderly-health-coverage", "--community", COMMUNITY, "--format", "json"
    )
    assert code == 0, err
    data = json.loads(out)
    assert data["files_opened"] == 1 and data["check_ups_overdue"] == 0


def test_unknown_condition_names_the_choices(commons_main: Run) -> None:
    code, _, err = commons_main(
        "health", "file", "open", "--community", COMMUNITY, "--resident", "李爷爷",
        "--condition", "感冒",
    )  # fmt: skip
    assert code != 0 and "高血压" in err and "hypertension" in err
