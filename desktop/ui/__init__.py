"""The Qt views and dialogs."""

from desktop.ui.pyside_workarounds import skip_feature_source_scan

# Before any other module is imported with Qt loaded, on any thread.
skip_feature_source_scan()
