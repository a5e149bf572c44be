"""Editing the message texts: one template per message and language, checked as you type.

Placeholders are inserted from buttons (typos are the usual error), unknown ones are
reported at once with the closest known name, and the count below the text says how the
message travels: GSM-7 or UCS-2 (and which characters force UCS-2), characters used of the
segment, and how many SMS a customer receives, measured with realistic sample values.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from db.queries.notification_text import STATUS_WORDS
from desktop.core.sms_text import (
    DEFAULT_TEMPLATES,
    PLACEHOLDERS,
    SAMPLE_VALUES,
    non_gsm_characters,
    render_template,
    sms_segments,
    validate_template,
)

LANGUAGE_NAMES = {"en": "English", "fr": "French", "es": "Spanish", "de": "German"}
Key = tuple[str, str]


def message_label(key: str) -> str:
    """ "status_on_hold" -> "Status changed to: on hold"."""
    if key.startswith("status_"):
        status = key.removeprefix("status_")
        return f"Status changed to: {STATUS_WORDS['en'].get(status, status.replace('_', ' '))}"
    return {
        "acknowledgement": "Acknowledgement (new ticket)",
        "still_working": "Still working on it (silence)",
    }.get(key, key.replace("_", " "))


def built_in(key: str, language: str) -> str | None:
    """The shipped text, for this language only (no fallback: it is what "reset" restores)."""
    return DEFAULT_TEMPLATES.get(key, {}).get(language)


class TemplateEditor(QWidget):
    """Message and language pickers, the text, placeholders, live checks and SMS count.

    Attributes:
        changed: the edits changed (the dialog marks itself modified).
    """

    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._stored: dict[Key, str] = {}
        self._texts: dict[Key, str] = {}
        self._errors: dict[Key, list[str]] = {}
        self._current: Key | None = None
        self.message = QComboBox()
        self.language = QComboBox()
        pickers = QFormLayout()
        pickers.addRow("Message", self.message)
        pickers.addRow("Language", self.language)
        self.editor = QPlainTextEdit()
        self.editor.setMinimumHeight(110)
        self.editor.setMaximumHeight(200)
        self.editor.setAccessibleName("Message text")
        buttons = QHBoxLayout()
        buttons.setSpacing(4)
        buttons.addWidget(QLabel("Insert:"))
        for name, description in PLACEHOLDERS.items():
            button = QToolButton()
            button.setText("{" + name + "}")
            button.setToolTip(description)
            button.clicked.connect(lambda _=False, n=name: self.insert_placeholder(n))
            buttons.addWidget(button)
        buttons.addStretch(1)
        self.count = QLabel("")
        self.count.setAccessibleName("SMS segment count")
        self.origin = QLabel("")
        self.origin.setProperty("kpiCaption", True)
        self.reset = QPushButton("Use the built-in text")
        self.reset.clicked.connect(self.reset_to_built_in)
        status_row = QHBoxLayout()
        status_row.addWidget(self.count, 1)
        status_row.addWidget(self.origin)
        status_row.addWidget(self.reset)
        self.sample = QLabel("")
        self.sample.setWordWrap(True)
        self.sample.setProperty("kpiCaption", True)
        self.errors = QLabel("")
        self.errors.setWordWrap(True)
        self.errors.setProperty("severity", "bad")
        self.errors.hide()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(pickers)
        layout.addWidget(self.editor)
        layout.addLayout(buttons)
        layout.addLayout(status_row)
        layout.addWidget(self.errors)
        layout.addWidget(self.sample)
        layout.addStretch(1)
        self.message.currentIndexChanged.connect(self._switch)
        self.language.currentIndexChanged.connect(self._switch)
        self.editor.textChanged.connect(self._edited)

    # ----------------------------------------------------------------- data in and out
    def load(
        self, overrides: Mapping[Key, str], languages: Iterable[str], keys: Iterable[str]
    ) -> None:
        """Start from the stored overrides; ``keys`` are the messages offered."""
        self._stored = dict(overrides)
        self._texts = {}
        self._errors = {}
        self._current = None
        for combo in (self.message, self.language):
            combo.blockSignals(True)
            combo.clear()
        for key in keys:
            self.message.addItem(message_label(key), key)
        for language in languages:
            self.language.addItem(LANGUAGE_NAMES.get(language, language), language)
        for combo in (self.message, self.language):
            combo.blockSignals(False)
        self._switch()

    def set_keys(self, keys: Iterable[str]) -> None:
        """Offer these messages (the policy's announced statuses changed)."""
        current = self.message.currentData()
        self.message.blockSignals(True)
        self.message.clear()
        for key in keys:
            self.message.addItem(message_label(key), key)
        index = self.message.findData(current)
        self.message.setCurrentIndex(max(0, index))
        self.message.blockSignals(False)
        self._switch()

    def stored_text(self, key: Key) -> str:
        """What is in force: the stored override, else the built-in text ('' if none)."""
        return self._stored.get(key) or built_in(*key) or ""

    def changes(self) -> dict[Key, str]:
        """Edited templates: text to store, or '' to go back to the built-in text."""
        self._keep_current()
        out: dict[Key, str] = {}
        for key, text in self._texts.items():
            if text == self.stored_text(key):
                continue
            out[key] = "" if text.strip() == (built_in(*key) or "").strip() else text
        return out

    def show_errors(self, errors: Mapping[Key, list[str]]) -> None:
        """Errors from saving: shown on the template concerned, which is brought up."""
        self._errors = {k: list(v) for k, v in errors.items()}
        if errors:
            key, language = next(iter(errors))
            self.select(key, language)
        self._refresh_checks()

    def select(self, key: str, language: str) -> None:
        if self.message.findData(key) < 0:
            self.message.addItem(message_label(key), key)
        if self.language.findData(language) < 0:
            self.language.addItem(LANGUAGE_NAMES.get(language, language), language)
        self.message.setCurrentIndex(self.message.findData(key))
        self.language.setCurrentIndex(self.language.findData(language))

    # ----------------------------------------------------------------- editing
    def insert_placeholder(self, name: str) -> None:
        self.editor.insertPlainText("{" + name + "}")
        self.editor.setFocus()

    def reset_to_built_in(self) -> None:
        if self._current is not None:
            self.editor.setPlainText(built_in(*self._current) or "")

    def _keep_current(self) -> None:
        if self._current is not None:
            self._texts[self._current] = self.editor.toPlainText()

    def _switch(self) -> None:
        self._keep_current()
        key, language = self.message.currentData(), self.language.currentData()
        if key is None or language is None:
            return
        self._current = (key, language)
        text = self._texts.get(self._current, self.stored_text(self._current))
        self.editor.blockSignals(True)
        self.editor.setPlainText(text)
        self.editor.blockSignals(False)
        self._refresh_checks()

    def _edited(self) -> None:
        if self._current is not None:
            self._texts[self._current] = self.editor.toPlainText()
            self._errors.pop(self._current, None)  # re-checked live below
        self._refresh_checks()
        self.changed.emit()

    def _refresh_checks(self) -> None:
        if self._current is None:
            return
        text = self.editor.toPlainText()
        key = self._current
        problems = list(self._errors.get(key, [])) or (
            validate_template(text) if text.strip() else []
        )
        if not text.strip():
            fallback = built_in(*key)
            problems = [] if fallback else ["This message has no built-in text: write one."]
        built = built_in(*key)
        if key in self._stored and text == self._stored[key]:
            self.origin.setText("your text")
        elif built is not None and text == built:
            self.origin.setText("built-in text")
        elif not text.strip():
            self.origin.setText("empty: the built-in text applies")
        else:
            self.origin.setText("edited, not saved")
        self.reset.setEnabled(built is not None and text != built)
        self.errors.setVisible(bool(problems))
        self.errors.setText("\n".join(problems))
        self._show_count(text if text.strip() else (built or ""), problems)

    def _show_count(self, text: str, problems: list[str]) -> None:
        approximate = False
        try:
            sample = render_template(text, SAMPLE_VALUES) if text.strip() else ""
        except ValueError:
            sample, approximate = text, True  # count what is there until it parses
        if not sample.strip():
            self._set_count("—", None)
            self.sample.setText("")
            return
        info = sms_segments(sample)
        if info.segments <= 1:
            count = f"{info.encoding} · {info.units} / {info.per_segment} characters · 1 SMS"
        else:
            count = (
                f"{info.encoding} · {info.units} characters · {info.segments} SMS "
                f"of up to {info.per_segment}"
            )
        if info.encoding == "UCS-2":
            forcing = " ".join(non_gsm_characters(sample)[:6])
            count += f" — UCS-2 because of: {forcing}"
        if approximate:
            count = "about " + count
        severity = "bad" if info.segments > 2 else "warn" if info.segments > 1 else "ok"
        self._set_count(count, severity)
        self.sample.setText("" if problems else "With sample values: " + sample)

    def _set_count(self, text: str, severity: str | None) -> None:
        self.count.setText(text)
        if self.count.property("severity") != severity:
            self.count.setProperty("severity", severity)
            self.count.style().unpolish(self.count)
            self.count.style().polish(self.count)
