"""The refcount workaround: charts can refresh all day without CPython aborting."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest


def test_singletons_get_a_billion_references() -> None:
    from desktop.ui.pyside_workarounds import immortalise_singletons

    immortalise_singletons()
    immortalise_singletons()  # idempotent
    if sys.version_info < (3, 12):
        assert sys.getrefcount(None) > 1_000_000_000
        assert sys.getrefcount(True) > 1_000_000_000 and sys.getrefcount(False) > 1_000_000_000


@pytest.mark.slow
def test_many_chart_refreshes_do_not_abort_the_process(tmp_path) -> None:  # type: ignore[no-untyped-def]
    # In a child process: without the workaround this aborts with "none_dealloc".
    script = textwrap.dedent(
        """
        import os
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
        from PySide6.QtWidgets import QApplication
        app = QApplication([])
        import sqlalchemy  # loaded in the app too; it makes the teardown crash likely
        from desktop.ui.supervisor_charts import Sparkline
        lines = [Sparkline() for _ in range(8)]
        for line in lines:
            line.show()
        for i in range(200):
            for line in lines:
                line.set_values([1.0, None, 2.0, float(i % 7)])
            app.processEvents()
        print("done")
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=str(__import__("pathlib").Path(__file__).resolve().parents[2]),
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert "done" in result.stdout
