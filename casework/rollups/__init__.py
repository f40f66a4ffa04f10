"""Per-day rollups of report figures, kept exact by dirty days (docs/reports.md)."""
