"""Small dialogs of the ticket actions: write a note or reply, pick an assignee."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from db.queries.tickets import AgentInfo
from desktop.ui.theme import icon

MAX_TEXT = 10_000


class TextDialog(QDialog):
    """A note or a reply: a text box, OK only when there is text."""

    def __init__(
        self, title: str, prompt: str, ok_text: str, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.resize(460, 260)
        layout = QVBoxLayout(self)
        info = QLabel(prompt)
        info.setWordWrap(True)
        layout.addWidget(info)
        self.editor = QPlainTextEdit()
        self.editor.setPlaceholderText("Type here…")
        layout.addWidget(self.editor, 1)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.ok = buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok.setText(ok_text)
        self.ok.setProperty("primary", True)
        self.ok.setEnabled(False)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.editor.textChanged.connect(
            lambda: self.ok.setEnabled(0 < len(self.text()) <= MAX_TEXT)
        )

    def text(self) -> str:
        return self.editor.toPlainText().strip()


class AssignDialog(QDialog):
    """Pick an agent by typing part of a name; teams are shown beside names."""

    def __init__(
        self,
        agents: Sequence[AgentInfo],
        teams: dict[int, str],
        count: int,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Assign")
        self.resize(380, 460)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(f"Assign {count} ticket{'s' if count != 1 else ''} to:"))
        self.search = QLineEdit()
        self.search.setObjectName("search")
        self.search.setPlaceholderText("Type a name or team")
        self.search.setClearButtonEnabled(True)
        self.search.addAction(icon("search"), QLineEdit.ActionPosition.LeadingPosition)
        layout.addWidget(self.search)
        self.list = QListWidget()
        for agent in sorted(agents, key=lambda a: a.full_name.casefold()):
            team = teams.get(agent.team_id or -1, "no team")
            item = QListWidgetItem(icon("user"), f"{agent.full_name}  ·  {team}")
            item.setData(Qt.ItemDataRole.UserRole, agent.employee_id)
            self.list.addItem(item)
        layout.addWidget(self.list, 1)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.ok = buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok.setText("Assign")
        self.ok.setProperty("primary", True)
        self.ok.setEnabled(False)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.search.textChanged.connect(self._filter)
        self.list.currentItemChanged.connect(lambda cur, _prev: self.ok.setEnabled(cur is not None))
        self.list.itemDoubleClicked.connect(lambda _item: self.accept())
        self.search.returnPressed.connect(self._accept_first)

    def chosen(self) -> int | None:
        item = self.list.currentItem()
        return int(item.data(Qt.ItemDataRole.UserRole)) if item is not None else None

    def _filter(self, text: str) -> None:
        needle = text.strip().casefold()
        first = None
        for i in range(self.list.count()):
            item = self.list.item(i)
            hidden = bool(needle) and needle not in item.text().casefold()
            item.setHidden(hidden)
            if not hidden and first is None:
                first = item
        if first is not None and (
            self.list.currentItem() is None or self.list.currentItem().isHidden()
        ):
            self.list.setCurrentItem(first)

    def _accept_first(self) -> None:
        if self.chosen() is not None:
            self.accept()
