"""The test suite's plugin, for every test path: each chapter executed once (tools.pytest_chapters)."""

pytest_plugins = ["tools.pytest_chapters"]
