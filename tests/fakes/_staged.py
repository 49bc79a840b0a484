"""One table seen through one fake unit of work: staged rows over committed ones."""

from __future__ import annotations

from typing import Any


class _Staged:
    """A table seen through one unit of work: its own staged rows over the committed ones.

    A staged None is a deletion (a tombstone until commit)."""

    conflict: type[Exception] | None = None  # raised on commit if a staged key got committed meanwhile

    def __init__(self, committed: dict[Any, Any]) -> None:
        self._committed = committed
        self._staged: dict[Any, Any] = {}

    def _get(self, key: Any) -> Any:
        return self._staged[key] if key in self._staged else self._committed.get(key)

    def _rows(self) -> dict[Any, Any]:
        return {k: v for k, v in {**self._committed, **self._staged}.items() if v is not None}

    def check(self) -> None:
        """Called on every table before any publishes, so a commit is all or nothing."""
        taken = self._staged.keys() & self._committed.keys()
        if self.conflict is not None and taken:
            raise self.conflict(f"already committed: {sorted(taken)}")

    def publish(self) -> None:
        for key, value in self._staged.items():
            if value is None:
                self._committed.pop(key, None)
            else:
                self._committed[key] = value
        self._staged.clear()

    def discard(self) -> None:
        self._staged.clear()


