"""The guard that keeps tests out of ``../shared`` (read-only for the suite): a snapshot of
every entry's name, modification time and size before the session, compared after it."""

from __future__ import annotations

import os
from pathlib import Path

Snapshot = dict[str, tuple[int, int]]


def snapshot(root: Path) -> Snapshot:
    """Every file and directory under ``root``: relative path → (mtime in ns, size);
    empty when ``root`` does not exist."""
    found: Snapshot = {}
    if not root.is_dir():
        return found
    for directory, folders, files in os.walk(root):
        for name in (*folders, *files):
            path = Path(directory) / name
            try:
                status = path.lstat()
            except FileNotFoundError:  # removed while we walked: the next snapshot says so
                continue
            found[str(path.relative_to(root))] = (status.st_mtime_ns, status.st_size)
    return found


def changes(before: Snapshot, after: Snapshot) -> list[str]:
    """What happened between two snapshots, one line per entry (created, removed,
    modified), in path order."""
    created = [f"created {path}" for path in sorted(after.keys() - before.keys())]
    removed = [f"removed {path}" for path in sorted(before.keys() - after.keys())]
    modified = [
        f"modified {path}"
        for path in sorted(before.keys() & after.keys())
        if before[path] != after[path]
    ]
    return [*created, *removed, *modified]
