"""Manager reports: caseload now, flow over a period, outcomes and social value, demand.

Every figure is a database aggregate (``caseload``, ``flow``, ``impact``, ``demand``); the
same ``Report`` feeds the HTML pages (``views``), CSV (``export``), the board PDF (``pdf``)
and the API (``api``). Definitions: docs/reports.md.
"""
