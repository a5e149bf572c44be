"""The main window builds only the view on screen at start; the others when first shown, or
one by one once the first view has loaded its data."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from types import SimpleNamespace
from typing import Any, ClassVar

import pytest
from PySide6.QtCore import QSettings, QTimer

from desktop.app import build_views
from desktop.core.identity import unknown_actor
from desktop.live.tasks import TaskRunner
from desktop.ui.main_window import MainWindow
from desktop.ui.view_base import DataView, ViewSpec


class _FakeView(DataView):
    """Counts its constructions; "loads" one turn of the event loop after being attached."""

    built: ClassVar[list[str]] = []

    def __init__(self) -> None:
        super().__init__()
        _FakeView.built.append(self.view_id)
        self.attached = 0

    def attach(self, ctx: Any) -> None:
        self.ctx = ctx
        self.attached += 1
        QTimer.singleShot(0, self, lambda: self._on_snapshot(object()))

    def snapshot_function(self) -> Callable[[], Any]:
        return lambda: None

    def show_snapshot(self, snapshot: Any) -> None:
        pass


class AView(_FakeView):
    view_id, title, icon_name = "a", "A", "queues"


class BView(_FakeView):
    view_id, title, icon_name = "b", "B", "tickets"


class CView(_FakeView):
    view_id, title, icon_name = "c", "C", "workload"


SPECS = [
    ViewSpec(cls.view_id, cls.title, cls.icon_name, f"{__name__}:{cls.__name__}")
    for cls in (AView, BView, CView)
]


@pytest.fixture(autouse=True)
def _fresh() -> Iterator[None]:
    _FakeView.built.clear()
    QSettings("Proximity", "Proximity").remove("window/view")
    yield
    QSettings("Proximity", "Proximity").remove("window/view")
    while _RUNNERS:
        _RUNNERS.pop().wait(10_000)


def _window(qtbot) -> MainWindow:  # type: ignore[no-untyped-def]
    window = MainWindow(SPECS)
    qtbot.addWidget(window)
    window.IDLE_BUILD_DELAY_MS = window.IDLE_BUILD_GAP_MS = 0
    return window


_RUNNERS: list[TaskRunner] = []


def _ctx() -> Any:
    """What the window uses of a context: the actor, and the runner that imports a view's
    module off the GUI thread before idle building constructs it."""
    runner = TaskRunner(max_threads=1)
    _RUNNERS.append(runner)
    return SimpleNamespace(actor=unknown_actor("tester"), runner=runner)


def test_specs_name_the_real_views() -> None:
    specs = build_views()
    assert [s.view_id for s in specs] == [
        "queues",
        "tickets",
        "workload",
        "notifications",
        "supervisor",
    ]
    for spec in specs:
        cls = spec.view_class()
        assert (cls.view_id, cls.title, cls.icon_name) == (
            spec.view_id,
            spec.title,
            spec.icon_name,
        )


def test_only_the_view_on_screen_is_built(qtbot) -> None:  # type: ignore[no-untyped-def]
    window = _window(qtbot)
    assert _FakeView.built == ["a"]
    assert [type(v) for v in window.views] == [AView]
    assert window.view_ids == ["a", "b", "c"]
    # Navigation and the View menu list every view, built or not.
    assert [window.navigation.item(i).text() for i in range(3)] == ["A", "B", "C"]
    view_menu = window.menuBar().actions()[1].menu()
    assert [a.text() for a in view_menu.actions()[:3]] == ["A", "B", "C"]
    assert [a.shortcut().toString() for a in view_menu.actions()[:3]] == [
        "Ctrl+1",
        "Ctrl+2",
        "Ctrl+3",
    ]
    assert window.header.text() == "A"


def test_last_view_is_restored_without_building_the_first(qtbot) -> None:  # type: ignore[no-untyped-def]
    QSettings("Proximity", "Proximity").setValue("window/view", "c")
    window = _window(qtbot)
    assert _FakeView.built == ["c"]
    assert isinstance(window.current_view(), CView)
    assert window.windowTitle() == "C — Proximity"


def test_visiting_a_view_builds_it_and_loads_it(qtbot) -> None:  # type: ignore[no-untyped-def]
    window = _window(qtbot)
    window.show()
    window.attach(_ctx(), "test.db")
    with qtbot.waitSignal(window.view_built, timeout=5_000) as built:
        window.show_view(1)  # before the first view loaded: no idle building yet
    assert built.args == ["b"]
    view = window.current_view()
    assert isinstance(view, BView)
    assert view.attached == 1  # on screen: attached at once
    qtbot.waitUntil(lambda: view.is_loaded, timeout=5_000)
    assert window.header.text() == "B"


def test_the_rest_is_built_once_the_first_view_loaded(qtbot) -> None:  # type: ignore[no-untyped-def]
    window = _window(qtbot)
    window.show()
    with qtbot.waitSignal(window.all_loaded, timeout=10_000):
        window.attach(_ctx(), "test.db")
    assert sorted(_FakeView.built) == ["a", "b", "c"]
    assert [v.view_id for v in window.views] == ["a", "b", "c"]
    assert all(v.is_loaded and v.attached == 1 for v in window.views)
    for index, view in enumerate(window.views):
        window.show_view(index)
        assert window.current_view() is view


def test_all_loaded_waits_for_views_not_built_yet(qtbot) -> None:  # type: ignore[no-untyped-def]
    window = _window(qtbot)
    window.IDLE_BUILD_DELAY_MS = 60_000  # no idle building within this test
    window.show()
    seen: list[bool] = []
    window.all_loaded.connect(lambda: seen.append(True))
    window.attach(_ctx(), "test.db")
    qtbot.waitUntil(lambda: window.current_view().is_loaded, timeout=5_000)
    qtbot.wait(50)
    assert not seen and _FakeView.built == ["a"]
    with qtbot.waitSignal(window.all_loaded, timeout=5_000):
        window.show_view(1)
        window.show_view(2)
    assert sorted(_FakeView.built) == ["a", "b", "c"]


def test_closing_stops_idle_building(qtbot) -> None:  # type: ignore[no-untyped-def]
    window = _window(qtbot)
    window.IDLE_BUILD_DELAY_MS = 50
    window.show()
    window.attach(_ctx(), "test.db")
    qtbot.waitUntil(lambda: window.current_view().is_loaded, timeout=5_000)
    window.close()
    qtbot.wait(200)
    assert _FakeView.built == ["a"]
    assert QSettings("Proximity", "Proximity").value("window/view") == "a"


def test_ready_made_views_are_still_accepted(qtbot) -> None:  # type: ignore[no-untyped-def]
    a, b = AView(), BView()
    window = MainWindow([a, b])
    qtbot.addWidget(window)
    assert window.views == [a, b]
    assert window.view_ids == ["a", "b"]
    window.show_view(1)
    assert window.current_view() is b


def test_idle_building_imports_the_modules_on_the_gui_thread(qtbot, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """Qt-using modules are never imported on a worker while the GUI thread uses Qt: PySide6
    crashed now and then when they were (desktop.ui.pyside_workarounds)."""
    import importlib
    import threading

    from desktop.ui import view_base

    threads: list[str] = []
    real = importlib.import_module

    def recording(name: str):  # type: ignore[no-untyped-def]
        threads.append(threading.current_thread().name)
        return real(name)

    monkeypatch.setattr(view_base.importlib, "import_module", recording)
    window = _window(qtbot)
    window.show()
    with qtbot.waitSignal(window.all_loaded, timeout=10_000):
        window.attach(_ctx(), "test.db")
    # a: built for the screen at once; b and c: built one by one once a has painted.
    assert threads == [threading.main_thread().name] * 3
    assert [v.view_id for v in window.views] == ["a", "b", "c"]


class _PaintedView(DataView):
    """Shows each snapshot in a label that records its paints."""

    view_id, title, icon_name = "p", "P", "queues"

    def __init__(self, log: list[str]) -> None:
        from PySide6.QtWidgets import QLabel, QVBoxLayout

        super().__init__()
        self.log = log
        outer = self

        class Label(QLabel):
            def paintEvent(self, event):  # type: ignore[no-untyped-def]
                outer.log.append(f"paint {self.text()}")
                super().paintEvent(event)

        self.label = Label("empty")
        QVBoxLayout(self).addWidget(self.label)

    def snapshot_function(self) -> Callable[[], Any]:
        return lambda: None

    def show_snapshot(self, snapshot: Any) -> None:
        self.label.setText(str(snapshot))


def test_painted_follows_the_repaint_of_the_first_snapshot(qtbot) -> None:  # type: ignore[no-untyped-def]
    """``loaded`` comes as the first snapshot is shown, ``painted`` once it is on screen:
    what waits for the first paint (other views, services, charts) must not delay it."""
    log: list[str] = []
    view = _PaintedView(log)
    qtbot.addWidget(view)
    view.show()
    qtbot.waitUntil(lambda: "paint empty" in log)
    view.loaded.connect(lambda: log.append("loaded"))
    view.painted.connect(lambda: log.append("painted"))
    view.when_painted(lambda: log.append("waited"))
    assert not view.is_painted
    with qtbot.waitSignal(view.painted, timeout=5_000):
        view._on_snapshot("figures")
    assert log[log.index("loaded") :] == ["loaded", "paint figures", "waited", "painted"]
    view.when_painted(lambda: log.append("at once"))  # painted already: runs now
    assert log[-1] == "at once"
    view._on_snapshot("later")  # later snapshots: no second loaded or painted
    qtbot.waitUntil(lambda: "paint later" in log)
    assert log.count("painted") == 1 and log.count("loaded") == 1
