"""Fails to import: what it needs is missing."""

import no_such_module_anywhere  # noqa: F401
