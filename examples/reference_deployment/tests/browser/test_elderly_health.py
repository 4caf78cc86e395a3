"""Browser test of the elderly health pages: coverage, and a blood pressure refused then saved."""

from __future__ import annotations

from typing import Any

from .conftest import Demo, log_in, shot


def test_health_worker_sees_coverage_and_records_a_blood_pressure(browser: Any, demo: Demo) -> None:
    page = log_in(browser, demo, "health-worker")
    page.click("nav.main >> text=健康档案")
    assert page.locator("[data-key=coverage_percent] dd").inner_text() == "95.0%"
    assert page.locator("table.condolence tbody tr").count() > 20
    shot(page, "elderly-health-coverage")

    page.click("nav.main >> text=记录血压")
    resident = page.locator("#f-resident_id option").nth(1)
    page.select_option("#f-resident_id", resident.get_attribute("value"))
    page.fill("#f-systolic", "80")
    page.fill("#f-diastolic", "95")
    page.click("form.blood-pressure button[type=submit]")
    error = page.locator("#e-systolic ul.errors")
    error.wait_for()
    assert "收缩压 80 mmHg 应高于舒张压 95 mmHg" in error.inner_text()
    assert "systolic 80 mmHg must be above diastolic 95 mmHg" in error.inner_text()
    assert page.locator(".field.invalid #f-systolic").count() == 1
    shot(page, "elderly-health-bp-refused")

    page.fill("#f-systolic", "138")
    page.click("form.blood-pressure button[type=submit]")
    saved = page.locator("p.saved")
    saved.wait_for()
    assert "138/95 mmHg" in saved.inner_text()
    assert page.locator("ul.errors").count() == 0
    shot(page, "elderly-health-bp-saved")
    page.context.close()
