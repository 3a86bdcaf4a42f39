"""Dental domain facts as tables: CDT codes (cdt), teeth (teeth) and surfaces (surfaces).

Checks read these helpers instead of carrying if-chains of codes, teeth or letters. Every lookup
is a dict or frozenset built once at import time.
"""
