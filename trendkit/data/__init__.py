"""Package data: province tables, shapes, places and published figures (see README.md beside them)."""
