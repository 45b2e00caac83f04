"""Signals core sends for other apps to react to (STYLE.md §3: decoupled notifications only).

`calendar_changed(sender=CalendarYear, years=[2027])`: the year calendars of `years` were
entered, imported, edited or deleted, and the change has committed. Deadlines computed on
the old calendar (in particular provisional ones) may need recomputing.
"""

from django.dispatch import Signal

calendar_changed = Signal()
